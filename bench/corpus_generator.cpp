// SPDX-License-Identifier: Apache-2.0
#include "corpus_generator.h"

#include <algorithm>
#include <array>
#include <initializer_list>
#include <limits>
#include <ostream>
#include <tuple>
#include <utility>
#include <vector>

namespace k8saudit::bench {

// ---------------------------------------------------------------------------------------------
// Small building blocks
// ---------------------------------------------------------------------------------------------
namespace {

// splitmix64: tiny, fast, and identical everywhere (std::*_distribution is not).
class prng {
 public:
  explicit prng(std::uint64_t seed) noexcept : state_(seed) {}
  std::uint64_t next() noexcept {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  /// Uniform in [0, n); the modulo bias is irrelevant for n far below 2^64.
  std::uint64_t below(std::uint64_t n) noexcept { return n == 0 ? 0 : next() % n; }
  std::size_t index(std::size_t n) noexcept { return static_cast<std::size_t>(below(n)); }
  /// Uniform in [lo, hi].
  std::int64_t between(std::int64_t lo, std::int64_t hi) noexcept {
    return lo + static_cast<std::int64_t>(below(static_cast<std::uint64_t>(hi - lo) + 1));
  }
  double unit() noexcept { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  bool chance(double p) noexcept { return unit() < p; }
  template <class Container>
  const auto& pick(const Container& c) noexcept {
    return c[index(std::size(c))];
  }

 private:
  std::uint64_t state_;
};

constexpr char hex_digits[] = "0123456789abcdef";

std::string random_hex(prng& r, std::size_t n) {
  std::string s(n, '0');
  for (std::size_t i = 0; i < n; ++i) s[i] = hex_digits[r.below(16)];
  return s;
}

std::string random_uuid(prng& r) {
  std::string h = random_hex(r, 32);
  h[12] = '4';
  h[16] = "89ab"[r.below(4)];
  std::string s;
  s.reserve(36);
  s.append(h, 0, 8).append(1, '-').append(h, 8, 4).append(1, '-').append(h, 12, 4);
  s.append(1, '-').append(h, 16, 4).append(1, '-').append(h, 20, 12);
  return s;
}

// The alphabet Kubernetes uses for generated name suffixes and pod-template hashes.
std::string random_k8s_suffix(prng& r, std::size_t n) {
  static constexpr std::string_view alphabet = "bcdfghjklmnpqrstvwxz2456789";
  std::string s(n, 'b');
  for (std::size_t i = 0; i < n; ++i) s[i] = alphabet[r.index(alphabet.size())];
  return s;
}

std::string to_upper(std::string s) {
  for (char& c : s)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return s;
}

void append_uint(std::string& out, std::uint64_t v) {
  char buf[24];
  char* p = buf + sizeof buf;
  do {
    *--p = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  out.append(p, static_cast<std::size_t>(buf + sizeof buf - p));
}

void append_int(std::string& out, std::int64_t v) {
  if (v < 0) {
    out += '-';
    append_uint(out, ~static_cast<std::uint64_t>(v) + 1);
  } else {
    append_uint(out, static_cast<std::uint64_t>(v));
  }
}

void append_padded(std::string& out, std::uint64_t v, int width) {
  char buf[24];
  for (int i = width - 1; i >= 0; --i) {
    buf[i] = static_cast<char>('0' + v % 10);
    v /= 10;
  }
  out.append(buf, static_cast<std::size_t>(width));
}

std::string num_str(std::int64_t v) {
  std::string s;
  append_int(s, v);
  return s;
}

constexpr std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  const std::int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

struct civil_date {
  std::int64_t year;
  unsigned month;
  unsigned day;
};

// Days since 1970-01-01 -> proleptic Gregorian date (the classic era/day-of-era method).
constexpr civil_date civil_from_days(std::int64_t z) {
  z += 719468;
  const std::int64_t era = floor_div(z, 146097);
  const auto doe = static_cast<std::uint64_t>(z - era * 146097);
  const std::uint64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::uint64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::uint64_t mp = (5 * doy + 2) / 153;
  const auto d = static_cast<unsigned>(doy - (153 * mp + 2) / 5 + 1);
  const auto m = static_cast<unsigned>(mp < 10 ? mp + 3 : mp - 9);
  const std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2 ? 1 : 0);
  return {y, m, d};
}
static_assert(civil_from_days(0).year == 1970 && civil_from_days(0).month == 1);
static_assert(civil_from_days(20368).year == 2025 && civil_from_days(20368).month == 10 &&
              civil_from_days(20368).day == 7);

constexpr std::int64_t pow10(int n) {
  std::int64_t v = 1;
  for (int i = 0; i < n; ++i) v *= 10;
  return v;
}

struct split_time {
  civil_date date;
  unsigned hour, minute, second;
  std::int64_t micros;
};

split_time split_micros(std::int64_t us) {
  const std::int64_t secs = floor_div(us, 1000000);
  const std::int64_t days = floor_div(secs, 86400);
  const auto sod = static_cast<unsigned>(secs - days * 86400);
  return {civil_from_days(days), sod / 3600, sod / 60 % 60, sod % 60, us - secs * 1000000};
}

// klog header time: "1007 16:19:19.643609"
void append_klog_time(std::string& out, std::int64_t us) {
  const split_time t = split_micros(us);
  append_padded(out, t.date.month, 2);
  append_padded(out, t.date.day, 2);
  out += ' ';
  append_padded(out, t.hour, 2);
  out += ':';
  append_padded(out, t.minute, 2);
  out += ':';
  append_padded(out, t.second, 2);
  out += '.';
  append_padded(out, static_cast<std::uint64_t>(t.micros), 6);
}

// klog trace start: "07-Oct-2025 16:19:19.100"
void append_klog_trace_start(std::string& out, std::int64_t us) {
  static constexpr std::string_view months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const split_time t = split_micros(us);
  append_padded(out, t.date.day, 2);
  out += '-';
  out += months[t.date.month - 1];
  out += '-';
  append_padded(out, static_cast<std::uint64_t>(t.date.year), 4);
  out += ' ';
  append_padded(out, t.hour, 2);
  out += ':';
  append_padded(out, t.minute, 2);
  out += ':';
  append_padded(out, t.second, 2);
  out += '.';
  append_padded(out, static_cast<std::uint64_t>(t.micros / 1000), 3);
}

// ---------------------------------------------------------------------------------------------
// A minimal compact JSON writer (Go escaping), so objects are built without comma bookkeeping.
// ---------------------------------------------------------------------------------------------
class json_writer {
 public:
  explicit json_writer(std::string& out) noexcept : out_(out) {}

  json_writer& begin_object() { return open('{'); }
  json_writer& end_object() { return close('}'); }
  json_writer& begin_array() { return open('['); }
  json_writer& end_array() { return close(']'); }
  json_writer& key(std::string_view k) {
    separate();
    append_go_json_string(out_, k);
    out_ += ':';
    after_key_ = true;
    return *this;
  }
  json_writer& str(std::string_view v) {
    value_prefix();
    append_go_json_string(out_, v);
    return *this;
  }
  json_writer& num(std::int64_t v) {
    value_prefix();
    append_int(out_, v);
    return *this;
  }
  json_writer& boolean(bool v) {
    value_prefix();
    out_ += v ? "true" : "false";
    return *this;
  }
  json_writer& null() {
    value_prefix();
    out_ += "null";
    return *this;
  }
  /// A value that is already JSON.
  json_writer& raw(std::string_view json) {
    value_prefix();
    out_ += json;
    return *this;
  }
  json_writer& empty_object() { return raw("{}"); }

  json_writer& field(std::string_view k, std::string_view v) { return key(k).str(v); }
  json_writer& field(std::string_view k, const char* v) { return key(k).str(v); }
  json_writer& field(std::string_view k, const std::string& v) { return key(k).str(v); }
  json_writer& field(std::string_view k, std::int64_t v) { return key(k).num(v); }
  json_writer& field(std::string_view k, int v) { return key(k).num(v); }
  json_writer& field(std::string_view k, bool v) { return key(k).boolean(v); }
  /// Go's `omitempty` for strings.
  json_writer& field_opt(std::string_view k, std::string_view v) { return v.empty() ? *this : field(k, v); }
  json_writer& time_field(std::string_view k, std::int64_t unix_micros, int digits) {
    key(k);
    value_prefix();
    out_ += '"';
    append_rfc3339(out_, unix_micros, 6, digits);
    out_ += '"';
    return *this;
  }

 private:
  json_writer& open(char c) {
    value_prefix();
    out_ += c;
    ++depth_;
    has_items_[depth_] = false;
    return *this;
  }
  json_writer& close(char c) {
    out_ += c;
    --depth_;
    return *this;
  }
  void separate() {
    if (has_items_[depth_]) out_ += ',';
    has_items_[depth_] = true;
  }
  void value_prefix() {
    if (after_key_) {
      after_key_ = false;
    } else if (depth_ > 0) {
      separate();
    }
  }

  std::string& out_;
  std::array<bool, 64> has_items_{};
  std::size_t depth_ = 0;
  bool after_key_ = false;
};

// ---------------------------------------------------------------------------------------------
// The simulated cluster
// ---------------------------------------------------------------------------------------------
struct resource_def {
  std::string_view name;
  std::string_view group;
  std::string_view version;
  bool namespaced;
  std::string_view kind;
};

constexpr resource_def res_pods{"pods", "", "v1", true, "Pod"};
constexpr resource_def res_configmaps{"configmaps", "", "v1", true, "ConfigMap"};
constexpr resource_def res_secrets{"secrets", "", "v1", true, "Secret"};
constexpr resource_def res_services{"services", "", "v1", true, "Service"};
constexpr resource_def res_endpoints{"endpoints", "", "v1", true, "Endpoints"};
constexpr resource_def res_events{"events", "", "v1", true, "Event"};
constexpr resource_def res_serviceaccounts{"serviceaccounts", "", "v1", true, "ServiceAccount"};
constexpr resource_def res_pvcs{"persistentvolumeclaims", "", "v1", true, "PersistentVolumeClaim"};
constexpr resource_def res_nodes{"nodes", "", "v1", false, "Node"};
constexpr resource_def res_namespaces{"namespaces", "", "v1", false, "Namespace"};
constexpr resource_def res_leases{"leases", "coordination.k8s.io", "v1", true, "Lease"};
constexpr resource_def res_deployments{"deployments", "apps", "v1", true, "Deployment"};
constexpr resource_def res_replicasets{"replicasets", "apps", "v1", true, "ReplicaSet"};
constexpr resource_def res_daemonsets{"daemonsets", "apps", "v1", true, "DaemonSet"};
constexpr resource_def res_statefulsets{"statefulsets", "apps", "v1", true, "StatefulSet"};
constexpr resource_def res_endpointslices{"endpointslices", "discovery.k8s.io", "v1", true, "EndpointSlice"};
constexpr resource_def res_jobs{"jobs", "batch", "v1", true, "Job"};
constexpr resource_def res_ingresses{"ingresses", "networking.k8s.io", "v1", true, "Ingress"};
constexpr resource_def res_hpas{"horizontalpodautoscalers", "autoscaling", "v2", true, "HorizontalPodAutoscaler"};
constexpr resource_def res_tokenreviews{"tokenreviews", "authentication.k8s.io", "v1", false, "TokenReview"};
constexpr resource_def res_sars{"subjectaccessreviews", "authorization.k8s.io", "v1", false, "SubjectAccessReview"};
constexpr resource_def res_crds{"customresourcedefinitions", "apiextensions.k8s.io", "v1", false,
                                "CustomResourceDefinition"};
constexpr resource_def res_clusterroles{"clusterroles", "rbac.authorization.k8s.io", "v1", false, "ClusterRole"};
constexpr resource_def res_csinodes{"csinodes", "storage.k8s.io", "v1", false, "CSINode"};

std::string qualified(const resource_def& r) {
  std::string s(r.name);
  if (!r.group.empty()) s.append(1, '.').append(r.group);
  return s;
}

constexpr std::string_view k8s_version = "v1.30.6";
constexpr std::string_view k8s_commit = "fd5e9b2";

struct actor {
  std::string username;
  std::string user_json;   // the rendered `user` object
  std::string user_agent;  // default user agent
  std::string source_ip;
  std::string rbac_reason;   // authorization.k8s.io/reason when allowed
  std::string sa_namespace;  // service accounts only
};

struct node_info {
  std::string name;
  std::string uid;
  std::string ip;
  std::string lease_uid;
  actor kubelet;
};

struct pod_info {
  std::string ns;
  std::string app;      // deployment / app label
  std::string rs_hash;  // pod-template-hash
  std::string name;
  std::string uid;
  std::string rs_uid;
  std::size_t node = 0;
  std::string ip;
  std::string image;
  std::string service_account;
  std::int64_t port = 8080;
};

struct configmap_info {
  std::string ns;
  std::string name;
  std::string uid;
};

struct lease_info {
  std::string name;
  std::string uid;
  std::size_t holder = 0;  // index into control_plane_
};

struct apiserver_pod {
  std::string name;
  std::string container_id;
};

struct user_spec {
  std::string_view username;
  std::string uid;
  std::vector<std::string> groups;
  std::vector<std::pair<std::string, std::string>> extra;  // sorted by key
};

std::string render_user(const user_spec& u) {
  std::string s;
  json_writer w(s);
  w.begin_object().field("username", u.username).field_opt("uid", u.uid);
  w.key("groups").begin_array();
  for (const auto& g : u.groups) w.str(g);
  w.end_array();
  if (!u.extra.empty()) {
    w.key("extra").begin_object();
    for (const auto& [k, v] : u.extra) w.key(k).begin_array().str(v).end_array();
    w.end_object();
  }
  w.end_object();
  return s;
}

enum class stage_kind { received, started, complete };

std::string_view stage_name(stage_kind s) {
  switch (s) {
    case stage_kind::received:
      return "RequestReceived";
    case stage_kind::started:
      return "ResponseStarted";
    case stage_kind::complete:
      return "ResponseComplete";
  }
  return "ResponseComplete";
}

// One API request; rendered into 2 or 3 audit events.
struct request {
  std::string audit_id;
  std::string_view level = "Metadata";
  std::string uri;  // unescaped; rendering escapes & as \u0026
  std::string_view verb;
  const actor* user = nullptr;
  const actor* impersonated = nullptr;
  std::string user_agent;
  std::vector<std::string_view> source_ips;
  bool has_ref = false;
  std::string_view resource, api_group, api_version;
  std::string ns, name, subresource;
  std::string ref_uid, ref_rv;  // filled from the decoded request object: not at RequestReceived
  int code = 200;
  std::string_view failure_reason;
  std::string failure_message;
  std::string failure_details;  // raw JSON, empty = none
  bool failed = false;
  std::string request_object, response_object;  // raw JSON, empty = none
  bool forbidden = false;
  std::string authz_reason;
  std::vector<std::pair<std::string_view, std::string>> annotations;  // besides authorization.*
  bool long_running = false;
  int started_code = 200;
  std::int64_t received = 0, started = 0, completed = 0;
};

std::string details_json(std::string_view name, std::string_view group, std::string_view kind) {
  std::string s;
  json_writer w(s);
  w.begin_object().field_opt("name", name).field_opt("group", group).field_opt("kind", kind).end_object();
  return s;
}

// The object metadata.managedFields entries share this frame.
void managed_field(json_writer& w, std::string_view manager, std::string_view operation, std::string_view api_version,
                   std::int64_t time_us, const std::string& fields_v1, std::string_view subresource = {}) {
  w.begin_object()
      .field("manager", manager)
      .field("operation", operation)
      .field("apiVersion", api_version)
      .time_field("time", time_us, 0)
      .field("fieldsType", "FieldsV1")
      .key("fieldsV1")
      .raw(fields_v1)
      .field_opt("subresource", subresource)
      .end_object();
}

// fieldsV1 sets use keys like k:{"uid":"..."}; build them with the writer so they are escaped.
std::string fields_pod_controller(const pod_info& p) {
  std::string s;
  json_writer w(s);
  w.begin_object();
  w.key("f:metadata").begin_object();
  w.key("f:generateName").empty_object();
  w.key("f:labels").begin_object().key(".").empty_object().key("f:app").empty_object();
  w.key("f:pod-template-hash").empty_object().end_object();
  w.key("f:ownerReferences").begin_object().key(".").empty_object();
  w.key("k:{\"uid\":\"" + p.rs_uid + "\"}").empty_object().end_object();
  w.end_object();
  w.key("f:spec").begin_object();
  w.key("f:containers").begin_object();
  w.key("k:{\"name\":\"" + p.app + "\"}").begin_object().key(".").empty_object();
  for (std::string_view f : {"f:image", "f:imagePullPolicy", "f:name"}) w.key(f).empty_object();
  w.key("f:ports").begin_object().key(".").empty_object();
  w.key("k:{\"containerPort\":" + num_str(p.port) + ",\"protocol\":\"TCP\"}").begin_object();
  w.key(".").empty_object().key("f:containerPort").empty_object().key("f:protocol").empty_object();
  w.end_object().end_object();
  w.key("f:resources").begin_object().key(".").empty_object();
  w.key("f:limits")
      .begin_object()
      .key(".")
      .empty_object()
      .key("f:cpu")
      .empty_object()
      .key("f:memory")
      .empty_object()
      .end_object();
  w.key("f:requests")
      .begin_object()
      .key(".")
      .empty_object()
      .key("f:cpu")
      .empty_object()
      .key("f:memory")
      .empty_object()
      .end_object();
  w.end_object();
  w.key("f:terminationMessagePath").empty_object().key("f:terminationMessagePolicy").empty_object();
  w.end_object().end_object();
  for (std::string_view f :
       {"f:dnsPolicy", "f:enableServiceLinks", "f:restartPolicy", "f:schedulerName", "f:securityContext",
        "f:serviceAccount", "f:serviceAccountName", "f:terminationGracePeriodSeconds"})
    w.key(f).empty_object();
  w.end_object().end_object();
  return s;
}

std::string fields_pod_status(const pod_info& p) {
  std::string s;
  json_writer w(s);
  w.begin_object().key("f:status").begin_object();
  w.key("f:conditions").begin_object();
  for (std::string_view t : {"ContainersReady", "Initialized", "PodReadyToStartContainers", "Ready"}) {
    w.key("k:{\"type\":\"" + std::string(t) + "\"}").begin_object().key(".").empty_object();
    w.key("f:lastProbeTime").empty_object().key("f:lastTransitionTime").empty_object();
    w.key("f:status").empty_object().key("f:type").empty_object().end_object();
  }
  w.end_object();
  for (std::string_view f : {"f:containerStatuses", "f:hostIP"}) w.key(f).empty_object();
  w.key("f:hostIPs").begin_object().key(".").empty_object();
  w.key("k:{\"ip\":\"10.224.0." + num_str(static_cast<std::int64_t>(4 + p.node)) + "\"}").begin_object();
  w.key(".").empty_object().key("f:ip").empty_object().end_object().end_object();
  for (std::string_view f : {"f:phase", "f:podIP"}) w.key(f).empty_object();
  w.key("f:podIPs").begin_object().key(".").empty_object();
  w.key("k:{\"ip\":\"" + p.ip + "\"}").begin_object().key(".").empty_object().key("f:ip").empty_object();
  w.end_object().end_object();
  w.key("f:startTime").empty_object();
  w.end_object().end_object();
  return s;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Public helpers
// ---------------------------------------------------------------------------------------------
std::optional<corpus_format> parse_corpus_format(std::string_view name) noexcept {
  if (name == "jsonl") return corpus_format::jsonl;
  if (name == "aks") return corpus_format::aks;
  if (name == "eventhub") return corpus_format::eventhub;
  if (name == "eventlist") return corpus_format::eventlist;
  return std::nullopt;
}

std::string_view to_string(corpus_format format) noexcept {
  switch (format) {
    case corpus_format::jsonl:
      return "jsonl";
    case corpus_format::aks:
      return "aks";
    case corpus_format::eventhub:
      return "eventhub";
    case corpus_format::eventlist:
      return "eventlist";
  }
  return "jsonl";
}

namespace {
void append_escaped(std::string& out, std::string_view s, bool go_html) {
  out += '"';
  std::size_t done = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    const char* esc = nullptr;
    char buf[8];
    std::size_t skip = 1;
    if (c == '"') {
      esc = "\\\"";
    } else if (c == '\\') {
      esc = "\\\\";
    } else if (c == '\n') {
      esc = "\\n";
    } else if (c == '\r') {
      esc = "\\r";
    } else if (c == '\t') {
      esc = "\\t";
    } else if (c < 0x20 || (go_html && (c == '<' || c == '>' || c == '&'))) {
      buf[0] = '\\';
      buf[1] = 'u';
      buf[2] = '0';
      buf[3] = '0';
      buf[4] = hex_digits[c >> 4];
      buf[5] = hex_digits[c & 15];
      buf[6] = '\0';
      esc = buf;
    } else if (go_html && c == 0xE2 && i + 2 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0x80 &&
               (static_cast<unsigned char>(s[i + 2]) == 0xA8 || static_cast<unsigned char>(s[i + 2]) == 0xA9)) {
      esc = static_cast<unsigned char>(s[i + 2]) == 0xA8 ? "\\u2028" : "\\u2029";
      skip = 3;
    } else {
      continue;
    }
    out.append(s.data() + done, i - done);
    out += esc;
    done = i + skip;
    i += skip - 1;
  }
  out.append(s.data() + done, s.size() - done);
  out += '"';
}
}  // namespace

void append_go_json_string(std::string& out, std::string_view text) { append_escaped(out, text, true); }
void append_json_string(std::string& out, std::string_view text) { append_escaped(out, text, false); }

void append_rfc3339(std::string& out, std::int64_t value, int scale, int digits) {
  const std::int64_t unit = pow10(scale);
  const std::int64_t secs = floor_div(value, unit);
  const std::int64_t frac = value - secs * unit;
  const std::int64_t days = floor_div(secs, 86400);
  const auto sod = static_cast<std::uint64_t>(secs - days * 86400);
  const civil_date d = civil_from_days(days);
  append_padded(out, static_cast<std::uint64_t>(d.year), 4);
  out += '-';
  append_padded(out, d.month, 2);
  out += '-';
  append_padded(out, d.day, 2);
  out += 'T';
  append_padded(out, sod / 3600, 2);
  out += ':';
  append_padded(out, sod / 60 % 60, 2);
  out += ':';
  append_padded(out, sod % 60, 2);
  if (digits > 0) {
    out += '.';
    append_padded(out, static_cast<std::uint64_t>(frac / pow10(scale - digits)), digits);
  }
  out += 'Z';
}

std::optional<std::uint64_t> parse_size(std::string_view text) noexcept {
  std::uint64_t value = 0;
  std::size_t i = 0;
  for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
    const auto digit = static_cast<std::uint64_t>(text[i] - '0');
    if (value > (std::numeric_limits<std::uint64_t>::max() - digit) / 10) return std::nullopt;
    value = value * 10 + digit;
  }
  if (i == 0) return std::nullopt;
  std::string_view suffix = text.substr(i);
  unsigned shift = 0;
  if (!suffix.empty()) {
    switch (suffix[0]) {
      case 'k':
      case 'K':
        shift = 10;
        break;
      case 'm':
      case 'M':
        shift = 20;
        break;
      case 'g':
      case 'G':
        shift = 30;
        break;
      case 'b':
      case 'B':
        break;
      default:
        return std::nullopt;
    }
    if (shift != 0) suffix.remove_prefix(1);
    if (suffix == "iB" || suffix == "ib") suffix = {};
    if (suffix == "B" || suffix == "b") suffix = {};
    if (!suffix.empty()) return std::nullopt;
  }
  if (shift != 0 && value > (std::numeric_limits<std::uint64_t>::max() >> shift)) return std::nullopt;
  return value << shift;
}

// ---------------------------------------------------------------------------------------------
// The event generator
// ---------------------------------------------------------------------------------------------
struct event_generator::impl {
  explicit impl(const generator_options& o) : opts(o), rng(o.seed), world_rng(o.seed ^ 0x6b38617564697421ULL) {
    build_world();
    next_arrival = opts.start_unix_micros;
    mean_gap = std::max<std::int64_t>(2, 1000000 / std::max<std::uint32_t>(1, opts.requests_per_second));
  }

  bool next(generated_event& out);

  // -- state --------------------------------------------------------------------------------
  generator_options opts;
  prng rng;        // drives the traffic
  prng world_rng;  // builds the cluster
  std::int64_t next_arrival = 0;
  std::int64_t mean_gap = 2500;
  std::uint64_t resource_version = 93076016;
  std::size_t created_bytes = 0;
  std::size_t created_events = 0;
  bool stopped = false;

  struct pending {
    std::int64_t time;
    std::uint64_t seq;
    std::string json;
    std::string_view verb, level, stage;
    int code;
  };
  std::vector<pending> heap;  // min-heap on (time, seq)
  std::uint64_t seq = 0;
  static bool later(const pending& a, const pending& b) { return a.time != b.time ? a.time > b.time : a.seq > b.seq; }

  // -- the cluster ----------------------------------------------------------------------------
  std::vector<node_info> nodes;
  std::vector<pod_info> pods;
  std::vector<configmap_info> configmaps;
  std::vector<actor> control_plane;  // kcm, scheduler, aksService, masterclient, apiserver
  std::vector<actor> controllers;    // kube-system controller service accounts
  std::vector<actor> workloads;      // in-cluster service accounts with a pod
  std::vector<std::size_t> workload_pod;
  std::vector<actor> humans;
  actor anonymous;
  std::vector<lease_info> system_leases;
  std::vector<std::string> namespaces;
  std::string lease_uid_kcm, lease_uid_sched;

  enum { cp_kcm, cp_scheduler, cp_aks, cp_masterclient, cp_apiserver };

  std::string control_plane_ip() {
    return "172.31." + num_str(world_rng.between(16, 60)) + "." + num_str(world_rng.between(2, 250));
  }

  void build_world() {
    prng& w = world_rng;
    namespaces = {"kube-system",   "kube-node-lease", "kube-public",  "default",  "monitoring",
                  "ingress-nginx", "app-web",         "app-payments", "app-batch"};

    // Nodes: two pools, as AKS names them.
    const std::string pool1 = num_str(w.between(10000000, 99999999));
    const std::string pool2 = num_str(w.between(10000000, 99999999));
    for (int i = 0; i < 8; ++i) {
      node_info n;
      n.name = (i < 5 ? "aks-nodepool1-" + pool1 : "aks-userpool-" + pool2) + "-vmss00000" + num_str(i < 5 ? i : i - 5);
      n.uid = random_uuid(w);
      n.lease_uid = random_uuid(w);
      n.ip = "10.224.0." + num_str(4 + i);
      user_spec u{"", {}, {"system:nodes", "system:authenticated"}, {}};
      const std::string username = "system:node:" + n.name;
      u.username = username;
      n.kubelet.username = username;
      n.kubelet.user_json = render_user(u);
      n.kubelet.user_agent =
          "kubelet/" + std::string(k8s_version) + " (linux/amd64) kubernetes/" + std::string(k8s_commit);
      n.kubelet.source_ip = n.ip;
      nodes.push_back(std::move(n));
    }

    // Deployments and their pods.
    struct deploy {
      std::string_view ns, app, image, sa;
      int replicas;
      std::int64_t port;
    };
    static constexpr deploy deploys[] = {
        {"kube-system", "coredns", "mcr.microsoft.com/oss/kubernetes/coredns:v1.11.3-2", "coredns", 2, 53},
        {"kube-system", "metrics-server", "mcr.microsoft.com/oss/kubernetes/metrics-server:v0.7.2", "metrics-server", 2,
         4443},
        {"kube-system", "konnectivity-agent", "mcr.microsoft.com/oss/kubernetes/apiserver-network-proxy/agent:v0.30.3",
         "konnectivity-agent", 2, 8082},
        {"kube-system", "azure-cns", "mcr.microsoft.com/containernetworking/azure-cns:v1.6.13", "azure-cns", 1, 10090},
        {"monitoring", "prometheus", "quay.io/prometheus/prometheus:v2.54.1", "prometheus", 1, 9090},
        {"monitoring", "kube-state-metrics", "registry.k8s.io/kube-state-metrics/kube-state-metrics:v2.13.0",
         "kube-state-metrics", 1, 8080},
        {"monitoring", "grafana", "docker.io/grafana/grafana:11.2.2", "grafana", 1, 3000},
        {"ingress-nginx", "ingress-nginx-controller", "registry.k8s.io/ingress-nginx/controller:v1.11.3",
         "ingress-nginx", 2, 443},
        {"app-web", "web", "contosoregistry.azurecr.io/web:1.42.0", "web", 4, 8080},
        {"app-web", "web-worker", "contosoregistry.azurecr.io/web-worker:1.42.0", "web", 2, 8081},
        {"app-payments", "payments-api", "contosoregistry.azurecr.io/payments-api:3.7.1", "payments-api", 3, 8443},
        {"app-batch", "batch-runner", "contosoregistry.azurecr.io/batch-runner:0.9.4", "batch-runner", 1, 8080},
    };
    for (const deploy& d : deploys) {
      const std::string hash = random_k8s_suffix(w, 10);
      const std::string rs_uid = random_uuid(w);
      for (int i = 0; i < d.replicas; ++i) {
        pod_info p;
        p.ns = d.ns;
        p.app = d.app;
        p.rs_hash = hash;
        p.name = std::string(d.app) + "-" + hash + "-" + random_k8s_suffix(w, 5);
        p.uid = random_uuid(w);
        p.rs_uid = rs_uid;
        p.node = w.index(nodes.size());
        p.ip = "10.244." + num_str(static_cast<std::int64_t>(p.node)) + "." + num_str(w.between(2, 250));
        p.image = d.image;
        p.service_account = d.sa;
        p.port = d.port;
        pods.push_back(std::move(p));
      }
    }

    // ConfigMaps, including one with non-ASCII data.
    for (const std::string& ns : namespaces) {
      if (ns == "kube-node-lease") continue;
      configmaps.push_back({ns, "kube-root-ca.crt", random_uuid(w)});
    }
    for (auto [ns, name] : std::initializer_list<std::pair<std::string_view, std::string_view>>{
             {"kube-system", "coredns"},
             {"kube-system", "coredns-custom"},
             {"kube-system", "extension-apiserver-authentication"},
             {"kube-system", "cluster-autoscaler-status"},
             {"monitoring", "prometheus-config"},
             {"monitoring", "grafana-dashboards"},
             {"app-web", "web-config"},
             {"app-web", "feature-flags"},
             {"app-web", "greetings"},
             {"app-payments", "payments-config"},
             {"app-batch", "batch-schedule"},
             {"ingress-nginx", "ingress-nginx-controller"},
             {"default", "greetings"}}) {
      configmaps.push_back({std::string(ns), std::string(name), random_uuid(w)});
    }

    // Control plane identities.
    const std::string cp_ip = control_plane_ip();
    auto make = [&](std::string_view username, std::string uid, std::vector<std::string> groups,
                    std::vector<std::pair<std::string, std::string>> extra, std::string ua, std::string ip,
                    std::string reason) {
      actor a;
      a.username = username;
      user_spec u{a.username, std::move(uid), std::move(groups), std::move(extra)};
      a.user_json = render_user(u);
      a.user_agent = std::move(ua);
      a.source_ip = std::move(ip);
      a.rbac_reason = std::move(reason);
      return a;
    };
    const std::string kv = std::string(k8s_version) + " (linux/amd64) kubernetes/" + std::string(k8s_commit);
    control_plane.push_back(
        make("system:kube-controller-manager", {}, {"system:authenticated"},
             {{"authentication.kubernetes.io/credential-id", "X509SHA256=" + random_hex(w, 64)}},
             "kube-controller-manager/" + kv + "/leader-election", cp_ip,
             "RBAC: allowed by ClusterRoleBinding \"system:kube-controller-manager\" of ClusterRole "
             "\"system:kube-controller-manager\" to User \"system:kube-controller-manager\""));
    control_plane.push_back(make("system:kube-scheduler", {}, {"system:authenticated"},
                                 {{"authentication.kubernetes.io/credential-id", "X509SHA256=" + random_hex(w, 64)}},
                                 "kube-scheduler/" + kv + "/scheduler", cp_ip,
                                 "RBAC: allowed by ClusterRoleBinding \"system:kube-scheduler\" of ClusterRole "
                                 "\"system:kube-scheduler\" to User \"system:kube-scheduler\""));
    control_plane.push_back(make("aksService", {}, {"system:masters", "system:authenticated"}, {},
                                 "hcpService/v0.0.0 (linux/amd64) kubernetes/$Format", control_plane_ip(), ""));
    control_plane.push_back(make("masterclient", {}, {"system:masters", "system:authenticated"}, {},
                                 "kubectl/v1.30.5 (linux/amd64) kubernetes/74e84a9",
                                 "20.61." + num_str(w.between(1, 250)) + "." + num_str(w.between(1, 250)), ""));
    control_plane.push_back(make("system:apiserver", random_uuid(w), {"system:authenticated", "system:masters"}, {},
                                 "kube-apiserver/" + kv, "::1", ""));
    lease_uid_kcm = random_uuid(w);
    lease_uid_sched = random_uuid(w);

    // Leader-election leases in kube-system and who renews them.
    for (auto [name, holder] : std::initializer_list<std::pair<std::string_view, std::size_t>>{
             {"kube-controller-manager", cp_kcm},
             {"kube-scheduler", cp_scheduler},
             {"cloud-controller-manager", cp_aks},
             {"external-resizer-file-csi-azure-com", cp_aks},
             {"external-attacher-leader-disk-csi-azure-com", cp_aks},
             {"kubelet-serving-csr-approver", cp_aks},
             {"cluster-autoscaler", cp_aks},
             {"apiserver-", cp_apiserver}}) {
      std::string lname(name);
      if (holder == cp_apiserver) lname = "apiserver-" + random_k8s_suffix(w, 26);
      system_leases.push_back({lname, random_uuid(w), holder});
    }

    // kube-controller-manager's per-controller service accounts (--use-service-account-credentials).
    for (std::string_view name :
         {"replicaset-controller", "deployment-controller", "endpointslice-controller", "endpoint-controller",
          "generic-garbage-collector", "job-controller", "namespace-controller", "node-controller",
          "daemon-set-controller", "horizontal-pod-autoscaler", "ttl-after-finished-controller",
          "resourcequota-controller", "statefulset-controller", "pvc-protection-controller"}) {
      const std::string username = "system:serviceaccount:kube-system:" + std::string(name);
      actor a = make(username, random_uuid(w),
                     {"system:serviceaccounts", "system:serviceaccounts:kube-system", "system:authenticated"},
                     {{"authentication.kubernetes.io/credential-id", "JTI=" + random_uuid(w)}},
                     "kube-controller-manager/" + kv + "/system:serviceaccount:kube-system:" + std::string(name), cp_ip,
                     "RBAC: allowed by ClusterRoleBinding \"system:controller:" + std::string(name) +
                         "\" of ClusterRole \"system:controller:" + std::string(name) + "\" to ServiceAccount \"" +
                         std::string(name) + "/kube-system\"");
      a.sa_namespace = "kube-system";
      controllers.push_back(std::move(a));
    }

    // In-cluster workloads: service accounts bound to a pod.
    struct wl {
      std::string_view app, ua;
      bool cluster_role;
    };
    static constexpr wl wls[] = {
        {"coredns", "coredns/1.11.3 (linux/amd64) kubernetes/$Format", true},
        {"metrics-server", "metrics-server/v0.7.2 (linux/amd64) kubernetes/$Format", true},
        {"konnectivity-agent", "proxy-agent/v0.0.0 (linux/amd64) kubernetes/$Format", true},
        {"azure-cns", "azure-cns/v1.6.13 (linux/amd64) kubernetes/$Format", true},
        {"prometheus", "Prometheus/2.54.1", true},
        {"kube-state-metrics", "v2.13.0 (linux/amd64) kubernetes/$Format", true},
        {"grafana", "grafana-k8s-sidecar/1.27.4", false},
        {"ingress-nginx-controller", "nginx-ingress-controller/v1.11.3 (linux/amd64) ingress-nginx/fd27fa9b", true},
        {"web", "web/1.42.0 (linux/amd64) client-go/v0.30.2", false},
        {"payments-api", "payments-api/3.7.1 (linux/amd64) client-go/v0.29.8", false},
        {"batch-runner", "Go-http-client/2.0", false},
    };
    for (const wl& x : wls) {
      std::size_t pi = 0;
      while (pi < pods.size() && pods[pi].app != x.app) ++pi;
      const pod_info& p = pods[pi];
      const std::string username = "system:serviceaccount:" + p.ns + ":" + p.service_account;
      std::string reason =
          x.cluster_role
              ? "RBAC: allowed by ClusterRoleBinding \"" + p.service_account + "\" of ClusterRole \"" +
                    p.service_account + "\" to ServiceAccount \"" + p.service_account + "/" + p.ns + "\""
              : "RBAC: allowed by RoleBinding \"" + p.service_account + "-reader/" + p.ns + "\" of Role \"" +
                    p.service_account + "-reader\" to ServiceAccount \"" + p.service_account + "/" + p.ns + "\"";
      actor a = make(username, random_uuid(w),
                     {"system:serviceaccounts", "system:serviceaccounts:" + p.ns, "system:authenticated"},
                     {{"authentication.kubernetes.io/credential-id", "JTI=" + random_uuid(w)},
                      {"authentication.kubernetes.io/node-name", nodes[p.node].name},
                      {"authentication.kubernetes.io/node-uid", nodes[p.node].uid},
                      {"authentication.kubernetes.io/pod-name", p.name},
                      {"authentication.kubernetes.io/pod-uid", p.uid}},
                     std::string(x.ua), p.ip, std::move(reason));
      a.sa_namespace = p.ns;
      workloads.push_back(std::move(a));
      workload_pod.push_back(pi);
    }

    // A few humans (Entra ID users through the guard webhook), one with a non-ASCII name.
    const std::string admins = random_uuid(w);
    const std::string devs = random_uuid(w);
    for (auto [name, group, ip] :
         std::initializer_list<std::tuple<std::string_view, const std::string*, std::string_view>>{
             {"alice@example.com", &admins, "203.0.113.24"},
             {"josé@example.com", &devs, "198.51.100.7"},
             {"bob@example.com", &devs, "198.51.100.61"},
             {"priya@example.com", &admins, "203.0.113.90"}}) {
      humans.push_back(make(name, {}, {*group, "system:authenticated"}, {{"oid", random_uuid(w)}},
                            name == "bob@example.com" ? "kubectl/v1.29.2 (darwin/arm64) kubernetes/4b8e819"
                                                      : "kubectl/v1.31.1 (linux/amd64) kubernetes/948afe5",
                            std::string(ip),
                            group == &admins
                                ? "RBAC: allowed by ClusterRoleBinding \"aks-cluster-admin-binding-aad\" of "
                                  "ClusterRole \"cluster-admin\" to Group \"" +
                                      admins + "\""
                                : "RBAC: allowed by RoleBinding \"developers/app-web\" of ClusterRole "
                                  "\"edit\" to Group \"" +
                                      devs + "\""));
    }

    anonymous = make("system:anonymous", {}, {"system:unauthenticated"}, {}, "kube-probe/1.30",
                     "10.224.0." + num_str(w.between(4, 11)),
                     "RBAC: allowed by ClusterRoleBinding \"system:public-info-viewer\" of ClusterRole "
                     "\"system:public-info-viewer\" to Group \"system:unauthenticated\"");
  }

  // -- request helpers -----------------------------------------------------------------------
  static std::string path_of(const resource_def& res, std::string_view ns, std::string_view name,
                             std::string_view sub = {}) {
    std::string p = res.group.empty() ? "/api/v1" : "/apis/" + std::string(res.group) + "/" + std::string(res.version);
    if (res.namespaced && !ns.empty()) p.append("/namespaces/").append(ns);
    p.append(1, '/').append(res.name);
    if (!name.empty()) p.append(1, '/').append(name);
    if (!sub.empty()) p.append(1, '/').append(sub);
    return p;
  }

  void begin(request& r, const actor& who, std::string_view verb) {
    r.user = &who;
    r.user_agent = who.user_agent;
    r.source_ips.push_back(who.source_ip);
    r.verb = verb;
    r.authz_reason = who.rbac_reason;
  }

  void target(request& r, const resource_def& res, std::string_view ns, std::string_view name,
              std::string_view sub = {}, std::string_view query = {}) {
    r.has_ref = true;
    r.resource = res.name;
    r.api_group = res.group;
    r.api_version = res.version;
    r.ns = res.namespaced ? std::string(ns) : std::string();
    r.name = name;
    r.subresource = sub;
    r.uri = path_of(res, ns, name, sub);
    if (!query.empty()) r.uri.append(1, '?').append(query);
  }

  std::string next_rv() { return num_str(static_cast<std::int64_t>(resource_version += 1 + rng.below(7))); }

  void fail(request& r, int code, std::string_view reason, std::string message, std::string details) {
    r.failed = true;
    r.code = code;
    r.failure_reason = reason;
    r.failure_message = std::move(message);
    r.failure_details = std::move(details);
  }
  void not_found(request& r, const resource_def& res) {
    fail(r, 404, "NotFound", qualified(res) + " \"" + r.name + "\" not found",
         details_json(r.name, res.group, res.name));
  }
  void conflict(request& r, const resource_def& res) {
    fail(r, 409, "Conflict",
         "Operation cannot be fulfilled on " + qualified(res) + " \"" + r.name +
             "\": the object has been modified; please apply your changes to the latest version and try again",
         details_json(r.name, res.group, res.name));
  }
  void forbid(request& r, const resource_def& res) {
    r.forbidden = true;
    r.authz_reason.clear();
    std::string msg = qualified(res);
    if (!r.name.empty()) msg += " \"" + r.name + "\"";
    msg += " is forbidden: User \"" + r.user->username + "\" cannot " + std::string(r.verb) + " resource \"" +
           std::string(res.name) + "\" in API group \"" + std::string(res.group) + "\"";
    msg += r.ns.empty() ? std::string(" at the cluster scope") : " in the namespace \"" + r.ns + "\"";
    fail(r, 403, "Forbidden", std::move(msg), details_json(r.name, res.group, res.name));
  }
  void throttled(request& r) {
    fail(r, 429, "TooManyRequests", "Too many requests, please try again later.", "{\"retryAfterSeconds\":1}");
  }
  void server_error(request& r) {
    if (rng.chance(0.5)) {
      fail(r, 500, "", "etcdserver: request timed out", "");
    } else {
      fail(r, 504, "Timeout", "Timeout: request did not complete within requested timeout - context deadline exceeded",
           "{}");
    }
  }

  void duration(request& r, std::int64_t lo_us, std::int64_t hi_us) {
    r.completed = r.received + rng.between(lo_us, hi_us);
  }

  std::string list_query(std::string_view selector = {}) {
    std::string q;
    if (!selector.empty()) q.append(selector).append(1, '&');
    q += "limit=500&resourceVersion=0";
    return q;
  }

  std::string watch_query(std::string_view selector, std::int64_t timeout_s) {
    std::string q = "allowWatchBookmarks=true";
    if (!selector.empty()) q.append(1, '&').append(selector);
    q += "&resourceVersion=" + num_str(static_cast<std::int64_t>(resource_version - rng.below(5000)));
    q += "&timeout=" + num_str(timeout_s / 60) + "m" + num_str(timeout_s % 60) + "s";
    q += "&timeoutSeconds=" + num_str(timeout_s) + "&watch=true";
    return q;
  }

  const pod_info& random_pod() { return pods[rng.index(pods.size())]; }
  const pod_info& pod_on(std::size_t node) {
    for (std::size_t tries = 0; tries < 8; ++tries) {
      const pod_info& p = random_pod();
      if (p.node == node) return p;
    }
    return random_pod();
  }
  const configmap_info& configmap_in(std::string_view ns) {
    for (std::size_t tries = 0; tries < 16; ++tries) {
      const configmap_info& c = configmaps[rng.index(configmaps.size())];
      if (c.ns == ns) return c;
    }
    return configmaps.front();
  }
  const std::string& random_namespace() { return namespaces[rng.index(namespaces.size())]; }

  // -- scenarios ------------------------------------------------------------------------------
  // Kubelets renew their node lease every 10 s.
  void node_lease(request& r) {
    node_info& n = nodes[rng.index(nodes.size())];
    begin(r, n.kubelet, "update");
    target(r, res_leases, "kube-node-lease", n.name, {}, "timeout=10s");
    r.ref_uid = n.lease_uid;
    r.ref_rv = next_rv();
    duration(r, 1500, 9000);
    if (rng.chance(0.003)) conflict(r, res_leases);
  }

  // Leader election of control-plane components: get, then update.
  void control_plane_lease(request& r) {
    const lease_info& l = system_leases[rng.index(system_leases.size())];
    const actor& who = control_plane[l.holder];
    const bool update = rng.chance(0.6);
    begin(r, who, update ? "update" : "get");
    if (l.holder == cp_aks) {
      static constexpr std::string_view uas[] = {
          "csi-resizer/v0.0.0 (linux/amd64) kubernetes/$Format/leader-election",
          "csi-attacher/v0.0.0 (linux/amd64) kubernetes/$Format/leader-election",
          "approver/v0.0.0 (linux/amd64) kubernetes/$Format/leader-election",
          "cloud-controller-manager/v1.30.6 (linux/amd64) kubernetes/$Format/leader-election"};
      r.user_agent = rng.pick(uas);
    } else if (l.holder == cp_scheduler) {
      r.user_agent = "kube-scheduler/" + std::string(k8s_version) + " (linux/amd64) kubernetes/" +
                     std::string(k8s_commit) + "/leader-election";
    }
    target(r, res_leases, "kube-system", l.name, {}, rng.chance(0.5) ? "timeout=5s" : "");
    if (update) {
      r.ref_uid = l.uid;
      r.ref_rv = next_rv();
      duration(r, 2000, 12000);
      if (rng.chance(0.004)) conflict(r, res_leases);
    } else {
      duration(r, 300, 3000);
    }
  }

  // Kubelet traffic besides its lease.
  void kubelet_ops(request& r) {
    const std::size_t ni = rng.index(nodes.size());
    const node_info& n = nodes[ni];
    const std::uint64_t k = rng.below(100);
    if (k < 25) {  // its pods' status
      const pod_info& p = pod_on(ni);
      begin(r, n.kubelet, "patch");
      target(r, res_pods, p.ns, p.name, "status");
      duration(r, 2000, 12000);
    } else if (k < 45) {  // projected service-account tokens
      const pod_info& p = pod_on(ni);
      begin(r, n.kubelet, "create");
      target(r, res_serviceaccounts, p.ns, p.service_account, "token");
      r.code = 201;
      duration(r, 1500, 8000);
    } else if (k < 60) {
      const pod_info& p = pod_on(ni);
      begin(r, n.kubelet, "get");
      target(r, res_pods, p.ns, p.name);
      duration(r, 400, 3000);
    } else if (k < 72) {
      begin(r, n.kubelet, "get");
      target(r, res_nodes, {}, n.name, {}, rng.chance(0.5) ? "resourceVersion=0&timeout=10s" : "timeout=10s");
      duration(r, 300, 2500);
    } else if (k < 80) {
      begin(r, n.kubelet, "patch");
      target(r, res_nodes, {}, n.name, "status", "timeout=10s");
      duration(r, 3000, 15000);
    } else if (k < 92) {
      const pod_info& p = pod_on(ni);
      const bool secret = rng.chance(0.3);
      begin(r, n.kubelet, "get");
      target(r, secret ? res_secrets : res_configmaps, p.ns,
             secret ? p.service_account + "-tls" : configmap_in(p.ns).name);
      duration(r, 400, 3000);
      if (secret && rng.chance(0.05)) not_found(r, res_secrets);
    } else if (k < 97) {
      begin(r, n.kubelet, "get");
      target(r, res_csinodes, {}, n.name);
      duration(r, 400, 2500);
    } else {  // graceful termination finished: the kubelet deletes the pod object
      const pod_info& p = pod_on(ni);
      begin(r, n.kubelet, "delete");
      target(r, res_pods, p.ns, p.name);
      duration(r, 3000, 20000);
      if (rng.chance(0.3)) not_found(r, res_pods);
    }
  }

  // kube-controller-manager's controllers reconciling.
  void controller_ops(request& r) {
    const std::uint64_t k = rng.below(1000);
    auto ctl = [&](std::string_view name) -> const actor& {
      for (const actor& a : controllers)
        if (a.username.size() > name.size() &&
            a.username.compare(a.username.size() - name.size(), name.size(), name) == 0)
          return a;
      return controllers.front();
    };
    const pod_info& p = random_pod();
    if (k < 180) {
      begin(r, ctl("endpointslice-controller"), "update");
      target(r, res_endpointslices, p.ns, p.app + "-" + random_k8s_suffix(rng, 5));
      r.ref_uid = random_uuid(rng);
      r.ref_rv = next_rv();
      duration(r, 2000, 12000);
      if (rng.chance(0.02)) conflict(r, res_endpointslices);
    } else if (k < 300) {
      begin(r, ctl("endpoint-controller"), "update");
      target(r, res_endpoints, p.ns, p.app);
      r.ref_uid = random_uuid(rng);
      r.ref_rv = next_rv();
      duration(r, 2000, 12000);
    } else if (k < 420) {
      begin(r, ctl("replicaset-controller"), "update");
      target(r, res_replicasets, p.ns, p.app + "-" + p.rs_hash, "status");
      r.ref_uid = p.rs_uid;
      r.ref_rv = next_rv();
      duration(r, 2000, 10000);
    } else if (k < 520) {
      begin(r, ctl("deployment-controller"), "update");
      target(r, res_deployments, p.ns, p.app, "status");
      r.ref_uid = random_uuid(rng);
      r.ref_rv = next_rv();
      duration(r, 2000, 10000);
      if (rng.chance(0.03)) conflict(r, res_deployments);
    } else if (k < 700) {  // events from all controllers
      static constexpr std::string_view who[] = {"replicaset-controller", "deployment-controller", "job-controller",
                                                 "node-controller", "horizontal-pod-autoscaler"};
      begin(r, ctl(rng.pick(who)), "create");
      target(r, res_events, p.ns, {});
      r.code = 201;
      duration(r, 1500, 6000);
    } else if (k < 780) {
      begin(r, ctl("horizontal-pod-autoscaler"), "get");
      target(r, res_hpas, p.ns, p.app);
      duration(r, 300, 2000);
      if (rng.chance(0.5)) not_found(r, res_hpas);
    } else if (k < 850) {
      begin(r, ctl("generic-garbage-collector"), "get");
      target(r, res_replicasets, p.ns, p.app + "-" + random_k8s_suffix(rng, 10));
      duration(r, 300, 2000);
      if (rng.chance(0.4)) not_found(r, res_replicasets);
    } else if (k < 900) {
      begin(r, ctl("job-controller"), "update");
      target(r, res_jobs, "app-batch", "nightly-report-" + num_str(rng.between(28930000, 28939999)), "status");
      r.ref_uid = random_uuid(rng);
      r.ref_rv = next_rv();
      duration(r, 2000, 9000);
    } else if (k < 930) {
      begin(r, ctl("resourcequota-controller"), "list");
      target(r, res_pvcs, random_namespace(), {}, {}, "limit=500&resourceVersion=0");
      duration(r, 1000, 8000);
    } else if (k < 960) {
      begin(r, ctl("node-controller"), "patch");
      target(r, res_nodes, {}, nodes[rng.index(nodes.size())].name);
      duration(r, 3000, 12000);
    } else {  // deletes: garbage collection, finished jobs, old events
      const std::uint64_t d = rng.below(3);
      if (d == 0) {
        begin(r, ctl("generic-garbage-collector"), "delete");
        target(r, res_pods, "app-batch",
               "nightly-report-" + num_str(rng.between(28930000, 28939999)) + "-" + random_k8s_suffix(rng, 5));
      } else if (d == 1) {
        begin(r, ctl("ttl-after-finished-controller"), "delete");
        target(r, res_jobs, "app-batch", "nightly-report-" + num_str(rng.between(28930000, 28939999)));
      } else {
        begin(r, ctl("job-controller"), "delete");
        target(r, res_pods, "app-batch", "batch-runner-" + random_k8s_suffix(rng, 5));
      }
      duration(r, 3000, 25000);
      if (rng.chance(0.1)) not_found(r, r.resource == "jobs" ? res_jobs : res_pods);
    }
  }

  // Workloads reading their configuration.
  void workload_get(request& r) {
    const std::size_t wi = rng.index(workloads.size());
    const actor& who = workloads[wi];
    const pod_info& own = pods[workload_pod[wi]];
    const std::uint64_t k = rng.below(100);
    begin(r, who, "get");
    if (k < 40) {
      const bool missing = rng.chance(0.04);
      target(r, res_configmaps, own.ns, missing ? own.app + "-overrides" : configmap_in(own.ns).name);
      if (missing) not_found(r, res_configmaps);
    } else if (k < 60) {
      target(r, res_secrets, own.ns, own.app + (rng.chance(0.5) ? "-tls" : "-credentials"));
      if (rng.chance(0.03)) not_found(r, res_secrets);
    } else if (k < 75) {
      target(r, res_services, own.ns, own.app);
    } else if (k < 85) {
      target(r, res_endpoints, own.ns, own.app);
    } else if (k < 95) {
      target(r, res_leases, own.ns, own.app + "-leader", {}, "timeout=5s");
    } else {
      target(r, res_namespaces, {}, own.ns);
    }
    duration(r, 300, 4000);
    if (!r.failed && rng.chance(0.001)) throttled(r);
  }

  void list_ops(request& r) {
    const std::uint64_t k = rng.below(100);
    if (k < 35) {
      const std::size_t wi = rng.index(workloads.size());
      begin(r, workloads[wi], "list");
      static const resource_def* kinds[] = {&res_pods,  &res_services,   &res_endpointslices, &res_configmaps,
                                            &res_nodes, &res_namespaces, &res_ingresses,      &res_deployments};
      const resource_def& res = *rng.pick(kinds);
      target(r, res, res.namespaced && rng.chance(0.5) ? pods[workload_pod[wi]].ns : "", {}, {}, list_query());
      duration(r, 2000, res.namespaced && r.ns.empty() ? 250000 : 40000);
    } else if (k < 60) {
      const node_info& n = nodes[rng.index(nodes.size())];
      begin(r, n.kubelet, "list");
      target(r, res_pods, {}, {}, {}, list_query("fieldSelector=spec.nodeName%3D" + n.name));
      duration(r, 2000, 30000);
    } else if (k < 85) {
      begin(r, controllers[rng.index(controllers.size())], "list");
      static const resource_def* kinds[] = {&res_pods,       &res_replicasets,  &res_deployments,   &res_jobs,
                                            &res_daemonsets, &res_statefulsets, &res_endpointslices};
      target(r, *rng.pick(kinds), {}, {}, {}, list_query());
      duration(r, 3000, 400000);
    } else {
      begin(r, control_plane[cp_aks], "list");
      static const resource_def* kinds[] = {&res_nodes, &res_namespaces, &res_crds, &res_clusterroles};
      target(r, *rng.pick(kinds), {}, {}, {}, "limit=500");
      duration(r, 2000, 60000);
    }
    if (rng.chance(0.0008)) server_error(r);
  }

  void watch_ops(request& r) {
    const std::int64_t timeout = rng.between(300, 599);
    const std::uint64_t k = rng.below(100);
    if (k < 40) {
      const std::size_t wi = rng.index(workloads.size());
      begin(r, workloads[wi], "watch");
      static const resource_def* kinds[] = {&res_pods,       &res_services, &res_endpointslices, &res_configmaps,
                                            &res_namespaces, &res_nodes,    &res_secrets};
      const resource_def& res = *rng.pick(kinds);
      target(r, res, res.namespaced && rng.chance(0.4) ? pods[workload_pod[wi]].ns : "", {}, {},
             watch_query({}, timeout));
    } else if (k < 70) {
      const node_info& n = nodes[rng.index(nodes.size())];
      const pod_info& p = pod_on(static_cast<std::size_t>(&n - nodes.data()));
      begin(r, n.kubelet, "watch");
      if (rng.chance(0.5)) {
        target(r, res_configmaps, p.ns, {}, {},
               watch_query("fieldSelector=metadata.name%3D" + configmap_in(p.ns).name, timeout));
      } else {
        target(r, res_pods, {}, {}, {}, watch_query("fieldSelector=spec.nodeName%3D" + n.name, timeout));
      }
    } else {
      begin(r, controllers[rng.index(controllers.size())], "watch");
      static const resource_def* kinds[] = {&res_pods,       &res_replicasets, &res_deployments,   &res_jobs,
                                            &res_daemonsets, &res_leases,      &res_endpointslices};
      target(r, *rng.pick(kinds), {}, {}, {}, watch_query({}, timeout));
    }
    r.long_running = true;
    r.started = r.received + rng.between(200, 3000);
    r.completed = r.received + timeout * 1000000 + rng.between(0, 50000);
  }

  void review_ops(request& r) {
    const std::uint64_t k = rng.below(100);
    if (k < 50) {
      begin(r, workloads[rng.index(4)], "create");  // kube-system agents validate tokens
      target(r, res_tokenreviews, {}, {});
    } else if (k < 80) {
      begin(r, workloads[rng.index(4)], "create");
      target(r, res_sars, {}, {});
    } else {
      begin(r, control_plane[cp_aks], "create");
      target(r, res_sars, {}, {});
    }
    r.code = 201;
    duration(r, 500, 5000);
  }

  void non_resource(request& r) {
    static constexpr std::string_view paths[] = {
        "/readyz", "/livez", "/healthz", "/version", "/api", "/apis", "/openapi/v2?timeout=32s", "/readyz?verbose"};
    const std::uint64_t k = rng.below(100);
    if (k < 50) {
      begin(r, anonymous, "get");
    } else if (k < 80) {
      begin(r, control_plane[cp_aks], "get");
    } else {
      begin(r, workloads[rng.index(workloads.size())], "get");
    }
    r.uri = rng.pick(paths);
    duration(r, 100, 2000);
  }

  void scheduler_ops(request& r) {
    const pod_info& p = random_pod();
    begin(r, control_plane[cp_scheduler], "create");
    target(r, res_pods, p.ns, p.name, "binding");
    r.code = 201;
    duration(r, 2000, 10000);
    if (rng.chance(0.01)) {
      fail(r, 409, "Conflict",
           "Operation cannot be fulfilled on pods/binding \"" + p.name + "\": pod " + p.name +
               " is already assigned to node \"" + nodes[p.node].name + "\"",
           details_json(p.name, "", "pods/binding"));
    }
  }

  void aks_service_ops(request& r) {
    const actor& aks = control_plane[cp_aks];
    const std::uint64_t k = rng.below(100);
    if (k < 40) {
      begin(r, aks, "get");
      target(r, res_configmaps, "kube-system", configmap_in("kube-system").name);
    } else if (k < 60) {
      begin(r, aks, "get");
      target(r, res_deployments, "kube-system",
             rng.pick(std::array<std::string_view, 3>{"coredns", "metrics-server", "konnectivity-agent"}));
    } else if (k < 80) {
      begin(r, aks, "patch");
      target(r, res_nodes, {}, nodes[rng.index(nodes.size())].name, {}, "fieldManager=kubectl-label");
    } else {
      begin(r, aks, "update");
      target(r, res_configmaps, "kube-system", "cluster-autoscaler-status");
      r.ref_uid = configmap_in("kube-system").uid;
      r.ref_rv = next_rv();
    }
    duration(r, 500, 9000);
  }

  // A handful of people running kubectl; most of the 4xx noise comes from here.
  void human_ops(request& r) {
    const bool use_master = rng.chance(0.3);
    const actor& who = use_master ? control_plane[cp_masterclient] : humans[rng.index(humans.size())];
    const bool developer = !use_master && who.rbac_reason.find("RoleBinding \"developers") != std::string::npos;
    const std::uint64_t k = rng.below(1000);
    const pod_info& p = random_pod();
    if (k < 250) {
      begin(r, who, "get");
      target(r, res_pods, p.ns,
             rng.chance(0.1) ? p.app + "-" + random_k8s_suffix(rng, 10) + "-" + random_k8s_suffix(rng, 5) : p.name);
      duration(r, 400, 4000);
      if (r.name != p.name) not_found(r, res_pods);
    } else if (k < 450) {
      begin(r, who, "list");
      target(r, rng.chance(0.7) ? res_pods : res_deployments, p.ns, {}, {}, "limit=500");
      duration(r, 2000, 30000);
    } else if (k < 560) {
      begin(r, who, "get");
      target(r, res_pods, p.ns, p.name, "log",
             "container=" + p.app + "&tailLines=" + num_str(rng.pick(std::array<std::int64_t, 3>{10, 100, 500})));
      duration(r, 5000, 80000);
    } else if (k < 610) {
      begin(r, who, "create");
      target(r, res_pods, p.ns, p.name, "exec",
             "command=%2Fbin%2Fsh&command=-c&command=ls+-la+%2Ftmp&container=" + p.app + "&stderr=true&stdout=true");
      r.long_running = true;
      r.started_code = 101;
      r.code = 101;
      r.started = r.received + rng.between(20000, 120000);
      r.completed = r.started + rng.between(500000, 60000000);
    } else if (k < 680) {
      begin(r, who, "patch");
      target(r, res_deployments, p.ns, p.app, {}, "fieldManager=kubectl-client-side-apply&fieldValidation=Strict");
      duration(r, 4000, 20000);
    } else if (k < 730) {
      begin(r, who, "update");
      target(r, res_deployments, p.ns, p.app, "scale");
      r.ref_uid = random_uuid(rng);
      r.ref_rv = next_rv();
      duration(r, 3000, 15000);
      if (rng.chance(0.05)) conflict(r, res_deployments);
    } else if (k < 790) {
      begin(r, who, "create");
      target(r, res_configmaps, p.ns, {}, {}, "fieldManager=kubectl-create&fieldValidation=Strict");
      r.code = 201;
      duration(r, 3000, 15000);
      if (rng.chance(0.25)) {
        r.name = p.app + "-config";
        fail(r, 409, "AlreadyExists", "configmaps \"" + r.name + "\" already exists",
             details_json(r.name, "", "configmaps"));
      }
    } else if (k < 830) {
      begin(r, who, "create");
      target(r, res_deployments, p.ns, {}, {}, "fieldManager=kubectl-client-side-apply&fieldValidation=Strict");
      r.code = 201;
      duration(r, 4000, 25000);
      if (rng.chance(0.5)) {
        r.name = p.app;
        fail(r, 422, "Invalid",
             "Deployment.apps \"" + p.app + "\" is invalid: spec.template.spec.containers[0].image: Required value",
             "{\"name\":\"" + p.app +
                 "\",\"group\":\"apps\",\"kind\":\"Deployment\",\"causes\":[{\"reason\":"
                 "\"FieldValueRequired\",\"message\":\"Required "
                 "value\",\"field\":\"spec.template.spec.containers[0].image\"}]}");
      }
    } else if (k < 900) {  // a developer poking at kube-system secrets
      begin(r, who, "get");
      target(r, res_secrets, "kube-system",
             rng.pick(
                 std::array<std::string_view, 3>{"azure-cloud-provider", "bootstrap-token-a1b2c3", "db-credentials"}));
      duration(r, 300, 2000);
      if (developer) forbid(r, res_secrets);
    } else if (k < 930) {
      begin(r, who, "list");
      target(r, res_secrets, "kube-system", {}, {}, "limit=500");
      duration(r, 1000, 6000);
      if (developer) forbid(r, res_secrets);
    } else if (k < 960) {
      begin(r, who, "delete");
      target(r, res_pods, p.ns, p.name);
      duration(r, 5000, 40000);
    } else {  // impersonation: kubectl --as
      begin(r, control_plane[cp_masterclient], "get");
      const std::size_t wi = 8 + rng.index(3);
      r.impersonated = &workloads[wi];
      target(r, res_secrets, workloads[wi].sa_namespace, pods[workload_pod[wi]].app + "-credentials");
      duration(r, 400, 3000);
      if (rng.chance(0.5)) {
        r.user = &workloads[wi];  // authorization happens as the impersonated user
        forbid(r, res_secrets);
        r.user = &control_plane[cp_masterclient];
      }
    }
  }

  // -- request/response bodies -----------------------------------------------------------------
  static std::uint64_t hash_of(std::string_view s) {
    std::uint64_t h = 0xcbf29ce484222325ULL;  // FNV-1a
    for (const char c : s) h = (h ^ static_cast<unsigned char>(c)) * 0x100000001b3ULL;
    return h;
  }

  static std::string dashboard_json(prng& local) {
    static constexpr std::string_view metrics[] = {
        "container_cpu_usage_seconds_total", "container_memory_working_set_bytes", "apiserver_request_total",
        "kube_pod_container_status_restarts_total", "node_network_receive_bytes_total"};
    static constexpr std::string_view spaces[] = {"app-web", "app-payments", "app-batch", "monitoring", "kube-system"};
    std::string s;
    json_writer w(s);
    w.begin_object()
        .field("title", "Cluster overview")
        .field("uid", random_k8s_suffix(local, 9))
        .field("schemaVersion", 39);
    w.key("panels").begin_array();
    const std::int64_t panels = local.between(40, 110);
    for (std::int64_t i = 0; i < panels; ++i) {
      const std::string_view metric = local.pick(metrics);
      const std::string_view ns = local.pick(spaces);
      w.begin_object().field("id", i + 1).field("type", i % 7 == 0 ? "stat" : "timeseries");
      w.field("title", std::string(metric) + " in " + std::string(ns));
      w.key("datasource").begin_object().field("type", "prometheus").field("uid", "prometheus").end_object();
      w.key("targets").begin_array().begin_object();
      w.field("expr", "sum(rate(" + std::string(metric) + "{namespace=\"" + std::string(ns) + "\"}[5m])) by (pod)");
      w.field("legendFormat", "{{pod}}").field("refId", "A").end_object().end_array();
      w.key("gridPos")
          .begin_object()
          .field("h", 8)
          .field("w", 12)
          .field("x", (i % 2) * 12)
          .field("y", (i / 2) * 8)
          .end_object();
      w.end_object();
    }
    w.end_array().end_object();
    return s;
  }

  std::string pod_json(const pod_info& p, std::string_view name, std::string_view uid, std::string_view rv,
                       std::int64_t created_us, bool for_create_request, std::string_view phase) {
    std::string s;
    json_writer w(s);
    w.begin_object().field("kind", "Pod").field("apiVersion", "v1");
    w.key("metadata").begin_object().field_opt("name", name).field("generateName", p.app + "-" + p.rs_hash + "-");
    w.field("namespace", p.ns).field_opt("uid", uid).field_opt("resourceVersion", rv);
    if (for_create_request) {
      w.key("creationTimestamp").null();
    } else {
      w.time_field("creationTimestamp", created_us, 0);
    }
    w.key("labels").begin_object().field("app", p.app).field("pod-template-hash", p.rs_hash).end_object();
    w.key("ownerReferences").begin_array().begin_object().field("apiVersion", "apps/v1").field("kind", "ReplicaSet");
    w.field("name", p.app + "-" + p.rs_hash)
        .field("uid", p.rs_uid)
        .field("controller", true)
        .field("blockOwnerDeletion", true);
    w.end_object().end_array();
    if (!for_create_request) {
      w.key("managedFields").begin_array();
      managed_field(w, "kube-controller-manager", "Update", "v1", created_us, fields_pod_controller(p));
      if (phase == "Running")
        managed_field(w, "kubelet", "Update", "v1", created_us + 4000000, fields_pod_status(p), "status");
      w.end_array();
    }
    w.end_object();
    prng local(hash_of(p.uid));  // the same pod renders the same volume and image IDs every time
    const std::string vol = "kube-api-access-" + random_k8s_suffix(local, 5);
    w.key("spec").begin_object();
    w.key("volumes")
        .begin_array()
        .begin_object()
        .field("name", vol)
        .key("projected")
        .begin_object()
        .key("sources")
        .begin_array();
    w.begin_object()
        .key("serviceAccountToken")
        .begin_object()
        .field("expirationSeconds", 3607)
        .field("path", "token")
        .end_object()
        .end_object();
    w.begin_object().key("configMap").begin_object().field("name", "kube-root-ca.crt").key("items").begin_array();
    w.begin_object().field("key", "ca.crt").field("path", "ca.crt").end_object().end_array().end_object().end_object();
    w.begin_object()
        .key("downwardAPI")
        .begin_object()
        .key("items")
        .begin_array()
        .begin_object()
        .field("path", "namespace");
    w.key("fieldRef").begin_object().field("apiVersion", "v1").field("fieldPath", "metadata.namespace").end_object();
    w.end_object().end_array().end_object().end_object();
    w.end_array().field("defaultMode", 420).end_object().end_object().end_array();
    w.key("containers").begin_array().begin_object().field("name", p.app).field("image", p.image);
    w.key("ports")
        .begin_array()
        .begin_object()
        .field("containerPort", p.port)
        .field("protocol", "TCP")
        .end_object()
        .end_array();
    w.key("resources").begin_object();
    w.key("limits").begin_object().field("cpu", "500m").field("memory", "256Mi").end_object();
    w.key("requests").begin_object().field("cpu", "100m").field("memory", "128Mi").end_object().end_object();
    w.key("volumeMounts").begin_array().begin_object().field("name", vol).field("readOnly", true);
    w.field("mountPath", "/var/run/secrets/kubernetes.io/serviceaccount").end_object().end_array();
    w.field("terminationMessagePath", "/dev/termination-log").field("terminationMessagePolicy", "File");
    w.field("imagePullPolicy", "IfNotPresent").end_object().end_array();
    w.field("restartPolicy", "Always").field("terminationGracePeriodSeconds", 30).field("dnsPolicy", "ClusterFirst");
    w.field("serviceAccountName", p.service_account).field("serviceAccount", p.service_account);
    if (phase == "Running") w.field("nodeName", nodes[p.node].name);
    w.key("securityContext").empty_object().field("schedulerName", "default-scheduler");
    w.key("tolerations").begin_array();
    for (std::string_view t : {"node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"}) {
      w.begin_object().field("key", t).field("operator", "Exists").field("effect", "NoExecute");
      w.field("tolerationSeconds", 300).end_object();
    }
    w.end_array()
        .field("priority", 0)
        .field("enableServiceLinks", true)
        .field("preemptionPolicy", "PreemptLowerPriority");
    w.end_object();
    w.key("status").begin_object();
    if (phase == "Running") {
      w.field("phase", "Running").key("conditions").begin_array();
      for (std::string_view t :
           {"PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled"}) {
        w.begin_object().field("type", t).field("status", "True").key("lastProbeTime").null();
        w.time_field("lastTransitionTime", created_us + 3000000, 0).end_object();
      }
      w.end_array();
      w.field("hostIP", nodes[p.node].ip)
          .key("hostIPs")
          .begin_array()
          .begin_object()
          .field("ip", nodes[p.node].ip)
          .end_object()
          .end_array();
      w.field("podIP", p.ip).key("podIPs").begin_array().begin_object().field("ip", p.ip).end_object().end_array();
      w.time_field("startTime", created_us + 1000000, 0);
      w.key("containerStatuses").begin_array().begin_object().field("name", p.app);
      w.key("state")
          .begin_object()
          .key("running")
          .begin_object()
          .time_field("startedAt", created_us + 2000000, 0)
          .end_object()
          .end_object();
      w.key("lastState").empty_object().field("ready", true).field("restartCount", 0).field("image", p.image);
      w.field("imageID", p.image.substr(0, p.image.find(':')) + "@sha256:" + random_hex(local, 64));
      w.field("containerID", "containerd://" + random_hex(local, 64)).field("started", true).end_object().end_array();
      w.field("qosClass", "Burstable");
    } else if (!for_create_request) {
      w.field("phase", "Pending").field("qosClass", "Burstable");
    }
    w.end_object().end_object();
    return s;
  }

  // `content_seed` fixes the data, so a request and its response carry the same ConfigMap.
  std::string configmap_json(const configmap_info& c, std::string_view rv, std::int64_t created_us, bool non_ascii,
                             std::uint64_t content_seed) {
    prng local(content_seed);
    const std::string settings = "log.level=info\ncache.size=" + num_str(local.between(64, 1024)) +
                                 "\nfeature.checkout=" + (local.chance(0.5) ? "true" : "false") + "\n";
    const std::string greeting = non_ascii ? "héllo 日本" : "hello";
    // Grafana dashboards make the occasional very large event (tens of KB, JSON inside strings).
    const std::string dashboard = c.name == "grafana-dashboards" ? dashboard_json(local) : std::string();
    // kubectl apply keeps the applied object as JSON inside an annotation (sorted keys, as Go marshals maps).
    std::string applied;
    {
      json_writer a(applied);
      a.begin_object().field("apiVersion", "v1").key("data").begin_object();
      if (!dashboard.empty()) a.field("cluster-overview.json", dashboard);
      a.field("greeting", greeting);
      a.field("settings.properties", settings).end_object().field("kind", "ConfigMap");
      a.key("metadata").begin_object().key("annotations").empty_object().key("labels").begin_object();
      a.field("app.kubernetes.io/part-of", c.ns)
          .end_object()
          .field("name", c.name)
          .field("namespace", c.ns)
          .end_object();
      a.end_object();
      applied += '\n';
    }
    std::string s;
    json_writer w(s);
    w.begin_object().field("kind", "ConfigMap").field("apiVersion", "v1");
    w.key("metadata").begin_object().field("name", c.name).field("namespace", c.ns).field("uid", c.uid);
    w.field("resourceVersion", rv).time_field("creationTimestamp", created_us, 0);
    w.key("labels").begin_object().field("app.kubernetes.io/part-of", c.ns).end_object();
    w.key("annotations").begin_object().field("kubectl.kubernetes.io/last-applied-configuration", applied).end_object();
    w.key("managedFields").begin_array();
    std::string fv;
    {
      json_writer f(fv);
      f.begin_object().key("f:data").begin_object().key(".").empty_object();
      if (!dashboard.empty()) f.key("f:cluster-overview.json").empty_object();
      f.key("f:greeting").empty_object();
      f.key("f:settings.properties").empty_object().end_object();
      f.key("f:metadata").begin_object().key("f:annotations").begin_object().key(".").empty_object();
      f.key("f:kubectl.kubernetes.io/last-applied-configuration").empty_object().end_object();
      f.key("f:labels").begin_object().key(".").empty_object().key("f:app.kubernetes.io/part-of").empty_object();
      f.end_object().end_object().end_object();
    }
    managed_field(w, "kubectl-client-side-apply", "Update", "v1", created_us, fv);
    w.end_array().end_object();
    w.key("data").begin_object();
    if (!dashboard.empty()) w.field("cluster-overview.json", dashboard);
    w.field("greeting", greeting).field("settings.properties", settings).end_object();
    w.end_object();
    return s;
  }

  std::string lease_json(const node_info& n, std::string_view rv, std::int64_t renew_us) {
    std::string s;
    json_writer w(s);
    w.begin_object().field("kind", "Lease").field("apiVersion", "coordination.k8s.io/v1");
    w.key("metadata")
        .begin_object()
        .field("name", n.name)
        .field("namespace", "kube-node-lease")
        .field("uid", n.lease_uid);
    w.field("resourceVersion", rv).time_field("creationTimestamp", opts.start_unix_micros - 86400LL * 1000000 * 12, 0);
    w.key("ownerReferences").begin_array().begin_object().field("apiVersion", "v1").field("kind", "Node");
    w.field("name", n.name).field("uid", n.uid).end_object().end_array();
    w.key("managedFields").begin_array();
    std::string fv;
    {
      json_writer f(fv);
      f.begin_object().key("f:metadata").begin_object().key("f:ownerReferences").begin_object().key(".").empty_object();
      f.key("k:{\"uid\":\"" + n.uid + "\"}").empty_object().end_object().end_object();
      f.key("f:spec")
          .begin_object()
          .key("f:holderIdentity")
          .empty_object()
          .key("f:leaseDurationSeconds")
          .empty_object();
      f.key("f:renewTime").empty_object().end_object().end_object();
    }
    managed_field(w, "kubelet", "Update", "coordination.k8s.io/v1", renew_us - 10000000, fv);
    w.end_array().end_object();
    w.key("spec").begin_object().field("holderIdentity", n.name).field("leaseDurationSeconds", 40);
    w.time_field("renewTime", renew_us, 6).end_object().end_object();
    return s;
  }

  void body_request(request& r) {
    const std::uint64_t k = rng.below(100);
    const std::int64_t long_ago = opts.start_unix_micros - rng.between(3600, 86400LL * 30) * 1000000;
    if (k < 30) {  // the ReplicaSet controller creates a pod
      const pod_info& p = random_pod();
      const actor& who = controllers.front();  // replicaset-controller
      begin(r, who, "create");
      target(r, res_pods, p.ns, {});
      r.code = 201;
      duration(r, 4000, 40000);
      r.level = rng.chance(0.4) ? "Request" : "RequestResponse";
      r.request_object = pod_json(p, {}, {}, {}, 0, true, "");
      if (r.level == "RequestResponse") {
        const std::string name = p.app + "-" + p.rs_hash + "-" + random_k8s_suffix(rng, 5);
        r.response_object = pod_json(p, name, random_uuid(rng), next_rv(), r.received, false, "Pending");
      }
      r.annotations.emplace_back("pod-security.kubernetes.io/enforce-policy",
                                 p.ns == "kube-system" ? "privileged:latest" : "baseline:latest");
      if (p.ns.rfind("app-", 0) == 0) {
        r.annotations.emplace_back("mutation.webhook.admission.k8s.io/round_0_index_0",
                                   "{\"configuration\":\"gatekeeper-mutating-webhook-configuration\",\"webhook\":"
                                   "\"mutation.gatekeeper.sh\",\"mutated\":false}");
      }
    } else if (k < 55) {  // someone updates a ConfigMap (sometimes with non-ASCII data)
      const actor& who = rng.chance(0.5) ? humans[rng.index(humans.size())] : control_plane[cp_masterclient];
      const configmap_info& c = configmaps[rng.index(configmaps.size())];
      begin(r, who, "update");
      target(r, res_configmaps, c.ns, c.name, {}, "fieldManager=kubectl-client-side-apply&fieldValidation=Strict");
      const std::string old_rv = next_rv();
      r.ref_uid = c.uid;
      r.ref_rv = old_rv;
      duration(r, 3000, 15000);
      const bool non_ascii = c.name == "greetings" || rng.chance(0.2);
      r.level = rng.chance(0.3) ? "Request" : "RequestResponse";
      const std::uint64_t content = rng.next();
      r.request_object = configmap_json(c, old_rv, long_ago, non_ascii, content);
      if (r.level == "RequestResponse") r.response_object = configmap_json(c, next_rv(), long_ago, non_ascii, content);
    } else if (k < 75) {  // a workload reads a ConfigMap, logged with its response
      const std::size_t wi = rng.index(workloads.size());
      const configmap_info& c = configmap_in(pods[workload_pod[wi]].ns);
      begin(r, workloads[wi], "get");
      target(r, res_configmaps, c.ns, c.name);
      duration(r, 400, 4000);
      r.level = "RequestResponse";
      r.response_object = configmap_json(c, next_rv(), long_ago, c.name == "greetings", rng.next());
    } else if (k < 90) {  // a node lease renewal logged with bodies
      node_info& n = nodes[rng.index(nodes.size())];
      begin(r, n.kubelet, "update");
      target(r, res_leases, "kube-node-lease", n.name, {}, "timeout=10s");
      const std::string old_rv = next_rv();
      r.ref_uid = n.lease_uid;
      r.ref_rv = old_rv;
      duration(r, 1500, 9000);
      r.level = rng.chance(0.5) ? "Request" : "RequestResponse";
      r.request_object = lease_json(n, old_rv, r.received);
      if (r.level == "RequestResponse") r.response_object = lease_json(n, next_rv(), r.received);
    } else {  // the kubelet patches a pod's status
      const pod_info& p = random_pod();
      begin(r, nodes[p.node].kubelet, "patch");
      target(r, res_pods, p.ns, p.name, "status");
      duration(r, 2000, 12000);
      r.level = "RequestResponse";
      std::string patch;
      json_writer w(patch);
      w.begin_object().key("metadata").begin_object().field("uid", p.uid).end_object().key("status").begin_object();
      w.key("$setElementOrder/conditions").begin_array();
      for (std::string_view t :
           {"PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled"})
        w.begin_object().field("type", t).end_object();
      w.end_array()
          .key("conditions")
          .begin_array()
          .begin_object()
          .time_field("lastTransitionTime", r.received - 1000000, 0);
      w.field("status", "True").field("type", "Ready").end_object().end_array().end_object().end_object();
      r.request_object = std::move(patch);
      r.response_object = pod_json(p, p.name, p.uid, next_rv(), long_ago, false, "Running");
    }
  }

  // -- rendering -------------------------------------------------------------------------------
  void render(std::string& o, const request& r, stage_kind st, std::int64_t stage_us) const {
    o.clear();
    o += R"({"kind":"Event","apiVersion":"audit.k8s.io/v1","level":")";
    o += r.level;
    o += R"(","auditID":")";
    o += r.audit_id;
    o += R"(","stage":")";
    o += stage_name(st);
    o += R"(","requestURI":)";
    append_go_json_string(o, r.uri);
    o += R"(,"verb":")";
    o += r.verb;
    o += R"(","user":)";
    o += r.user->user_json;
    if (r.impersonated != nullptr) {
      o += R"(,"impersonatedUser":)";
      o += r.impersonated->user_json;
    }
    o += R"(,"sourceIPs":[)";
    for (std::size_t i = 0; i < r.source_ips.size(); ++i) {
      if (i != 0) o += ',';
      append_go_json_string(o, r.source_ips[i]);
    }
    o += R"(],"userAgent":)";
    append_go_json_string(o, r.user_agent);
    if (r.has_ref) {
      json_writer w(o);
      o += R"(,"objectRef":)";
      w.begin_object().field("resource", r.resource).field_opt("namespace", r.ns).field_opt("name", r.name);
      if (st != stage_kind::received) w.field_opt("uid", r.ref_uid);
      w.field_opt("apiGroup", r.api_group).field("apiVersion", r.api_version);
      if (st != stage_kind::received) w.field_opt("resourceVersion", r.ref_rv);
      w.field_opt("subresource", r.subresource).end_object();
    }
    if (st != stage_kind::received) {
      o += R"(,"responseStatus":{"metadata":{})";
      if (r.failed && st == stage_kind::complete) {
        o += R"(,"status":"Failure","message":)";
        append_go_json_string(o, r.failure_message);
        if (!r.failure_reason.empty()) {
          o += R"(,"reason":")";
          o += r.failure_reason;
          o += '"';
        }
        if (!r.failure_details.empty()) {
          o += R"(,"details":)";
          o += r.failure_details;
        }
      }
      o += R"(,"code":)";
      append_int(o, st == stage_kind::started ? r.started_code : r.code);
      o += '}';
    }
    if (st == stage_kind::complete) {
      if (!r.request_object.empty()) {
        o += R"(,"requestObject":)";
        o += r.request_object;
      }
      if (!r.response_object.empty()) {
        o += R"(,"responseObject":)";
        o += r.response_object;
      }
    }
    o += R"(,"requestReceivedTimestamp":")";
    append_rfc3339(o, r.received, 6, 6);
    o += R"(","stageTimestamp":")";
    append_rfc3339(o, stage_us, 6, 6);
    o += '"';
    if (st != stage_kind::received) {
      std::vector<std::pair<std::string_view, std::string_view>> ann;
      ann.emplace_back("authorization.k8s.io/decision", r.forbidden ? "forbid" : "allow");
      ann.emplace_back("authorization.k8s.io/reason", r.authz_reason);
      for (const auto& [k, v] : r.annotations) ann.emplace_back(k, v);
      std::sort(ann.begin(), ann.end());  // Go marshals map keys sorted
      o += R"(,"annotations":{)";
      for (std::size_t i = 0; i < ann.size(); ++i) {
        if (i != 0) o += ',';
        append_go_json_string(o, ann[i].first);
        o += ':';
        append_go_json_string(o, ann[i].second);
      }
      o += '}';
    }
    o += '}';
  }

  void push(const request& r, stage_kind st, std::int64_t t) {
    pending p{t, seq++, {}, r.verb, r.level, stage_name(st), 0};
    render(p.json, r, st, t);
    if (st != stage_kind::received) p.code = st == stage_kind::started ? r.started_code : r.code;
    created_bytes += p.json.size() + 1;
    ++created_events;
    heap.push_back(std::move(p));
    std::push_heap(heap.begin(), heap.end(), later);
  }

  void generate_request() {
    request r;
    r.audit_id = random_uuid(rng);
    r.received = next_arrival;
    if (rng.chance(opts.request_body_fraction)) {
      body_request(r);
    } else {
      using scenario = void (impl::*)(request&);
      static constexpr std::pair<int, scenario> table[] = {
          {1400, &impl::node_lease},     {900, &impl::control_plane_lease}, {1300, &impl::kubelet_ops},
          {1500, &impl::controller_ops}, {1300, &impl::workload_get},       {900, &impl::list_ops},
          {800, &impl::watch_ops},       {300, &impl::review_ops},          {300, &impl::non_resource},
          {450, &impl::human_ops},       {200, &impl::scheduler_ops},       {150, &impl::aks_service_ops}};
      static constexpr int total = [] {
        int t = 0;
        for (const auto& e : table) t += e.first;
        return t;
      }();
      auto roll = static_cast<int>(rng.below(total));
      for (const auto& [weight, fn] : table) {
        if (roll < weight) {
          (this->*fn)(r);
          break;
        }
        roll -= weight;
      }
    }
    if (!r.long_running) r.started = r.completed;
    // Slow requests carry the apiserver's latency breakdown (note the non-ASCII "µs").
    const std::int64_t took = r.completed - r.received;
    if (!r.long_running && took > 200000) {
      const std::int64_t etcd = took * 7 / 10;
      auto ms = [](std::int64_t us) {
        std::string s = num_str(us / 1000) + ".";
        append_padded(s, static_cast<std::uint64_t>(us % 1000), 3);
        return s + "ms";
      };
      r.annotations.emplace_back("apiserver.latency.k8s.io/etcd", ms(etcd));
      r.annotations.emplace_back("apiserver.latency.k8s.io/response-write", num_str(rng.between(2, 900)) + "µs");
      r.annotations.emplace_back("apiserver.latency.k8s.io/serialize-response-object", ms(took - etcd - 50));
      r.annotations.emplace_back("apiserver.latency.k8s.io/total", ms(took));
    }
    push(r, stage_kind::received, r.received);
    if (r.long_running) push(r, stage_kind::started, r.started);
    push(r, stage_kind::complete, r.completed);
    next_arrival += 1 + static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(2 * mean_gap)));
  }
};

bool event_generator::impl::next(generated_event& out) {
  for (;;) {
    if (!heap.empty() && (stopped || heap.front().time <= next_arrival)) {
      std::pop_heap(heap.begin(), heap.end(), later);
      pending& p = heap.back();
      out.json.swap(p.json);
      out.stage_unix_micros = p.time;
      out.verb = p.verb;
      out.level = p.level;
      out.stage = p.stage;
      out.code = p.code;
      heap.pop_back();
      return true;
    }
    if (stopped) return false;
    if (created_bytes >= opts.target_bytes || (opts.max_events != 0 && created_events >= opts.max_events)) {
      stopped = true;
      continue;
    }
    generate_request();
  }
}

event_generator::event_generator(const generator_options& options) : impl_(std::make_unique<impl>(options)) {}
event_generator::~event_generator() = default;
event_generator::event_generator(event_generator&&) noexcept = default;
event_generator& event_generator::operator=(event_generator&&) noexcept = default;
bool event_generator::next(generated_event& out) { return impl_->next(out); }

// ---------------------------------------------------------------------------------------------
// Wire forms
// ---------------------------------------------------------------------------------------------
namespace {

class envelope_writer {
 public:
  explicit envelope_writer(const generator_options& o) : opts_(o), rng_(o.seed ^ 0x61736b656e76ULL) {
    cluster_ = "AKS-PROD-" + to_upper(random_k8s_suffix(rng_, 4));
    resource_id_ = "/SUBSCRIPTIONS/" + to_upper(random_uuid(rng_)) + "/RESOURCEGROUPS/RG-CONTOSO-PROD-WESTEUROPE" +
                   "/PROVIDERS/MICROSOFT.CONTAINERSERVICE/MANAGEDCLUSTERS/" + cluster_;
    const std::string rs = random_k8s_suffix(rng_, 10);
    for (int i = 0; i < 3; ++i)
      apiservers_.push_back({"kube-apiserver-" + rs + "-" + random_k8s_suffix(rng_, 5), random_hex(rng_, 64)});
    guard_ = {"guard-" + random_k8s_suffix(rng_, 10) + "-" + random_k8s_suffix(rng_, 5), random_hex(rng_, 64)};
  }

  /// Appends the non-audit records that precede the next audit record (possibly none).
  template <class Emit>
  void non_audit_before(std::int64_t at_us, Emit&& emit) {
    if (opts_.non_audit_fraction <= 0) return;
    const double p = std::min(opts_.non_audit_fraction, 0.9);
    while (rng_.chance(p)) {
      record_.clear();
      non_audit_record(record_, at_us);
      emit(std::string_view(record_));
    }
  }

  /// An AKS kube-audit record carrying `event_json` in properties.log.
  std::string_view audit_record(std::string_view event_json, std::int64_t stage_us) {
    record_.clear();
    log_.assign(event_json);
    log_ += '\n';
    const apiserver_pod& pod = apiservers_[rng_.index(apiservers_.size())];
    write_record(record_, "kube-audit", log_, pod, "stdout", stage_us * 1000 + rng_.between(80000, 4000000));
    return record_;
  }

 private:
  void write_record(std::string& o, std::string_view category, std::string_view log, const apiserver_pod& pod,
                    std::string_view stream, std::int64_t time_ns) {
    // Field order varies between records; these are the orders seen in real blobs.
    const std::uint64_t order = rng_.below(10) < 7 ? 0 : rng_.below(2) + 1;
    o += R"({"category":")";
    o += category;
    o += R"(","operationName":"Microsoft.ContainerService/managedClusters/diagnosticLogs/Read","properties":{)";
    auto containerid = [&] {
      o += R"("containerID":")";
      o += pod.container_id;
      o += '"';
    };
    auto logf = [&] {
      o += R"("log":)";
      append_json_string(o, log);
    };
    auto podf = [&] {
      o += R"("pod":")";
      o += pod.name;
      o += '"';
    };
    auto streamf = [&] {
      o += R"("stream":")";
      o += stream;
      o += '"';
    };
    if (order == 0) {
      containerid();
      o += ',';
      logf();
      o += ',';
      podf();
      o += ',';
      streamf();
    } else if (order == 1) {
      logf();
      o += ',';
      containerid();
      o += ',';
      streamf();
      o += ',';
      podf();
    } else {
      podf();
      o += ',';
      logf();
      o += ',';
      streamf();
      o += ',';
      containerid();
    }
    o += R"(},"resourceId":")";
    o += resource_id_;
    o += '"';
    auto timef = [&] {
      o += R"(,"time":")";
      append_rfc3339(o, time_ns, 9, 9);
      o += '"';
    };
    if (order == 0) {
      timef();
      o += R"(,"serviceBuild":"na")";
    } else {
      o += R"(,"serviceBuild":"na")";
      timef();
    }
    o += '}';
  }

  void non_audit_record(std::string& o, std::int64_t at_us) {
    const std::int64_t t = at_us - rng_.between(0, 5000);
    std::string line;
    const bool guard = rng_.chance(0.2);
    const std::uint64_t k = rng_.below(100);
    auto header = [&](char severity, std::string_view file_line) {
      line += severity;
      append_klog_time(line, t);
      line += "       1 ";
      line += file_line;
      line += "] ";
    };
    if (guard) {
      header('I', "authz.go:112");
      static constexpr std::string_view users[] = {"alice@example.com", "josé@example.com", "bob@example.com"};
      line += "authorization result for user \"";
      line += rng_.pick(users);
      line += "\": allowed=";
      line += rng_.chance(0.9) ? "true" : "false";
      line += " verb=get resource=pods namespace=app-web";
    } else if (k < 55) {
      const std::string id = num_str(rng_.between(100000000, 2147483647));
      header('I', "trace.go:236");
      line += "Trace[" + id + "]: \"List\" accept:application/json, */*,audit-id:" + random_uuid(rng_) +
              ",client:10.224.0." + num_str(rng_.between(4, 11)) +
              ",api-group:,api-version:v1,name:,subresource:,namespace:,protocol:HTTP/2.0,resource:pods,scope:cluster,"
              "url:/api/v1/pods,user-agent:Prometheus/2.54.1,verb:LIST (";
      const std::int64_t total_ms = rng_.between(500, 3000);
      append_klog_trace_start(line, t - total_ms * 1000);
      line += ") (total time: " + num_str(total_ms) + "ms):";
    } else if (k < 75) {
      header('W', "dispatcher.go:217");
      line +=
          "Failed calling webhook, failing open mutation.gatekeeper.sh: failed calling webhook "
          "\"mutation.gatekeeper.sh\": "
          "failed to call webhook: Post "
          "\"https://gatekeeper-webhook-service.gatekeeper-system.svc:443/v1/mutate?timeout=1s\": "
          "context deadline exceeded";
    } else if (k < 90) {
      header('E', "status.go:71");
      line +=
          "apiserver received an error that is not an metav1.Status: &errors.errorString{s:\"http2: stream closed\"}: "
          "http2: stream closed";
    } else {
      header('I', "controller.go:615");
      line += "quota admission added evaluator for: leases.coordination.k8s.io";
    }
    line += '\n';
    write_record(o, guard ? "guard" : "kube-apiserver", line,
                 guard ? guard_ : apiservers_[rng_.index(apiservers_.size())], "stderr",
                 t * 1000 + rng_.between(80000, 4000000));
  }

  const generator_options& opts_;
  prng rng_;
  std::string cluster_;
  std::string resource_id_;
  std::vector<apiserver_pod> apiservers_;
  apiserver_pod guard_;
  std::string record_;
  std::string log_;
};

constexpr std::string_view event_prefix = R"({"kind":"Event","apiVersion":"audit.k8s.io/v1",)";

template <class Sink>
void produce(corpus_format format, const generator_options& options, Sink&& sink) {
  event_generator gen(options);
  generated_event ev;
  switch (format) {
    case corpus_format::jsonl: {
      while (gen.next(ev)) {
        ev.json += '\n';
        sink(std::string_view(ev.json));
      }
      break;
    }
    case corpus_format::aks: {
      envelope_writer env(options);
      std::string line;
      while (gen.next(ev)) {
        env.non_audit_before(ev.stage_unix_micros, [&](std::string_view rec) {
          line.assign(rec);
          line += '\n';
          sink(std::string_view(line));
        });
        line.assign(env.audit_record(ev.json, ev.stage_unix_micros));
        line += '\n';
        sink(std::string_view(line));
      }
      break;
    }
    case corpus_format::eventhub: {
      envelope_writer env(options);
      const std::size_t per_message = std::max<std::size_t>(1, options.records_per_message);
      std::string message;
      std::size_t in_message = 0;
      auto add = [&](std::string_view rec) {
        message += in_message == 0 ? R"({"records":[)" : ",";
        message += rec;
        if (++in_message == per_message) {
          message += "]}\n";
          sink(std::string_view(message));
          message.clear();
          in_message = 0;
        }
      };
      while (gen.next(ev)) {
        env.non_audit_before(ev.stage_unix_micros, add);
        add(env.audit_record(ev.json, ev.stage_unix_micros));
      }
      if (in_message != 0) {
        message += "]}\n";
        sink(std::string_view(message));
      }
      break;
    }
    case corpus_format::eventlist: {
      const std::size_t per_list = std::max<std::size_t>(1, options.items_per_list);
      std::string list;
      std::size_t in_list = 0;
      while (gen.next(ev)) {
        list += in_list == 0 ? R"({"kind":"EventList","apiVersion":"audit.k8s.io/v1","metadata":{},"items":[)" : ",";
        // Webhook items carry no kind/apiVersion.
        list += '{';
        list.append(ev.json, event_prefix.size(), std::string::npos);
        if (++in_list == per_list) {
          list += "]}\n";
          sink(std::string_view(list));
          list.clear();
          in_list = 0;
        }
      }
      if (in_list != 0) {
        list += "]}\n";
        sink(std::string_view(list));
      }
      break;
    }
  }
}

}  // namespace

void append_corpus(std::string& out, corpus_format format, const generator_options& options) {
  produce(format, options, [&](std::string_view chunk) { out += chunk; });
}

std::string generate_corpus(corpus_format format, const generator_options& options) {
  std::string out;
  out.reserve(options.max_events == 0 ? options.target_bytes + (options.target_bytes >> 3) : 0);
  append_corpus(out, format, options);
  return out;
}

void write_corpus(std::ostream& out, corpus_format format, const generator_options& options) {
  std::string buffer;
  buffer.reserve(std::size_t{1} << 21);
  produce(format, options, [&](std::string_view chunk) {
    buffer += chunk;
    if (buffer.size() >= (std::size_t{1} << 20)) {
      out.write(buffer.data(), static_cast<std::streamsize>(buffer.size()));
      buffer.clear();
    }
  });
  out.write(buffer.data(), static_cast<std::streamsize>(buffer.size()));
  out.flush();
}

}  // namespace k8saudit::bench
