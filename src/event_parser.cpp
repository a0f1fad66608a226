// SPDX-License-Identifier: Apache-2.0
// One pass per JSON object with a switch on the key. Strings without escapes are viewed in
// place; escaped strings and string-wrapped payloads (AKS properties.log, Log Analytics
// dynamic columns) are unescaped once into the arena, padded, and parsed there.
#include "event_parser.h"

#include <simdjson.h>

#include <array>
#include <bit>
#include <charconv>
#include <cstring>
#include <initializer_list>
#include <new>
#include <system_error>
#include <utility>

#include "envelope_scan.h"
#include "json_scan.h"
#include "k8saudit/time.h"
#include "string_blocks.h"
#include "time_detail.h"

namespace k8saudit::detail {
namespace {

namespace od = simdjson::ondemand;
using simdjson::error_code;
using simdjson::SUCCESS;

// ---------------------------------------------------------------------------------------------
// Keys. Native audit keys, envelope keys and Log Analytics columns share one switch, so a record
// is read once whatever its format.
enum class key : std::uint8_t {
  unknown,
  // audit.k8s.io Event
  kind, api_version, level, audit_id, stage, request_uri, verb, user, impersonated_user,
  authentication_metadata, source_ips, user_agent, object_ref, response_status, request_object,
  response_object, request_received_timestamp, stage_timestamp, annotations, metadata, timestamp,
  // containers
  items, records,
  // AKS diagnostic record
  category, properties, operation_name, resource_id, time,
  // Log Analytics AKSAudit / AKSAuditAdmin columns
  la_audit_id, la_level, la_stage, la_request_uri, la_verb, la_user_agent, la_user, la_impersonated_user, la_object_ref,
  la_response_status, la_source_ips, la_annotations, la_request_object, la_response_object,
  la_request_received_time, la_stage_received_time, la_pod_name, la_resource_id, la_time_generated,
  la_type,
  // AzureDiagnostics rows
  ad_category, ad_log_s, ad_pod_s, ad_resource_id,
  // GKE Cloud Logging entry
  proto_payload,
};
constexpr std::size_t key_count = static_cast<std::size_t>(key::proto_payload) + 1;

// `k` equals the literal `lit`. The length is a constant, so the bytes are compared with one or
// two integer loads rather than a call to memcmp (keys are compared on every field of every event).
template <std::size_t N>
bool is(std::string_view k, const char (&lit)[N]) noexcept {
  return k.size() == N - 1 && std::memcmp(k.data(), lit, N - 1) == 0;
}

key lookup_key(std::string_view k) noexcept {
  // Length first, then a comparison or two: cheaper than hashing for ~60 short keys.
  switch (k.size()) {
    case 4:
      if (is(k, "verb")) return key::verb;
      if (is(k, "user")) return key::user;
      if (is(k, "kind")) return key::kind;
      if (is(k, "time")) return key::time;
      if (is(k, "Verb")) return key::la_verb;
      if (is(k, "User")) return key::la_user;
      if (is(k, "Type")) return key::la_type;
      break;
    case 5:
      if (is(k, "stage")) return key::stage;
      if (is(k, "level")) return key::level;
      if (is(k, "items")) return key::items;
      if (is(k, "Stage")) return key::la_stage;
      if (is(k, "Level")) return key::la_level;
      if (is(k, "log_s")) return key::ad_log_s;
      if (is(k, "pod_s")) return key::ad_pod_s;
      break;
    case 7:
      if (is(k, "auditID")) return key::audit_id;
      if (is(k, "records")) return key::records;
      if (is(k, "AuditId")) return key::la_audit_id;
      if (is(k, "PodName")) return key::la_pod_name;
      break;
    case 8:
      if (is(k, "metadata")) return key::metadata;
      if (is(k, "category")) return key::category;
      if (is(k, "Category")) return key::ad_category;
      break;
    case 9:
      if (is(k, "sourceIPs")) return key::source_ips;
      if (is(k, "userAgent")) return key::user_agent;
      if (is(k, "objectRef")) return key::object_ref;
      if (is(k, "timestamp")) return key::timestamp;
      if (is(k, "UserAgent")) return key::la_user_agent;
      if (is(k, "ObjectRef")) return key::la_object_ref;
      if (is(k, "SourceIps")) return key::la_source_ips;
      break;
    case 10:
      if (is(k, "apiVersion")) return key::api_version;
      if (is(k, "requestURI")) return key::request_uri;
      if (is(k, "properties")) return key::properties;
      if (is(k, "resourceId")) return key::resource_id;
      if (is(k, "RequestUri")) return key::la_request_uri;
      if (is(k, "ResourceId")) return key::ad_resource_id;
      break;
    case 11:
      if (is(k, "annotations")) return key::annotations;
      if (is(k, "Annotations")) return key::la_annotations;
      if (is(k, "_ResourceId")) return key::la_resource_id;
      break;
    case 12:
      if (is(k, "protoPayload")) return key::proto_payload;
      break;
    case 13:
      if (is(k, "requestObject")) return key::request_object;
      if (is(k, "operationName")) return key::operation_name;
      if (is(k, "RequestObject")) return key::la_request_object;
      if (is(k, "TimeGenerated")) return key::la_time_generated;
      break;
    case 14:
      if (is(k, "responseStatus")) return key::response_status;
      if (is(k, "responseObject")) return key::response_object;
      if (is(k, "stageTimestamp")) return key::stage_timestamp;
      if (is(k, "ResponseStatus")) return key::la_response_status;
      if (is(k, "ResponseObject")) return key::la_response_object;
      break;
    case 16:
      if (is(k, "impersonatedUser")) return key::impersonated_user;
      if (is(k, "ImpersonatedUser")) return key::la_impersonated_user;
      break;
    case 17:
      if (is(k, "StageReceivedTime")) return key::la_stage_received_time;
      break;
    case 19:
      if (is(k, "RequestReceivedTime")) return key::la_request_received_time;
      break;
    case 22:
      if (is(k, "authenticationMetadata")) return key::authentication_metadata;
      break;
    case 24:
      if (is(k, "requestReceivedTimestamp")) return key::request_received_timestamp;
      break;
    default: break;
  }
  return key::unknown;
}

// The field a key reads, as reported in errors (audit.k8s.io names for Log Analytics columns).
std::string_view field_name(key id) noexcept {
  switch (id) {
    case key::kind: return "kind";
    case key::api_version: return "apiVersion";
    case key::level: case key::la_level: return "level";
    case key::audit_id: case key::la_audit_id: return "auditID";
    case key::stage: case key::la_stage: return "stage";
    case key::request_uri: case key::la_request_uri: return "requestURI";
    case key::verb: case key::la_verb: return "verb";
    case key::user: case key::la_user: return "user";
    case key::impersonated_user: case key::la_impersonated_user: return "impersonatedUser";
    case key::authentication_metadata: return "authenticationMetadata";
    case key::source_ips: case key::la_source_ips: return "sourceIPs";
    case key::user_agent: case key::la_user_agent: return "userAgent";
    case key::object_ref: case key::la_object_ref: return "objectRef";
    case key::response_status: case key::la_response_status: return "responseStatus";
    case key::request_object: case key::la_request_object: return "requestObject";
    case key::response_object: case key::la_response_object: return "responseObject";
    case key::request_received_timestamp: case key::la_request_received_time: return "requestReceivedTimestamp";
    case key::stage_timestamp: case key::la_stage_received_time: return "stageTimestamp";
    case key::annotations: case key::la_annotations: return "annotations";
    case key::metadata: return "metadata";
    case key::timestamp: return "timestamp";
    case key::items: return "items";
    case key::records: return "records";
    case key::category: case key::ad_category: return "category";
    case key::properties: return "properties";
    case key::operation_name: return "operationName";
    case key::resource_id: case key::la_resource_id: case key::ad_resource_id: return "resourceId";
    case key::time: case key::la_time_generated: return "time";
    case key::la_pod_name: case key::ad_pod_s: return "pod";
    case key::la_type: return "Type";
    case key::ad_log_s: return "log_s";
    case key::proto_payload: return "protoPayload";
    case key::unknown: break;
  }
  return {};
}

// RFC 8259 number syntax: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? (for numbers simdjson
// does not convert, such as 1e400; a valid number ends at whitespace or a structural character,
// which the token excludes).
bool json_number_syntax(std::string_view t) noexcept {
  std::size_t i = 0;
  const auto digits = [&]() {
    const std::size_t from = i;
    while (i < t.size() && t[i] >= '0' && t[i] <= '9') ++i;
    return i > from;
  };
  if (i < t.size() && t[i] == '-') ++i;
  if (i < t.size() && t[i] == '0') {
    ++i;
  } else if (!digits()) {
    return false;
  }
  if (i < t.size() && t[i] == '.') {
    ++i;
    if (!digits()) return false;
  }
  if (i < t.size() && (t[i] == 'e' || t[i] == 'E')) {
    ++i;
    if (i < t.size() && (t[i] == '+' || t[i] == '-')) ++i;
    if (!digits()) return false;
  }
  return i == t.size();
}

// Key sets as bit masks over `key` (tested once per field).
constexpr std::uint64_t key_bit(key id) noexcept { return std::uint64_t{1} << static_cast<unsigned>(id); }
static_assert(static_cast<unsigned>(key::proto_payload) < 64);
// The keys from `first` to `last` in the order of `key`.
constexpr std::uint64_t key_range(key first, key last) noexcept {
  std::uint64_t m = 0;
  for (auto i = static_cast<unsigned>(first); i <= static_cast<unsigned>(last); ++i) m |= std::uint64_t{1} << i;
  return m;
}
// Keys that make an object an audit event (kind "Event" is checked on its value).
constexpr std::uint64_t event_keys =
    key_bit(key::audit_id) | key_bit(key::verb) | key_bit(key::request_uri) | key_bit(key::stage) | key_bit(key::level);
// The Log Analytics AKSAudit / AKSAuditAdmin columns.
constexpr std::uint64_t la_column_keys = key_range(key::la_audit_id, key::la_type);
// The keys read_event_member reads: an unknown key, audit.k8s.io's (listed first in `key`, up to
// annotations) and the Log Analytics columns that hold them (la_audit_id to la_stage_received_time).
constexpr std::uint64_t event_member_keys =
    key_range(key::unknown, key::annotations) | key_range(key::la_audit_id, key::la_stage_received_time);
bool in(std::uint64_t set, key id) noexcept { return ((set >> static_cast<unsigned>(id)) & 1U) != 0; }

// The keys whose values a parser with this field mask skips unread, with no other effect: the
// scan passes over them without entering its switch. Empty in strict mode (every value is checked).
std::uint64_t skipped_keys(field_mask m, bool validate_all) noexcept {
  if (validate_all) return 0;
  std::uint64_t set = 0;
  const auto skip_unless = [&](part p, std::initializer_list<key> ids) {
    if (m.has(p)) return;
    for (key id : ids) set |= key_bit(id);
  };
  skip_unless(part::api_version, {key::api_version});
  skip_unless(part::level, {key::level, key::la_level});
  skip_unless(part::audit_id, {key::audit_id, key::la_audit_id});
  skip_unless(part::stage, {key::stage, key::la_stage});
  skip_unless(part::request_uri, {key::request_uri, key::la_request_uri});
  skip_unless(part::verb, {key::verb, key::la_verb});
  skip_unless(part::user, {key::user, key::la_user});
  skip_unless(part::impersonated_user, {key::impersonated_user, key::la_impersonated_user});
  skip_unless(part::authentication_metadata, {key::authentication_metadata});
  skip_unless(part::source_ips, {key::source_ips, key::la_source_ips});
  skip_unless(part::user_agent, {key::user_agent, key::la_user_agent});
  skip_unless(part::object_ref, {key::object_ref, key::la_object_ref});
  skip_unless(part::response_status, {key::response_status, key::la_response_status});
  skip_unless(part::request_object, {key::request_object, key::la_request_object});
  skip_unless(part::response_object, {key::response_object, key::la_response_object});
  skip_unless(part::annotations, {key::annotations, key::la_annotations});
  skip_unless(part::request_received_timestamp, {key::request_received_timestamp, key::la_request_received_time});
  skip_unless(part::stage_timestamp, {key::stage_timestamp, key::la_stage_received_time, key::metadata});
  if (!m.has(part::stage_timestamp) && !m.has(part::request_received_timestamp)) set |= key_bit(key::timestamp);
  return set;
}

errc translate(error_code e) noexcept {
  switch (e) {
    case simdjson::UTF8_ERROR: return errc::invalid_utf8;
    case simdjson::STRING_ERROR: return errc::invalid_string;
    case simdjson::INCORRECT_TYPE: return errc::wrong_type;
    case simdjson::NUMBER_OUT_OF_RANGE: return errc::number_out_of_range;
    case simdjson::DEPTH_ERROR: return errc::depth_exceeded;
    case simdjson::CAPACITY: return errc::record_too_large;
    case simdjson::MEMALLOC: return errc::out_of_memory;
    case simdjson::TRAILING_CONTENT: return errc::trailing_content;
    case simdjson::UNESCAPED_CHARS: return errc::invalid_string;  // a raw control character (NUL...) in a string
    default: return errc::invalid_json;
  }
}

// Errors that leave the surrounding document iterable: the item is bad, its siblings are not.
bool item_local(error_code e) noexcept {
  return e == simdjson::INCORRECT_TYPE || e == simdjson::NUMBER_OUT_OF_RANGE || e == simdjson::STRING_ERROR;
}

constexpr std::string_view too_big = "skipped-too-big-size-object";

bool is_audit_category(std::string_view c) noexcept { return c == "kube-audit" || c == "kube-audit-admin"; }

// parser_options::max_depth as used: validation recurses once per level, so the limit is capped
// to keep the stack small (see parser.h).
int effective_max_depth(std::size_t requested) noexcept {
  return static_cast<int>(requested < max_depth_cap ? requested : max_depth_cap);
}

std::string_view trim_token(std::string_view tok) noexcept {
  while (!tok.empty() && (tok.back() == ' ' || tok.back() == '\n' || tok.back() == '\r' || tok.back() == '\t')) {
    tok.remove_suffix(1);
  }
  return tok;
}

bool is_null_token(std::string_view tok) noexcept { return trim_token(tok) == "null"; }

// ---------------------------------------------------------------------------------------------
// Naming the field of an invalid_utf8 record (error path only). simdjson's first stage rejects
// the record before any field is read, so the bad byte is found again here and the member that
// holds it looked up in the record's bytes, which are otherwise JSON.

// The offset of the first byte of [p, p + n) that does not belong to a valid UTF-8 sequence
// (overlong forms, surrogates and code points above U+10FFFF included); n when there is none.
std::size_t first_invalid_utf8(const char* p, std::size_t n) noexcept {
  std::size_t i = 0;
  while (i < n) {
    const auto c = static_cast<unsigned char>(p[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t len = 0;
    std::uint32_t cp = 0, min = 0;
    if ((c & 0xE0) == 0xC0) { len = 2; cp = c & 0x1FU; min = 0x80; }
    else if ((c & 0xF0) == 0xE0) { len = 3; cp = c & 0x0FU; min = 0x800; }
    else if ((c & 0xF8) == 0xF0) { len = 4; cp = c & 0x07U; min = 0x10000; }
    else return i;
    if (n - i < len) return i;
    for (std::size_t k = 1; k < len; ++k) {
      const auto b = static_cast<unsigned char>(p[i + k]);
      if ((b & 0xC0) != 0x80) return i;
      cp = cp << 6 | (b & 0x3FU);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return i;
    i += len;
  }
  return n;
}

// Within the object or array whose opening bracket is at t[i], the member or element whose
// value holds byte `at`: its value's extent [vb, ve), and for an object its key as written.
bool part_holding(std::string_view t, std::size_t i, std::size_t at, std::string_view& key, std::size_t& vb,
                  std::size_t& ve) noexcept {
  constexpr std::size_t npos = std::string_view::npos;
  if (i >= t.size() || (t[i] != '{' && t[i] != '[')) return false;
  const bool object = t[i] == '{';
  i = skip_ws(t, i + 1);
  while (i < t.size() && t[i] != '}' && t[i] != ']') {
    if (object) {
      const std::size_t k_end = skip_string(t, i);
      if (k_end == npos || at < k_end) return false;  // in a key: no field
      key = t.substr(i + 1, k_end - i - 2);
      i = skip_ws(t, k_end);
      if (i >= t.size() || t[i] != ':') return false;
      i = skip_ws(t, i + 1);
    }
    vb = i;
    ve = skip_value(t, i);
    if (ve == npos) return false;
    if (at >= vb && at < ve) return true;
    i = skip_ws(t, ve);
    if (i >= t.size() || t[i] != ',') return false;
    i = skip_ws(t, i + 1);
  }
  return false;
}

// What field_name() reports for the member of an event or envelope holding the first invalid
// UTF-8 byte of the record [p, p + n): the audit field, properties.log / properties.pod for an
// AKS record, looked for inside the items of an EventList or Event Hub message; empty when the
// byte is in a key, an unknown member or outside any member.
std::string_view field_of_invalid_utf8(const char* p, std::size_t n) noexcept {
  const std::string_view t(p, n);
  const std::size_t at = first_invalid_utf8(p, n);
  if (at == n) return {};
  std::size_t vb = 0, ve = 0;
  std::string_view k;
  std::size_t obj = skip_ws(t, 0);
  if (obj < n && t[obj] == '[') {  // a top-level array: the item that holds the byte
    if (!part_holding(t, obj, at, k, vb, ve)) return {};
    obj = vb;
  }
  for (int level = 0; level < 2; ++level) {  // a container, then its item
    if (!part_holding(t, obj, at, k, vb, ve)) return {};
    const key id = lookup_key(k);
    if (id == key::properties) {
      if (!part_holding(t, vb, at, k, vb, ve)) return {};
      if (is(k, "log")) return "properties.log";
      if (is(k, "pod")) return "properties.pod";
      return {};
    }
    if (id != key::items && id != key::records) return field_name(id);
    if (!part_holding(t, vb, at, k, vb, ve)) return {};  // the item
    obj = vb;
  }
  return {};
}

// What one JSON object turned out to be, gathered during the single pass. Its fields are read
// straight into a new element at the end of the output events (an event is then written once,
// where its reader finds it), which is given back unless the object is emitted as an event.
struct object_scan {
  explicit object_scan(std::vector<event>& out) : events(&out), ev(&out.emplace_back()) {}
  object_scan(const object_scan&) = delete;
  object_scan& operator=(const object_scan&) = delete;
  ~object_scan() { release(); }

  // Gives the element back (it must still be the last one: nothing is emitted while an object
  // is scanned, except the items of a container, which releases it first); the fields read
  // from then on go to `spare`, whose values are never used.
  void release() noexcept {
    if (events == nullptr) return;
    events->pop_back();
    events = nullptr;
    ev = &spare;
  }
  // The object is an event: the element stays in the output.
  void keep() noexcept { events = nullptr; }

  std::vector<event>* events;  // non-null while `ev` is the output's last element
  event* ev;
  static inline thread_local event spare{};
  // v1beta1 fallbacks and the timestamp texts, resolved at the end
  std::string_view rr_text{}, st_text{}, ts_text{}, created_text{};
  // envelopes
  std::string_view category{}, operation_name{}, type{};
  std::string_view log_raw{};      // properties.log / log_s: string token (quotes kept) or object text
  bool log_is_string{false};
  bool log_decoded{false};         // log_raw is the string's content, already unescaped into the arena, padded
  std::string_view log_token{};    // with log_decoded: the string in the record (its UTF-8 is not checked yet)
  bool saw_event_key{false};
  bool saw_la_column{false};
  bool saw_properties{false};
  bool saw_log_s{false};
  bool saw_proto_payload{false};
  bool is_container{false};
  bool bad_container{false};  // a container the forced input format does not allow
  std::uint64_t container_items{0};
};

// The key expected after another one. An audit event's keys come in the order the API server
// writes them, so the key that followed key X in the last record usually follows it again: one
// 32-byte compare against that guess (its text, then the closing quote) stands for finding the
// key's end and looking it up. A miss costs the compare, then the lookup as before.
struct key_guess {
  alignas(32) char text[32]{};  // the key and its closing quote
  std::uint32_t mask{0};       // bits of text that must match; 0: no guess yet
  key id{key::unknown};

  // The key at p (just after its opening quote), when it is the guess.
  [[nodiscard]] bool hits(const char* p) const noexcept { return (equal_bytes(p, text) & mask) == mask && mask != 0; }
  [[nodiscard]] std::size_t length() const noexcept { return static_cast<std::size_t>(std::popcount(mask)) - 1; }
  void set(std::string_view k, key k_id) noexcept {
    if (k.size() >= sizeof text) return;
    std::memcpy(text, k.data(), k.size());
    text[k.size()] = '"';
    mask = k.size() + 1 >= 32 ? ~std::uint32_t{0} : (std::uint32_t{1} << (k.size() + 1)) - 1;
    id = k_id;
  }
};

}  // namespace

// ---------------------------------------------------------------------------------------------
struct event_parser::impl {
  impl(event_parser& owner, const parser_options& opt, input_format fmt)
      : self(owner), fields(opt.fields), format(fmt), depth_limit(effective_max_depth(opt.max_depth)),
        validate_all(opt.validate_all), skip_keys(skipped_keys(opt.fields, opt.validate_all)) {
    // Allocation failures here surface again, as errors, at the first iterate().
    const std::size_t d = static_cast<std::size_t>(depth_limit) + 1;
    [[maybe_unused]] error_code e1 = outer.allocate(std::size_t{1} << 16, d);
    [[maybe_unused]] error_code e2 = inner.allocate(std::size_t{1} << 16, d);
  }

  event_parser& self;
  field_mask fields;
  input_format format;
  // Nesting limit: a value inside more than depth_limit objects/arrays is DEPTH_ERROR wherever
  // this parser walks (our own recursion; On-Demand does not check depth in release builds).
  int depth_limit;
  bool validate_all;  // parser_options::validate_all: walk and check every value, skipped ones too
  std::uint64_t skip_keys;  // skipped_keys(fields, validate_all)
  // try_aks_record applies: AKS records are allowed, and no strict mode or tiny depth limit
  // (the general path checks those)
  bool aks_fast_path() const noexcept {
    return !validate_all && depth_limit >= 3 && (format == input_format::aks || format == input_format::auto_detect);
  }
  micro_time_cache time_cache;  // the second the last MicroTime gave
  od::parser outer;  // the framed record
  od::parser inner;  // string-wrapped payloads, parsed while `outer` is mid-iteration
  od::parser check;  // re-validation of a slice (a non-event item, a JSON text held in a string)
  std::string key_scratch;
  // The top-level key after each key (indexed by the previous key + 1; 0: the first key).
  std::array<key_guess, key_count + 1> next_key{};
  bool inner_busy{false};  // the inner parser is mid-document: string payloads cannot nest
  std::vector<event> single_events;          // parse_native's outputs, kept between calls
  std::vector<record_error> single_errors;

  // Per top-level record
  std::string_view field{};  // the field being read, for error reports (static strings)
  const char* rec_begin{nullptr};
  const char* rec_padded_end{nullptr};
  record_place place{};
  record_outputs* out{nullptr};
  const char* line_ptr{nullptr};  // newline counting for items inside multi-line records
  std::uint64_t line_at_ptr{0};
  counters pending{};  // counted on commit, dropped on rollback
  bool abandoned{false};  // the top-level object's iteration stopped at an item-local error
  bool last_was_skip{false};  // the outcome just emitted by finish_object was a skip (or a format mismatch)
  // Set by emit_payload when a log the fast path decoded holds invalid UTF-8: the general path's
  // first stage fails the whole record there, so the record is a document-level error (which the
  // reader treats differently from an emitted one: a multi-line candidate is then no document).
  error_code decoded_log_error{SUCCESS};

  // ----- small readers -----------------------------------------------------------------------
  char* arena_alloc(std::size_t n) noexcept { return self.arena_.allocate(n); }

  error_code unescape_to_arena(od::raw_json_string rjs, std::size_t raw_len, std::string_view& out_sv) {
    auto* dst = reinterpret_cast<std::uint8_t*>(arena_alloc(raw_len + simdjson::SIMDJSON_PADDING));
    if (dst == nullptr) return simdjson::MEMALLOC;
    std::uint8_t* cursor = dst;
    return outer.unescape(rjs, cursor).get(out_sv);
  }

  // A string field: a view into the input when it has no escape, else into the arena.
  // null leaves `out` empty. Any other type is INCORRECT_TYPE.
  error_code read_string(od::value v, std::string_view& out_sv) {
    std::string_view tok;
    tok = v.raw_json_token();
    if (tok.empty()) return simdjson::TAPE_ERROR;
    if (tok[0] != '"') {
      if (is_null_token(tok)) {
        out_sv = {};
        return SUCCESS;
      }
      return simdjson::INCORRECT_TYPE;
    }
    od::raw_json_string rjs;
    if (auto e = v.get_raw_json_string().get(rjs); e) return e;
    // The token runs to the next structural character, so it holds the closing quote: -1 means
    // a backslash came first.
    if (const std::ptrdiff_t n = unescaped_length(tok.data() + 1, tok.data() + tok.size()); n >= 0) {
      out_sv = std::string_view(tok.data() + 1, static_cast<std::size_t>(n));
      return SUCCESS;
    }
    return unescape_to_arena(rjs, trim_token(tok).size() - 2, out_sv);  // the raw content bounds the decoded size
  }

  // An object, array or string kept as text (strings keep their quotes). null -> empty.
  // `level`: how many objects/arrays enclose `v`. Objects and arrays are skipped unread (their
  // depth and contents unchecked beyond simdjson's first stage) unless validate_all is set: then
  // they are walked in full, with the same text as a result.
  error_code read_raw(od::value v, raw_json& out_raw, int level) {
    std::string_view tok;
    tok = v.raw_json_token();
    if (tok.empty()) return simdjson::TAPE_ERROR;
    switch (tok[0]) {
      case '{':
      case '[': {
        if (validate_all) return validate_raw(v, tok, out_raw, level);
        if (tok[0] == '{') {
          od::object o;
          if (auto e = v.get_object().get(o); e) return e;
          return o.raw_json().get(out_raw.text);
        }
        od::array a;
        if (auto e = v.get_array().get(a); e) return e;
        return a.raw_json().get(out_raw.text);
      }
      case '"': {
        if (validate_all) {
          std::string_view ignored;
          if (auto e = v.get_string().get(ignored); e) return e;  // checks the escapes
        } else {
          od::raw_json_string rjs;
          if (auto e = v.get_raw_json_string().get(rjs); e) return e;
        }
        out_raw.text = trim_token(tok);
        return SUCCESS;
      }
      case 'n':
        if (!is_null_token(tok)) return simdjson::N_ATOM_ERROR;
        out_raw.text = {};
        return SUCCESS;
      default: return simdjson::INCORRECT_TYPE;
    }
  }

  // validate_all: walks the object or array `v` (its first token `tok`) and keeps its text, the
  // same text raw_json() gives (up to the next token).
  error_code validate_raw(od::value v, std::string_view tok, raw_json& out_raw, int level) {
    if (auto e = validate_value(v, level); e) return e;
    const char* end = nullptr;
    if (auto e = v.current_location().get(end); e) return e;
    if (end < tok.data()) return simdjson::TAPE_ERROR;
    out_raw.text = std::string_view(tok.data(), static_cast<std::size_t>(end - tok.data()));
    return SUCCESS;
  }

  // A value the parser does not need (an unknown field, a field outside the mask): skipped
  // unread, or walked and checked when validate_all is set.
  error_code skip_value(od::value v, int level) { return validate_all ? validate_value(v, level) : SUCCESS; }

  // skip_value for a field of the top-level scan: in strict mode an error names the field.
  error_code skip_field(od::value v, int level, key id) {
    if (!validate_all) return SUCCESS;
    field = field_name(id);
    return validate_value(v, level);
  }

  // An array of strings, stored in the arena as a span of views.
  error_code read_string_list(od::value v, std::span<const std::string_view>& out_list, int level) {
    std::string_view tok;
    tok = v.raw_json_token();
    if (!tok.empty() && tok[0] == 'n' && is_null_token(tok)) {
      out_list = {};
      return SUCCESS;
    }
    if (level >= depth_limit) return simdjson::DEPTH_ERROR;
    od::array arr;
    if (auto e = v.get_array().get(arr); e) return e;
    return read_string_array(arr, out_list);
  }

  error_code read_string_array(od::array arr, std::span<const std::string_view>& out_list) {
    // Straight into the arena: room for a few items first (most lists are short), grown by
    // doubling when the list is longer, and what is not used given back.
    std::size_t cap = 8, n = 0;
    auto* mem = self.arena_.allocate_array<std::string_view>(cap);
    if (mem == nullptr) return simdjson::MEMALLOC;
    for (auto el : arr) {
      od::value item;
      if (auto e = std::move(el).get(item); e) return e;
      std::string_view s;
      if (auto e = read_string(item, s); e) return e;
      if (n == cap) {
        auto* bigger = self.arena_.allocate_array<std::string_view>(cap * 2);
        if (bigger == nullptr) return simdjson::MEMALLOC;
        for (std::size_t i = 0; i < n; ++i) ::new (bigger + i) std::string_view(mem[i]);
        mem = bigger;
        cap *= 2;
      }
      ::new (mem + n++) std::string_view(s);
    }
    self.arena_.shrink(reinterpret_cast<const char*>(mem), cap * sizeof(std::string_view), n * sizeof(std::string_view));
    out_list = n == 0 ? std::span<const std::string_view>{} : std::span<const std::string_view>(mem, n);
    return SUCCESS;
  }

  error_code read_int32(od::value v, std::int32_t& out_i) {
    std::int64_t n = 0;
    if (auto e = v.get_int64().get(n); e) return int_error(v, e);
    if (n < INT32_MIN || n > INT32_MAX) return simdjson::NUMBER_OUT_OF_RANGE;
    out_i = static_cast<std::int32_t>(n);
    return SUCCESS;
  }

  // Why a number did not read as an integer: an integer too large for 64 bits, or a number no
  // double holds (1e400), is out of range; a fraction or exponent (3.5, 2e2) is the wrong type,
  // as in Go's encoding/json. (The error path only: the value was not consumed.)
  error_code int_error(od::value v, error_code e) {
    if (e != simdjson::INCORRECT_TYPE) return e;
    std::string_view tok;
    tok = trim_token(v.raw_json_token());
    if (tok.empty() || (tok[0] != '-' && (tok[0] < '0' || tok[0] > '9'))) return e;  // not a number
    if (tok.find_first_of(".eE") == std::string_view::npos) return simdjson::NUMBER_OUT_OF_RANGE;
    double d = 0;
    if (std::from_chars(tok.data(), tok.data() + tok.size(), d).ec == std::errc::result_out_of_range) {
      return simdjson::NUMBER_OUT_OF_RANGE;
    }
    return e;
  }

  // The key of a field as text (keys with escapes are unescaped into key_scratch).
  error_code read_key(od::field& f, std::string_view& k) { return read_key(f.key().raw(), k); }
  error_code read_key(const char* p, std::string_view& k) {
    // Stage 1 validated the key, so its closing quote exists, with the document's padding after
    // it (the bound only sends very long keys down the loop below).
    if (const std::ptrdiff_t n = unescaped_length(p, p + 4096); n >= 0) {
      k = std::string_view(p, static_cast<std::size_t>(n));
      return SUCCESS;
    }
    const char* q = p;
    bool escaped = false;
    while (*q != '"') {
      if (*q == '\\') {
        escaped = true;
        ++q;
      }
      ++q;
    }
    if (!escaped) {
      k = std::string_view(p, static_cast<std::size_t>(q - p));
      return SUCCESS;
    }
    // Rare: an escaped key, decoded by simdjson.
    std::string_view tmp;
    key_scratch.resize(static_cast<std::size_t>(q - p) + simdjson::SIMDJSON_PADDING);
    auto* dst = reinterpret_cast<std::uint8_t*>(key_scratch.data());
    if (auto e = outer.unescape(od::raw_json_string(reinterpret_cast<const std::uint8_t*>(p)), dst).get(tmp); e) return e;
    k = tmp;
    return SUCCESS;
  }

  // ----- nested audit objects ----------------------------------------------------------------
  // The nested audit objects: `level` is the object's own nesting level.

  // The index in `names` of the key at p (as written, after its opening quote) once decoded;
  // names.size() for another key, and -1 when it cannot be decoded. The slow path of the nested
  // readers below, which first compare the key as written (key_is): reached by escaped keys and
  // by keys they do not know. Their enums list the names in the same order.
  [[gnu::noinline]] int decoded_key_index(const char* p, std::initializer_list<std::string_view> names) {
    std::string_view k;
    if (read_key(p, k)) return -1;
    int i = 0;
    for (const std::string_view n : names) {
      if (k == n) return i;
      ++i;
    }
    return i;
  }

  enum class user_field : std::int8_t { bad = -1, username, uid, groups, extra, other };
  user_field user_field_of(const char* p) {
    if (key_is(p, "username")) return user_field::username;
    if (key_is(p, "uid")) return user_field::uid;
    if (key_is(p, "groups")) return user_field::groups;
    if (key_is(p, "extra")) return user_field::extra;
    return static_cast<user_field>(decoded_key_index(p, {"username", "uid", "groups", "extra"}));
  }

  error_code read_user(od::object obj, user_info& u, bool lists, int level) {
    for (auto fr : obj) {
      od::field f;
      if (auto e = std::move(fr).get(f); e) return e;
      error_code e = SUCCESS;
      switch (user_field_of(f.key().raw())) {
        case user_field::username: e = read_string(f.value(), u.username); break;
        case user_field::uid: e = read_string(f.value(), u.uid); break;
        case user_field::groups: e = lists ? read_string_list(f.value(), u.groups, level) : skip_value(f.value(), level); break;
        case user_field::extra: e = lists ? read_raw(f.value(), u.extra, level) : skip_value(f.value(), level); break;
        case user_field::other: e = skip_value(f.value(), level); break;
        case user_field::bad: return simdjson::STRING_ERROR;
      }
      if (e) return e;
    }
    return SUCCESS;
  }

  // The member of `o` the key at p names (in the order the API server writes them); null for
  // another key, with `bad` set when the key cannot be decoded.
  std::string_view* object_ref_member(const char* p, object_reference& o, bool& bad) {
    if (key_is(p, "resource")) return &o.resource;
    if (key_is(p, "namespace")) return &o.namespace_;
    if (key_is(p, "name")) return &o.name;
    if (key_is(p, "apiVersion")) return &o.api_version;
    if (key_is(p, "apiGroup")) return &o.api_group;
    if (key_is(p, "subresource")) return &o.subresource;
    if (key_is(p, "uid")) return &o.uid;
    if (key_is(p, "resourceVersion")) return &o.resource_version;
    std::string_view* const members[] = {&o.resource, &o.namespace_, &o.name, &o.api_version,
                                         &o.api_group, &o.subresource, &o.uid, &o.resource_version};
    const int i = decoded_key_index(p, {"resource", "namespace", "name", "apiVersion", "apiGroup", "subresource", "uid",
                                        "resourceVersion"});
    bad = i < 0;
    return i >= 0 && i < 8 ? members[i] : nullptr;
  }

  error_code read_object_ref(od::object obj, object_reference& o, int level) {
    for (auto fr : obj) {
      od::field f;
      if (auto e = std::move(fr).get(f); e) return e;
      bool bad = false;
      std::string_view* dst = object_ref_member(f.key().raw(), o, bad);
      if (bad) return simdjson::STRING_ERROR;
      if (auto e = dst != nullptr ? read_string(f.value(), *dst) : skip_value(f.value(), level); e) return e;
    }
    return SUCCESS;
  }

  enum class status_field : std::int8_t { bad = -1, metadata, code, status, message, reason, details, other };
  status_field status_field_of(const char* p) {
    if (key_is(p, "metadata")) return status_field::metadata;
    if (key_is(p, "code")) return status_field::code;
    if (key_is(p, "status")) return status_field::status;
    if (key_is(p, "message")) return status_field::message;
    if (key_is(p, "reason")) return status_field::reason;
    if (key_is(p, "details")) return status_field::details;
    return static_cast<status_field>(
        decoded_key_index(p, {"metadata", "code", "status", "message", "reason", "details"}));
  }

  error_code read_status(od::object obj, response_status& r, int level) {
    for (auto fr : obj) {
      od::field f;
      if (auto e = std::move(fr).get(f); e) return e;
      const status_field which = status_field_of(f.key().raw());
      od::value v = f.value();
      error_code e = SUCCESS;
      switch (which) {
        case status_field::code: {
          field = "responseStatus.code";
          std::string_view tok;
          tok = v.raw_json_token();
          if (!is_null_token(tok)) e = read_int32(v, r.code);
          break;
        }
        case status_field::status: field = "responseStatus"; e = read_string(v, r.status); break;
        case status_field::reason: field = "responseStatus"; e = read_string(v, r.reason); break;
        case status_field::message: field = "responseStatus"; e = read_string(v, r.message); break;
        case status_field::details: field = "responseStatus.details"; e = read_raw(v, r.details, level); break;
        case status_field::metadata: field = "responseStatus.metadata"; e = read_raw(v, r.metadata, level); break;
        case status_field::other: field = "responseStatus"; e = skip_value(v, level); break;
        case status_field::bad: field = "responseStatus"; return simdjson::STRING_ERROR;
      }
      if (e) return e;
    }
    return SUCCESS;
  }

  // Calls fn(object, level) on `v` when it is an object, or when it is a string holding a JSON
  // object (Log Analytics exports may stringify dynamic columns). null does nothing. `level`:
  // how many objects/arrays enclose `v`; fn gets the object's own level (1 for a JSON text held
  // in a string, which is a document of its own).
  template <class Fn>
  error_code with_object(od::value v, bool allow_string, int level, Fn&& fn) {
    std::string_view tok;
    tok = v.raw_json_token();
    if (tok.empty()) return simdjson::TAPE_ERROR;
    if (tok[0] == '{') {
      if (level >= depth_limit) return simdjson::DEPTH_ERROR;
      od::object o;
      if (auto e = v.get_object().get(o); e) return e;
      return fn(o, level + 1);
    }
    if (tok[0] == 'n' && is_null_token(tok)) return SUCCESS;
    if (tok[0] != '"' || !allow_string) return simdjson::INCORRECT_TYPE;
    std::string_view text;
    if (auto e = read_string(v, text); e) return e;
    return with_inner_object(text, false, std::forward<Fn>(fn));
  }

  // Parses `text` (a JSON object in memory we may not pad) with the inner parser. When
  // `in_arena_padded` is false the text is first copied into a padded arena buffer.
  template <class Fn>
  error_code with_inner_object(std::string_view text, bool in_arena_padded, Fn&& fn) {
    if (inner_busy) return simdjson::INCORRECT_TYPE;  // a wrapped payload inside a wrapped payload
    const char* p = text.data();
    if (!in_arena_padded) {
      char* copy = arena_alloc(text.size() + simdjson::SIMDJSON_PADDING);
      if (copy == nullptr) return simdjson::MEMALLOC;
      std::memcpy(copy, text.data(), text.size());
      std::memset(copy + text.size(), ' ', simdjson::SIMDJSON_PADDING);  // simdjson may read it
      p = copy;
    }
    od::document doc;
    if (auto e = inner.iterate(p, text.size(), text.size() + simdjson::SIMDJSON_PADDING).get(doc); e) return e;
    od::object o;
    if (auto e = doc.get_object().get(o); e) return e;
    if (depth_limit < 1) return simdjson::DEPTH_ERROR;
    inner_busy = true;
    error_code e = fn(o, 1);
    inner_busy = false;
    if (e) return e;
    const char* rest = nullptr;
    if (!doc.current_location().get(rest)) return simdjson::TRAILING_CONTENT;
    return SUCCESS;
  }

  // A raw dynamic column: an object/array as text, or a string that holds one (unescaped; with
  // validate_all, that text is checked as JSON too).
  error_code read_raw_dynamic(od::value v, raw_json& out_raw, int level) {
    if (auto e = read_raw(v, out_raw, level); e) return e;
    std::string_view t = out_raw.text;
    if (t.size() >= 2 && t.front() == '"' && t.substr(1, t.size() - 2) != too_big) {
      std::string_view inner_text;
      if (auto e = unescape_token(t, inner_text); e) return e;
      std::size_t i = inner_text.find_first_not_of(" \t\r\n");
      if (i != std::string_view::npos && (inner_text[i] == '{' || inner_text[i] == '[')) {
        // unescape_token leaves padding after the text (it never grows when unescaped).
        if (validate_all) {
          if (auto e = validate_text(inner_text.data(), inner_text.size(), inner_text.size() + simdjson::SIMDJSON_PADDING, 0); e) {
            return e;
          }
        }
        out_raw.text = inner_text;
      }
    }
    return SUCCESS;
  }

  // Decodes a string token (quotes included, from the record) into the arena, padded.
  error_code unescape_token(std::string_view tok, std::string_view& out_sv) {
    od::raw_json_string rjs(reinterpret_cast<const std::uint8_t*>(tok.data() + 1));
    return unescape_to_arena(rjs, tok.size(), out_sv);
  }

  // ----- the one switch ----------------------------------------------------------------------
  // `depth`: 0 for a top-level record, 1 or 2 for container items (containers nest at most
  // inside a top-level array), 2 for wrapped payloads. `level`: the object's nesting level.
  // One member of an audit event: a key of audit.k8s.io's Event, or its Log Analytics column (whose
  // dynamic values may be strings holding JSON), or an unknown key. Inline in both scans.
  [[gnu::always_inline]] error_code read_event_member(key id, od::value v, object_scan& s, int level) {
    event* ev = s.ev;
    error_code e = SUCCESS;
    switch (id) {
      case key::unknown:
        field = {};  // an error from here on is not about the field read before
        e = skip_field(v, level, id);
        break;
      case key::kind:
        field = "kind";
        e = read_string(v, ev->kind);
        if (!e && ev->kind == "Event") s.saw_event_key = true;
        break;
      case key::api_version:
        if (fields.has(part::api_version)) { field = "apiVersion"; e = read_string(v, ev->api_version); }
        else e = skip_field(v, level, id);
        break;
      case key::level:
      case key::la_level:
        if (fields.has(part::level)) {
          field = "level";
          e = read_string(v, ev->level_text);
          ev->level = parse_level(ev->level_text);
        } else {
          e = skip_field(v, level, id);
        }
        break;
      case key::audit_id:
      case key::la_audit_id:
        if (fields.has(part::audit_id)) { field = "auditID"; e = read_string(v, ev->audit_id); }
        else e = skip_field(v, level, id);
        break;
      case key::stage:
      case key::la_stage:
        if (fields.has(part::stage)) {
          field = "stage";
          e = read_string(v, ev->stage_text);
          ev->stage = parse_stage(ev->stage_text);
        } else {
          e = skip_field(v, level, id);
        }
        break;
      case key::request_uri:
      case key::la_request_uri:
        if (fields.has(part::request_uri)) { field = "requestURI"; e = read_string(v, ev->request_uri); }
        else e = skip_field(v, level, id);
        break;
      case key::verb:
      case key::la_verb:
        if (fields.has(part::verb)) { field = "verb"; e = read_string(v, ev->verb); }
        else e = skip_field(v, level, id);
        break;
      case key::user:
      case key::la_user:
        if (fields.has(part::user)) {
          field = "user";
          e = with_object(v, id == key::la_user, level, [&](od::object o, int lvl) {
            return read_user(o, ev->user, fields.has(part::user_groups), lvl);
          });
        } else {
          e = skip_field(v, level, id);
        }
        break;
      case key::impersonated_user:
      case key::la_impersonated_user:
        if (fields.has(part::impersonated_user)) {
          field = "impersonatedUser";
          e = with_object(v, id == key::la_impersonated_user, level, [&](od::object o, int lvl) {
            ev->has_impersonated_user = true;
            return read_user(o, ev->impersonated_user, fields.has(part::user_groups), lvl);
          });
        } else {
          e = skip_field(v, level, id);
        }
        break;
      case key::authentication_metadata:
        if (fields.has(part::authentication_metadata)) {
          field = "authenticationMetadata";
          e = read_raw(v, ev->authentication_metadata, level);
        } else {
          e = skip_field(v, level, id);
        }
        break;
      case key::source_ips:
      case key::la_source_ips:
        if (fields.has(part::source_ips)) {
          field = "sourceIPs";
          if (id == key::la_source_ips) {
            e = read_string_list_dynamic(v, ev->source_ips, level);
          } else {
            e = read_string_list(v, ev->source_ips, level);
          }
        } else {
          e = skip_field(v, level, id);
        }
        break;
      case key::user_agent:
      case key::la_user_agent:
        if (fields.has(part::user_agent)) { field = "userAgent"; e = read_string(v, ev->user_agent); }
        else e = skip_field(v, level, id);
        break;
      case key::object_ref:
      case key::la_object_ref:
        if (fields.has(part::object_ref)) {
          field = "objectRef";
          e = with_object(v, id == key::la_object_ref, level,
                          [&](od::object o, int lvl) { return read_object_ref(o, ev->object_ref, lvl); });
        } else {
          e = skip_field(v, level, id);
        }
        break;
      case key::response_status:
      case key::la_response_status:
        if (fields.has(part::response_status)) {
          field = "responseStatus";
          e = with_object(v, id == key::la_response_status, level,
                          [&](od::object o, int lvl) { return read_status(o, ev->response_status, lvl); });
        } else {
          e = skip_field(v, level, id);
        }
        break;
      case key::request_object:
      case key::la_request_object:
        if (fields.has(part::request_object)) {
          field = "requestObject";
          e = id == key::la_request_object ? read_raw_dynamic(v, ev->request_object, level)
                                           : read_raw(v, ev->request_object, level);
        } else {
          e = skip_field(v, level, id);
        }
        break;
      case key::response_object:
      case key::la_response_object:
        if (fields.has(part::response_object)) {
          field = "responseObject";
          e = id == key::la_response_object ? read_raw_dynamic(v, ev->response_object, level)
                                            : read_raw(v, ev->response_object, level);
        } else {
          e = skip_field(v, level, id);
        }
        break;
      case key::annotations:
      case key::la_annotations:
        if (fields.has(part::annotations)) {
          field = "annotations";
          e = id == key::la_annotations ? read_raw_dynamic(v, ev->annotations, level) : read_raw(v, ev->annotations, level);
        } else {
          e = skip_field(v, level, id);
        }
        break;
      case key::request_received_timestamp:
      case key::la_request_received_time:
        if (fields.has(part::request_received_timestamp)) { field = "requestReceivedTimestamp"; e = read_string(v, s.rr_text); }
        else e = skip_field(v, level, id);
        break;
      case key::stage_timestamp:
      case key::la_stage_received_time:
        if (fields.has(part::stage_timestamp)) { field = "stageTimestamp"; e = read_string(v, s.st_text); }
        else e = skip_field(v, level, id);
        break;
      default: break;
    }
    return e;
  }

  // Any other member: a v1beta1 field, a container, an envelope key, a Log Analytics column that
  // is not an audit field. Only the general scan reads these.
  [[gnu::noinline]] error_code read_other_member(key id, od::value v, object_scan& s, int depth, int level) {
    event* ev = s.ev;
    error_code e = SUCCESS;
    switch (id) {
      case key::timestamp:
        if (fields.has(part::stage_timestamp) || fields.has(part::request_received_timestamp)) {
          field = "timestamp";
          e = read_string(v, s.ts_text);
        } else {
          e = skip_field(v, level, id);
        }
        break;
      case key::metadata:
        // v1beta1 ObjectMeta (creationTimestamp); in an EventList it is ListMeta: harmless.
        if (fields.has(part::stage_timestamp)) {
          field = "metadata";
          e = with_object(v, false, level, [&](od::object o, int lvl) -> error_code {
            for (auto fr2 : o) {
              od::field f2;
              if (auto e2 = std::move(fr2).get(f2); e2) return e2;
              std::string_view k2;
              if (auto e2 = read_key(f2, k2); e2) return e2;
              if (is(k2, "creationTimestamp")) {
                field = "metadata.creationTimestamp";
                if (auto e2 = read_string(f2.value(), s.created_text); e2) return e2;
              } else if (validate_all) {
                field = "metadata";
                if (auto e2 = validate_value(f2.value(), lvl); e2) return e2;
              }
            }
            return SUCCESS;
          });
        } else {
          e = skip_field(v, level, id);
        }
        break;
      case key::items:
      case key::records:
        if (depth >= 2) {  // containers nest at most inside a top-level array
          e = skip_field(v, level, id);
          break;
        }
        if (!format_allows_container(id)) {
          s.bad_container = true;
          e = skip_field(v, level, id);
          break;
        }
        field = id == key::items ? "items" : "records";
        s.is_container = true;
        // Its items follow in the output; the container's own fields are not needed.
        s.release();
        ev = s.ev;
        e = scan_container(v, depth + 1,
                           id == key::items ? record_format::eventlist_item : record_format::aks_eventhub_record, s,
                           level);
        break;
      case key::category:
      case key::ad_category:
        s.saw_la_column |= id == key::ad_category;
        field = "category";
        e = read_string(v, s.category);
        break;
      case key::operation_name:
        field = "operationName";
        e = read_string(v, s.operation_name);
        break;
      case key::resource_id:
      case key::la_resource_id:
      case key::ad_resource_id:
        field = "resourceId";
        e = read_string(v, ev->origin.resource_id);
        break;
      case key::time:
      case key::la_time_generated:
        field = "time";
        e = read_string(v, ev->origin.time);
        break;
      case key::la_pod_name:
      case key::ad_pod_s:
        field = "pod";
        e = read_string(v, ev->origin.pod);
        break;
      case key::la_type:
        field = "Type";
        e = read_string(v, s.type);
        break;
      case key::properties:
        field = "properties";
        s.saw_properties = true;
        e = with_object(v, false, level, [&](od::object o, int lvl) { return read_properties(o, s, lvl); });
        break;
      case key::ad_log_s:
        field = "log_s";
        s.saw_log_s = true;
        e = read_log(v, s, level);
        break;
      case key::proto_payload:
        s.saw_proto_payload = true;
        e = skip_field(v, level, id);
        break;
      default: break;
    }
    return e;
  }

  template <bool Native>
  [[gnu::always_inline]] error_code scan_members(od::object obj, object_scan& s, int depth, int level, bool& bailed) {
    std::size_t prev = 0;  // next_key's index of the key before
    std::uint64_t seen = 0;  // the keys met
    for (auto fr : obj) {
      od::field f;
      if (auto e = std::move(fr).get(f); e) return e;
      std::string_view k;
      key id;
      key_guess& guess = next_key[prev];
      if (const char* p = f.key().raw(); guess.hits(p)) {
        k = std::string_view(p, guess.length());
        id = guess.id;
      } else {
        if (auto e = read_key(f, k); e) return e;
        id = lookup_key(k);
        if (k.data() == p) guess.set(k, id);  // not an unescaped copy
      }
      prev = static_cast<std::size_t>(id) + 1;
      seen |= key_bit(id);
      // A key this mask does not read (skipped_keys: keep it in step with the member readers).
      if (in(skip_keys, id)) continue;
      od::value v = f.value();
      error_code e = SUCCESS;
      if (in(event_member_keys, id) && (!Native || !in(la_column_keys, id))) {
        e = read_event_member(id, v, s, level);
      } else if constexpr (Native) {
        bailed = true;  // not a plain audit event: the general scan reads the record again
        return SUCCESS;
      } else {
        e = read_other_member(id, v, s, depth, level);
      }
      if (e) return e;
    }
    s.saw_event_key |= (seen & event_keys) != 0;
    s.saw_la_column |= (seen & la_column_keys) != 0;
    return SUCCESS;
  }

  // Every member of an object, whatever it is.
  error_code scan_object(od::object obj, object_scan& s, int depth, int level) {
    bool unused = false;
    return scan_members<false>(obj, s, depth, level, unused);
  }

  // An object read as a plain audit event (audit.k8s.io keys and unknown keys only). At the first
  // other key it stops and sets `bailed`, having emitted nothing: the caller gives the object to
  // scan_object. Its loop has no call to read_other_member, whose mere presence (never taken)
  // slowed the general loop by a tenth on plain events (README, Performance).
  error_code scan_event(od::object obj, object_scan& s, int level, bool& bailed) {
    return scan_members<true>(obj, s, 0, level, bailed);
  }

  error_code read_string_list_dynamic(od::value v, std::span<const std::string_view>& out_list, int level) {
    std::string_view tok;
    tok = v.raw_json_token();
    if (tok.empty() || tok[0] != '"') return read_string_list(v, out_list, level);
    if (inner_busy) return simdjson::INCORRECT_TYPE;
    std::string_view text;
    if (auto e = read_string(v, text); e) return e;
    char* copy = arena_alloc(text.size() + simdjson::SIMDJSON_PADDING);
    if (copy == nullptr) return simdjson::MEMALLOC;
    std::memcpy(copy, text.data(), text.size());
    std::memset(copy + text.size(), ' ', simdjson::SIMDJSON_PADDING);  // simdjson may read it
    od::document doc;
    if (auto e = inner.iterate(copy, text.size(), text.size() + simdjson::SIMDJSON_PADDING).get(doc); e) return e;
    od::array arr;
    if (auto e = doc.get_array().get(arr); e) return e;
    if (auto e = read_string_array(arr, out_list); e) return e;
    const char* rest = nullptr;
    if (!doc.current_location().get(rest)) return simdjson::TRAILING_CONTENT;
    return SUCCESS;
  }

  error_code read_log(od::value v, object_scan& s, int level) {
    std::string_view tok;
    tok = v.raw_json_token();
    if (tok.empty()) return simdjson::TAPE_ERROR;
    if (tok[0] == '"') {
      od::raw_json_string rjs;
      if (auto e = v.get_raw_json_string().get(rjs); e) return e;
      s.log_raw = trim_token(tok);
      s.log_is_string = true;
      return SUCCESS;
    }
    raw_json r;
    if (auto e = read_raw(v, r, level); e) return e;
    s.log_raw = r.text;
    s.log_is_string = false;
    return SUCCESS;
  }

  error_code read_properties(od::object o, object_scan& s, int level) {
    for (auto fr : o) {
      od::field f;
      if (auto e = std::move(fr).get(f); e) return e;
      std::string_view k;
      if (auto e = read_key(f, k); e) return e;
      od::value v = f.value();
      error_code e = SUCCESS;
      if (is(k, "log")) {
        field = "properties.log";
        e = read_log(v, s, level);
      } else if (is(k, "pod")) {
        field = "properties.pod";
        e = read_string(v, s.ev->origin.pod);
      } else if (validate_all) {
        field = "properties";
        e = validate_value(v, level);
      }
      if (e) return e;
    }
    return SUCCESS;
  }

  // ----- containers and outcomes -------------------------------------------------------------
  std::uint64_t line_of(const char* p) noexcept {
    if (p < line_ptr) return place.line;  // never happens for forward iteration
    std::size_t n = static_cast<std::size_t>(p - line_ptr);
    const char* q = line_ptr;
    while (n > 0) {
      const void* nl = std::memchr(q, '\n', n);
      if (nl == nullptr) break;
      ++line_at_ptr;
      std::size_t step = static_cast<std::size_t>(static_cast<const char*>(nl) - q) + 1;
      q += step;
      n -= step;
    }
    line_ptr = p;
    return line_at_ptr;
  }

  record_place place_of(const char* p) noexcept {
    return record_place{place.file, place.offset + static_cast<std::uint64_t>(p - rec_begin), line_of(p)};
  }

  void emit_error(errc code, std::string_view fld, std::string_view detail, const record_place& at) {
    ++pending.records;
    ++pending.errors;
    ++pending.errors_by_code[static_cast<std::size_t>(code)];
    out->errors->push_back(record_error{at.file, error{code, at.line, at.offset, fld, detail}});
  }

  // A record of the wrong shape for the forced input format: valid JSON is checked as for a skip
  // (the caller validates the object), so invalid JSON is invalid_json, not format_mismatch.
  void emit_mismatch(std::string_view detail, const record_place& at) {
    emit_error(errc::format_mismatch, {}, detail, at);
    last_was_skip = true;
  }

  void emit_skip(skip_reason r) {
    last_was_skip = true;
    ++pending.records;
    ++pending.skipped;
    ++pending.skipped_by_reason[static_cast<std::size_t>(r)];
  }

  void emit_event(object_scan& s) {
    ++pending.records;
    ++pending.events;
    s.keep();
  }

  bool format_allows_leaf(record_format f) const noexcept {
    switch (format) {
      case input_format::auto_detect: return true;
      case input_format::jsonl:
      case input_format::eventlist:
      case input_format::array:
        return f == record_format::native || f == record_format::eventlist_item || f == record_format::array_item;
      case input_format::aks: return f == record_format::aks_record || f == record_format::aks_eventhub_record;
      case input_format::loganalytics:
        return f == record_format::loganalytics_row || f == record_format::azure_diagnostics_row;
    }
    return true;
  }

  bool format_allows_container(key id) const noexcept {
    switch (format) {
      case input_format::auto_detect: return true;
      case input_format::eventlist: return id == key::items;
      case input_format::aks: return id == key::records;
      default: return false;
    }
  }

  bool format_allows_array() const noexcept {
    return format == input_format::auto_detect || format == input_format::array || format == input_format::aks ||
           format == input_format::loganalytics;
  }

  // `level`: the nesting level of the object holding the container array `v`.
  error_code scan_container(od::value v, int depth, record_format item_format, object_scan& parent, int level) {
    if (level >= depth_limit) return simdjson::DEPTH_ERROR;
    od::array arr;
    if (auto e = v.get_array().get(arr); e) return e;
    for (auto el : arr) {
      od::value item;
      if (auto e = std::move(el).get(item); e) return e;
      ++parent.container_items;
      if (auto e = scan_item(item, depth, item_format, level + 1); e) return e;
    }
    return SUCCESS;
  }

  // One item of a container: an outcome is emitted unless the error is structural (then the
  // caller rolls the whole record back). `level`: how many arrays/objects enclose the item.
  // An item that is not an event (a skip) is valid JSON: it is walked in full first.
  error_code scan_item(od::value item, int depth, record_format item_format, int level) {
    std::string_view tok;
    tok = item.raw_json_token();
    record_place at = place_of(tok.data());
    if (tok.empty() || tok[0] != '{') {
      if (auto e = validate_value(item, level); e) return e;
      emit_skip(skip_reason::not_an_event);
      return SUCCESS;
    }
    if (level >= depth_limit) return simdjson::DEPTH_ERROR;
    od::object obj;
    if (auto e = item.get_object().get(obj); e) return e;
    const std::size_t before = out->events->size();
    bool skipped = false;
    if (auto e = scan_and_emit(obj, depth, item_format, at, level + 1, skipped); e) return e;
    if (skipped) {
      // The object was only scanned for the keys that matter; check all of it, as a slice of
      // the record (which is padded at its end), with the parser kept for that.
      const char* end = nullptr;
      if (auto e = item.current_location().get(end); e) return e;
      if (end < tok.data()) return simdjson::TAPE_ERROR;
      field = {};
      const auto len = static_cast<std::size_t>(end - tok.data());
      return validate_text(tok.data(), len, static_cast<std::size_t>(rec_padded_end - tok.data()), level);
    }
    if (out->events->size() > before) {
      // The object is consumed: the iterator stands on the next token, which ends the item.
      const char* end = nullptr;
      if (!item.current_location().get(end) && end > tok.data()) {
        out->events->back().origin.record = trim_token(std::string_view(tok.data(), static_cast<std::size_t>(end - tok.data())));
      }
      if (out->events->back().origin.record.empty()) out->events->back().origin.record = trim_token(tok);
    }
    return SUCCESS;
  }

  // Scans one object and emits its outcome; `skipped` tells whether that outcome is a skip
  // (the caller then validates the whole object: a skip is valid JSON).
  // With `bailed` (a top-level record), the object is first read by scan_event; when that stops
  // at a key it does not read, nothing is emitted, *bailed is set, and the caller reads the
  // record again with the general scan.
  error_code scan_and_emit(od::object obj, int depth, record_format item_format, const record_place& at, int level,
                           bool& skipped, bool* bailed = nullptr) {
    object_scan s(*out->events);
    field = {};
    skipped = false;
    error_code e = bailed != nullptr ? scan_event(obj, s, level, *bailed) : scan_object(obj, s, depth, level);
    if (bailed != nullptr && *bailed) return SUCCESS;  // `s` gives its element back
    if (e) {
      s.release();
      if (!item_local(e)) return e;
      emit_error(translate(e), field, simdjson::error_message(e), at);
      // A top-level object left mid-way: the document cannot be checked for trailing content.
      if (depth == 0) abandoned = true;
      return SUCCESS;
    }
    last_was_skip = false;
    finish_object(s, item_format, at);
    skipped = last_was_skip;
    return SUCCESS;
  }

  // Decides what a scanned object was and emits its outcome.
  void finish_object(object_scan& s, record_format item_format, const record_place& at) {
    event& ev = *s.ev;
    if (s.bad_container) return emit_mismatch("a container the input format does not allow", at);
    if (s.is_container) {
      if (s.container_items == 0) emit_skip(skip_reason::empty_container);
      return;
    }
    if (s.saw_proto_payload) return emit_skip(skip_reason::gcp_log_entry);

    ev.origin.file = at.file;
    ev.origin.line = at.line;
    ev.origin.offset = at.offset;

    if (s.saw_properties || s.saw_log_s) {
      record_format f = s.saw_log_s ? record_format::azure_diagnostics_row
                        : item_format == record_format::aks_eventhub_record ? record_format::aks_eventhub_record
                                                                            : record_format::aks_record;
      if (!format_allows_leaf(f)) return emit_mismatch("an AKS / Azure record", at);
      if (!s.category.empty() && !is_audit_category(s.category)) return emit_skip(skip_reason::not_audit_category);
      if (s.log_raw.empty()) {
        if (s.category.empty()) return emit_skip(skip_reason::not_an_event);
        return emit_error(errc::bad_envelope, s.saw_log_s ? "log_s" : "properties.log", "no audit event in the record", at);
      }
      ev.origin.category = s.category;
      ev.origin.format = f;
      return emit_wrapped(s, at);
    }

    if (s.saw_la_column) {
      if (!format_allows_leaf(record_format::loganalytics_row)) {
        return emit_mismatch("a Log Analytics row", at);
      }
      ev.origin.format = record_format::loganalytics_row;
      ev.origin.category = s.category;
      if (ev.origin.category.empty()) {
        if (s.type == "AKSAudit") ev.origin.category = "kube-audit";
        if (s.type == "AKSAuditAdmin") ev.origin.category = "kube-audit-admin";
      }
      if (!s.category.empty() && !is_audit_category(s.category)) return emit_skip(skip_reason::not_audit_category);
    } else if (s.saw_event_key) {
      record_format f = item_format == record_format::unknown ? record_format::native : item_format;
      if (f == record_format::aks_eventhub_record) f = record_format::native;
      if (!format_allows_leaf(f)) return emit_mismatch("a native audit event", at);
      ev.origin.format = f;
    } else {
      return emit_skip(skip_reason::not_an_event);
    }
    std::string_view bad_field;
    if (!resolve_timestamps(s, bad_field)) return emit_error(errc::bad_timestamp, bad_field, "not an RFC 3339 time", at);
    emit_event(s);
  }

  bool resolve_timestamps(object_scan& s, std::string_view& bad) {
    event& ev = *s.ev;
    auto parse = [&](std::string_view text, std::string_view name, timestamp& t) {
      auto r = parse_timestamp(text, time_cache);
      if (!r) {
        bad = name;
        return false;
      }
      t = *r;
      return true;
    };
    std::string_view rr = s.rr_text, rr_name = "requestReceivedTimestamp";
    if (rr.empty()) { rr = s.ts_text; rr_name = "timestamp"; }
    std::string_view st = s.st_text, st_name = "stageTimestamp";
    if (st.empty()) { st = s.created_text; st_name = "metadata.creationTimestamp"; }
    if (st.empty()) { st = s.ts_text; st_name = "timestamp"; }
    if (!rr.empty() && fields.has(part::request_received_timestamp)) {
      if (!parse(rr, rr_name, ev.request_received_timestamp)) return false;
      ev.request_received_timestamp_text = rr;
    }
    if (!st.empty() && fields.has(part::stage_timestamp)) {
      if (!parse(st, st_name, ev.stage_timestamp)) return false;
      ev.stage_timestamp_text = st;
    }
    return true;
  }

  // A wrapped event: properties.log / log_s.
  struct wrapped_log {
    std::string_view raw{};    // string token (quotes kept), or object text, or (decoded) the content
    std::string_view token{};  // decoded: the string in the record
    bool is_string{false};
    bool decoded{false};  // raw is the string's content, already unescaped into the arena, padded
    bool from_log_s{false};
  };

  void emit_wrapped(object_scan& s, const record_place& at) {
    const origin org = s.ev->origin;
    s.release();  // the payload's event takes the envelope's place
    emit_payload({s.log_raw, s.log_token, s.log_is_string, s.log_decoded, s.saw_log_s}, org, at);
  }

  // properties.log / log_s: the event as an escaped string (unescaped once into a padded arena
  // buffer and parsed there) or as an object (parsed in place). `org`: the event's origin.
  void emit_payload(const wrapped_log& w, const origin& org, const record_place& at) {
    std::string_view log_field = w.from_log_s ? "log_s" : "properties.log";
    std::string_view text;
    bool padded = true;
    if (w.decoded) {
      text = w.raw;
    } else if (w.is_string) {
      if (auto e = unescape_token(w.raw, text); e) return emit_error(translate(e), log_field, simdjson::error_message(e), at);
    } else {
      text = w.raw;  // inside the record: readable up to rec_padded_end
      padded = rec_padded_end - (text.data() + text.size()) >= static_cast<std::ptrdiff_t>(simdjson::SIMDJSON_PADDING);
    }
    // Invalid UTF-8 in a log the fast path decoded fails the record, whatever else is wrong in
    // the payload: the general path's first stage, over the whole record, finds it first. (A
    // payload parsed without error has been checked by the event's own first stage.)
    const auto decoded_log_invalid = [&] {
      if (!w.decoded || simdjson::validate_utf8(w.token.data(), w.token.size())) return false;
      decoded_log_error = simdjson::UTF8_ERROR;
      return true;
    };
    std::size_t first = text.find_first_not_of(" \t\r\n");
    if (first == std::string_view::npos || text[first] != '{') {
      if (decoded_log_invalid()) return;
      return emit_error(errc::bad_envelope, log_field, "the payload is not a JSON object", at);
    }
    // The event is read by scan_event, and read again by the general scan when that gives up.
    for (bool plain = fast_paths.enabled;; plain = false) {
      object_scan inner_scan(*out->events);  // `org` must not be an element of the output
      inner_scan.ev->origin = org;
      if (emit_payload_event(text, padded, inner_scan, plain, log_field, at, decoded_log_invalid)) return;
      ++fast_paths.event_bailouts;
    }
  }

  // emit_payload's parse of the event `text` into `inner_scan`, and its outcome. False, with
  // nothing emitted, when `plain` (scan_event) gave up.
  template <class Invalid>
  bool emit_payload_event(std::string_view text, bool padded, object_scan& inner_scan, bool plain,
                          std::string_view log_field, const record_place& at, Invalid&& decoded_log_invalid) {
    std::string_view saved_field = field;
    field = {};
    bool bailed = false;
    error_code e = with_inner_object(text, padded, [&](od::object o, int lvl) {
      return plain ? scan_event(o, inner_scan, lvl, bailed) : scan_object(o, inner_scan, 2, lvl);
    });
    if (bailed) {
      field = saved_field;
      return false;
    }
    if (e) {
      // A wrong type inside the event names its field; a payload that is not valid JSON (or
      // too deep) names the envelope field that holds it.
      std::string_view f = field.empty() || !item_local(e) ? log_field : field;
      field = saved_field;
      if (!decoded_log_invalid()) emit_error(translate(e), f, simdjson::error_message(e), at);
      return true;
    }
    field = saved_field;
    std::string_view bad_field;
    if (!inner_scan.saw_event_key) {
      emit_error(errc::bad_envelope, log_field, "the payload is not an audit event", at);
    } else if (!resolve_timestamps(inner_scan, bad_field)) {
      emit_error(errc::bad_timestamp, bad_field, "not an RFC 3339 time", at);
    } else {
      emit_event(inner_scan);
    }
    return true;
  }

  // Walks a value in full so that invalid JSON in it is reported: values that are not events
  // (array elements, scalars, skipped records) and, with validate_all, every value the parser
  // would otherwise skip. `level`: how many objects/arrays enclose `v`; an object or array
  // deeper than depth_limit is DEPTH_ERROR (the recursion is bounded by it).
  error_code validate_value(od::value v, int level) {
    od::json_type t;
    if (auto e = v.type().get(t); e) return e;
    switch (t) {
      case od::json_type::object: {
        if (level >= depth_limit) return simdjson::DEPTH_ERROR;
        od::object o;
        if (auto e = v.get_object().get(o); e) return e;
        return validate_object(o, level + 1);
      }
      case od::json_type::array: {
        if (level >= depth_limit) return simdjson::DEPTH_ERROR;
        od::array a;
        if (auto e = v.get_array().get(a); e) return e;
        return validate_array(a, level + 1);
      }
      case od::json_type::string: {
        std::string_view sv;
        return v.get_string().get(sv);
      }
      case od::json_type::number: {
        double d;
        error_code e = v.get_double().get(d);
        // Numbers too large for a double (1e400, huge integers) are still valid JSON.
        return e == SUCCESS || json_number_syntax(trim_token(v.raw_json_token())) ? SUCCESS : e;
      }
      case od::json_type::boolean: {
        bool b;
        return v.get_bool().get(b);
      }
      case od::json_type::null: {
        bool n = false;
        if (auto e = v.is_null().get(n); e) return e;
        return n ? SUCCESS : simdjson::N_ATOM_ERROR;
      }
    }
    return SUCCESS;
  }

  // The members of an object at nesting `level` (keys unescaped: a bad escape is an error).
  error_code validate_object(od::object o, int level) {
    for (auto fr : o) {
      od::field f;
      if (auto e = std::move(fr).get(f); e) return e;
      std::string_view k;
      if (auto e = f.unescaped_key().get(k); e) return e;
      if (auto e = validate_value(f.value(), level); e) return e;
    }
    return SUCCESS;
  }

  error_code validate_array(od::array a, int level) {
    for (auto el : a) {
      od::value x;
      if (auto e = std::move(el).get(x); e) return e;
      if (auto e = validate_value(x, level); e) return e;
    }
    return SUCCESS;
  }

  // A whole JSON text [p, p + len) (readable up to p + capacity), walked with the `check`
  // parser: a non-event item of a container, or a JSON text held in a string. `level`: how many
  // objects/arrays enclose it in the record.
  error_code validate_text(const char* p, std::size_t len, std::size_t capacity, int level) {
    od::document doc;
    if (auto e = check.iterate(p, len, capacity).get(doc); e) return e;
    od::json_type t;
    if (auto e = doc.type().get(t); e) return e;
    if (auto e = validate_document(doc, t, level); e) return e;
    const char* rest = nullptr;
    if (!doc.current_location().get(rest)) return simdjson::TRAILING_CONTENT;
    return SUCCESS;
  }

  error_code validate_document(od::document& doc, od::json_type t, int level) {
    switch (t) {
      case od::json_type::object: {
        if (level >= depth_limit) return simdjson::DEPTH_ERROR;
        od::object o;
        if (auto e = doc.get_object().get(o); e) return e;
        return validate_object(o, level + 1);
      }
      case od::json_type::array: {
        if (level >= depth_limit) return simdjson::DEPTH_ERROR;
        od::array a;
        if (auto e = doc.get_array().get(a); e) return e;
        return validate_array(a, level + 1);
      }
      default: return validate_scalar_document(doc, t);
    }
  }

  // ----- top level ---------------------------------------------------------------------------
  std::string_view last_detail{};
  std::string_view last_field{};

  errc parse_record(const char* data, std::size_t len, const record_place& at, record_outputs& o, bool report) {
    out = &o;
    rec_begin = data;
    rec_padded_end = data + len + simdjson::SIMDJSON_PADDING;
    place = at;
    line_ptr = data;
    line_at_ptr = at.line;
    // `pending` is cleared after each record (below), two counters for the usual record instead
    // of the whole struct; every count raises `records`, so records == 0 means all are zero
    // (only an exception thrown out of the last record, bad_alloc, can leave them set).
    if (pending.records != 0) pending = counters{};
    const std::size_t events_before = o.events->size();
    const std::size_t errors_before = o.errors->size();

    error_code e = parse_document(data, len);
    if (e) {
      // The record as a whole is not valid JSON: roll back any items and report one error.
      o.events->resize(events_before);
      o.errors->resize(errors_before);
      pending = counters{};
      if (e == simdjson::UTF8_ERROR && field.empty()) field = field_of_invalid_utf8(data, len);
      last_detail = simdjson::error_message(e);
      last_field = field;
      if (!report) return translate(e);
      emit_error(translate(e), field, last_detail, at);
    }
    if (pending.skipped == 0 && pending.errors == 0) {
      // The usual record: events only (emit_skip / emit_error count their reasons too).
      o.stats->records += pending.records;
      o.stats->events += pending.events;
      pending.records = pending.events = 0;
    } else {
      *o.stats += pending;
      pending = counters{};
    }
    return errc::ok;
  }

  // The fast path for AKS records of the common shape (envelope_scan.h): properties.log is
  // unescaped once, straight into a padded arena buffer, and the envelope is not parsed by
  // simdjson at all. True when the record's outcome is emitted, or is a document-level error
  // left in decoded_log_error; false (nothing emitted, nothing kept) sends the record down the
  // general path.
  bool try_aks_record(const char* data, std::size_t len) {
    aks_envelope env;
    const auto ignorable = [](std::string_view k) { return lookup_key(k) == key::unknown; };
    // UTF-8 is checked here outside properties.log (when a string there has a byte >= 0x80: the
    // envelope scan accepts nothing else but ASCII), and inside it by the event's own parse: the
    // bytes that are not escapes are copied as they are (an invalid sequence there fails the
    // record as it does in the general path: see emit_payload).
    const auto valid_utf8 = [&] {
      const char* lb = env.log_token.data();
      const char* le = lb + env.log_token.size();
      return simdjson::validate_utf8(data, static_cast<std::size_t>(lb - data)) &&
             simdjson::validate_utf8(le, static_cast<std::size_t>(data + len - le));
    };
    if (!scan_aks_envelope(data, len, self.arena_, ignorable, env) || env.log.empty() ||
        (!env.category.empty() && !is_audit_category(env.category)) || (env.high != 0 && !valid_utf8())) {
      if (env.buffer != nullptr) self.arena_.shrink(env.buffer, env.buffer_size, 0);
      return false;
    }
    char* const buf = env.buffer;
    self.arena_.shrink(buf, env.buffer_size, env.log.size() + simdjson::SIMDJSON_PADDING);
    std::memset(buf + env.log.size(), ' ', simdjson::SIMDJSON_PADDING);  // what simdjson may read past the event
    // What finish_object does for an AKS record of an audit category with a log (the format
    // allows it: see aks_fast_path), without an object_scan for the envelope.
    origin org;
    org.file = place.file;
    org.line = place.line;
    org.offset = place.offset;
    org.format = record_format::aks_record;
    org.category = env.category;
    org.resource_id = env.resource_id;
    org.time = env.time;
    org.pod = env.pod;
    last_was_skip = false;
    const std::size_t before = out->events->size();
    emit_payload({env.log, env.log_token, true, true, false}, org, place);
    if (out->events->size() == before + 1) out->events->back().origin.record = trim_token(std::string_view(data, len));
    return true;
  }

  error_code parse_document(const char* data, std::size_t len) {
    od::document doc;
    field = {};
    abandoned = false;
    if (aks_fast_path() && len > 0 && data[0] == '{' && fast_paths.enabled && try_aks_record(data, len)) {
      ++fast_paths.aks_records;
      field = {};
      return std::exchange(decoded_log_error, SUCCESS);
    }
    if (auto e = outer.iterate(data, len, len + simdjson::SIMDJSON_PADDING).get(doc); e) return e;
    od::json_type t;
    if (auto e = doc.type().get(t); e) return e;
    if (t == od::json_type::object) {
      if (depth_limit < 1) return simdjson::DEPTH_ERROR;
      od::object obj;
      if (auto e = doc.get_object().get(obj); e) return e;
      const std::size_t before = out->events->size();
      bool skipped = false;
      bool bailed = false;
      if (fast_paths.enabled) {
        if (auto e = scan_and_emit(obj, 0, record_format::unknown, place, 1, skipped, &bailed); e) return e;
        if (bailed) {
          // Not a plain audit event: read it again, from the start, with the general scan.
          ++fast_paths.event_bailouts;
          doc.rewind();
          if (auto e = doc.get_object().get(obj); e) return e;
        }
      }
      if (!fast_paths.enabled || bailed) {
        if (auto e = scan_and_emit(obj, 0, record_format::unknown, place, 1, skipped); e) return e;
      }
      if (skipped) {
        // Not an event: the scan skipped what it did not need, so walk the whole record again
        // (from the tape simdjson already built): a skip is valid JSON, or the record is an error.
        doc.rewind();
        field = {};
        if (auto e = validate_document(doc, od::json_type::object, 0); e) return e;
      }
      // A leaf record (not a container, whose items carry their own text).
      if (out->events->size() == before + 1 && out->events->back().origin.record.empty()) {
        out->events->back().origin.record = trim_token(std::string_view(data, len));
      }
    } else if (t == od::json_type::array && !format_allows_array()) {
      if (auto e = validate_document(doc, t, 0); e) return e;
      emit_error(errc::format_mismatch, {}, "a JSON array, which the input format does not allow", place);
    } else if (t == od::json_type::array) {
      if (depth_limit < 1) return simdjson::DEPTH_ERROR;
      od::array arr;
      if (auto e = doc.get_array().get(arr); e) return e;
      std::uint64_t n = 0;
      for (auto el : arr) {
        od::value item;
        if (auto e = std::move(el).get(item); e) return e;
        ++n;
        if (auto e = scan_item(item, 1, record_format::array_item, 1); e) return e;
      }
      if (n == 0) emit_skip(skip_reason::empty_container);
    } else {
      // A scalar document: valid JSON, not an event.
      if (auto e = validate_scalar_document(doc, t); e) return e;
      emit_skip(skip_reason::not_an_event);
    }
    const char* rest = nullptr;
    if (!abandoned && !doc.current_location().get(rest)) {
      field = {};
      return simdjson::TRAILING_CONTENT;
    }
    return SUCCESS;
  }

  error_code validate_scalar_document(od::document& doc, od::json_type t) {
    switch (t) {
      case od::json_type::string: {
        std::string_view sv;
        return doc.get_string().get(sv);
      }
      case od::json_type::number: {
        double d;
        error_code e = doc.get_double().get(d);
        std::string_view tok;
        return e == SUCCESS || (!doc.raw_json_token().get(tok) && json_number_syntax(trim_token(tok))) ? SUCCESS : e;
      }
      case od::json_type::boolean: {
        bool b;
        return doc.get_bool().get(b);
      }
      case od::json_type::null: {
        bool n = false;
        if (auto e = doc.is_null().get(n); e) return e;
        return n ? SUCCESS : simdjson::N_ATOM_ERROR;
      }
      default: return SUCCESS;
    }
  }
};

// ---------------------------------------------------------------------------------------------
event_parser::event_parser(const parser_options& options, input_format format)
    : impl_(new impl(*this, options, format)) {}

event_parser::~event_parser() { delete impl_; }

std::size_t event_parser::padding() noexcept { return simdjson::SIMDJSON_PADDING; }

std::string_view event_parser::kernel() noexcept { return SIMDJSON_STRINGIFY(SIMDJSON_BUILTIN_IMPLEMENTATION); }

void event_parser::parse_record(const char* data, std::size_t len, const record_place& place, record_outputs& out) {
  (void)impl_->parse_record(data, len, place, out, true);
}

errc event_parser::try_record(const char* data, std::size_t len, const record_place& place, record_outputs& out) {
  return impl_->parse_record(data, len, place, out, false);
}

std::string_view event_parser::last_detail() const noexcept { return impl_->last_detail; }

std::string_view event_parser::last_field() const noexcept { return impl_->last_field; }

result<event> event_parser::parse_native(const char* data, std::size_t len, std::size_t capacity) {
  if (capacity < len + simdjson::SIMDJSON_PADDING) {
    return unexpected(errc::invalid_json, {}, "insufficient padding");
  }
  arena_.reset();
  auto& events = impl_->single_events;
  auto& errors = impl_->single_errors;
  events.clear();
  errors.clear();
  counters stats;
  record_outputs out{&events, &errors, &stats};
  // A single native event: same machinery, forced to the native shape.
  input_format saved = impl_->format;
  impl_->format = input_format::jsonl;
  (void)impl_->parse_record(data, len, record_place{{}, 0, 0}, out, true);
  impl_->format = saved;
  if (!errors.empty()) return unexpected(errors.front().error);
  if (events.size() != 1) return unexpected(errc::format_mismatch, {}, "not an audit event");
  return events.front();
}

}  // namespace k8saudit::detail
