// SPDX-License-Identifier: Apache-2.0
// Aggregation pipelines: every aggregate against hand-computed results, the operators after
// summarize, compile errors with their columns, merge laws (any split, any merge order), state
// serialisation, thread-count independence through read_parallel, limits, and cell rendering.
#include <doctest/doctest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <k8saudit/aggregate.h>
#include <k8saudit/parallel.h>

#include "test_util.h"

using namespace k8saudit;
namespace fs = std::filesystem;

namespace {

// ----- time units (nanoseconds) -------------------------------------------------------------------

constexpr std::int64_t us = 1'000;
constexpr std::int64_t ms = 1'000'000;
constexpr std::int64_t sec = 1'000'000'000;
constexpr std::int64_t minute = 60 * sec;
constexpr std::int64_t hour = 60 * minute;

std::int64_t ns_of(std::string_view rfc3339) {
  auto t = parse_timestamp(rfc3339);
  REQUIRE(t.has_value());
  return t->time_since_epoch().count();
}

constexpr std::int64_t t0 = 1'759'852'800 * sec;  // 2025-10-07T16:00:00Z (checked below)

std::string rfc3339(std::int64_t ns) {
  char buf[max_timestamp_length];
  const std::size_t n = format_timestamp(timestamp(std::chrono::nanoseconds(ns)), 9, buf);
  return std::string(buf, n);
}

// ----- deterministic randomness -------------------------------------------------------------------

struct lcg {
  std::uint64_t s;
  std::uint32_t below(std::uint32_t n) {
    s = s * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<std::uint32_t>(s >> 33) % n;
  }
  std::size_t below(std::size_t n) { return below(static_cast<std::uint32_t>(n)); }
};

// ----- events -------------------------------------------------------------------------------------

/// What an event of the tests holds; everything else is fixed.
struct spec {
  std::string id;
  std::string stage{"ResponseComplete"};
  std::string verb{"get"};
  std::string user{"alice"};
  std::vector<std::string> groups{};
  std::string ns{};  ///< empty: no namespace
  std::string resource{"pods"};
  std::string name{"obj"};
  int code{200};                 ///< 0: no responseStatus
  std::int64_t received{0};      ///< ns after t0
  std::int64_t latency{-1};      ///< ns; negative: no stageTimestamp
  std::string request_object{};  ///< JSON text; empty: none
};

/// Appends every part to `out` (GCC 12 warns spuriously about `"literal" + std::string`).
template <class... Parts>
void append(std::string& out, const Parts&... parts) {
  (out.append(std::string_view(parts)), ...);
}

std::string event_json(const spec& s) {
  using test::json_quote;
  std::string j = R"({"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata")";
  append(j, R"(,"auditID":)", json_quote(s.id), R"(,"stage":)", json_quote(s.stage));
  append(j, R"(,"requestURI":)", json_quote("/api/v1/" + s.resource), R"(,"verb":)", json_quote(s.verb));
  append(j, R"(,"user":{"username":)", json_quote(s.user), R"(,"groups":[)");
  for (std::size_t i = 0; i < s.groups.size(); ++i) append(j, i ? "," : "", json_quote(s.groups[i]));
  append(j, R"(]},"objectRef":{"resource":)", json_quote(s.resource));
  if (!s.ns.empty()) append(j, R"(,"namespace":)", json_quote(s.ns));
  append(j, R"(,"name":)", json_quote(s.name), "}");
  if (s.code != 0) append(j, R"(,"responseStatus":{"metadata":{},"code":)", std::to_string(s.code), "}");
  if (!s.request_object.empty()) append(j, R"(,"requestObject":)", s.request_object);
  append(j, R"(,"requestReceivedTimestamp":)", json_quote(rfc3339(t0 + s.received)));
  if (s.latency >= 0) append(j, R"(,"stageTimestamp":)", json_quote(rfc3339(t0 + s.received + s.latency)));
  j += "}";
  return j;
}

std::string to_jsonl(const std::vector<spec>& specs) {
  std::string s;
  for (const spec& e : specs) s += event_json(e) + "\n";
  return s;
}

std::vector<owned_event> parse_all(std::string_view jsonl, std::size_t expected) {
  test::read_result r = test::read_all(jsonl);
  REQUIRE(r.errors.empty());
  REQUIRE(r.events.size() == expected);
  return std::move(r.events);
}

std::vector<owned_event> events_of(const std::vector<spec>& specs) { return parse_all(to_jsonl(specs), specs.size()); }

spec mk(std::string id, std::string stage, std::string verb, std::string user, std::vector<std::string> groups,
        std::string ns, int code, std::int64_t received, std::int64_t latency, std::string request_object = {}) {
  spec s;
  s.id = std::move(id);
  s.stage = std::move(stage);
  s.verb = std::move(verb);
  s.user = std::move(user);
  s.groups = std::move(groups);
  s.ns = std::move(ns);
  s.code = code;
  s.received = received;
  s.latency = latency;
  s.request_object = std::move(request_object);
  return s;
}

/// 13 events whose aggregates are computed by hand in the tests below:
///   #  auditID stage  verb    user   groups       ns           code recv   latency  replicas
///   1  a1      RR     get     alice  dev,all      default      -    0      0        -
///   2  a1      RC     get     alice  dev,all      default      200  0      150ms    -
///   3  a2      RC     list    alice  dev,all      default      200  10m    40ms     -
///   4  a3      RC     create  bob    ops,all      prod         201  30m    250ms    3
///   5  a4      RC     delete  bob    ops,all      prod         403  1h     5ms      -
///   6  a5      RC     get     carol  all          kube-system  404  1h1m40 1.2s     -
///   7  a6      RC     update  carol  all,""       kube-system  200  1h30m  90ms     5
///   8  a7      RC     get     ""     -            -            500  2h     30ms     -
///   9  a8      RC     patch   bob    ops,all      prod         200  2h1m40 310ms    2
///  10  a9      RS     watch   alice  dev,all      default      200  2h3m20 20ms     -
///  11  a9      RC     watch   alice  dev,all      default      200  2h3m20 60s      -
///  12  a10     RC     list    dave   dev          prod         200  2h30m  75ms     -
///  13  a11     RR     create  dave   dev          prod         -    2h31m40 -       4
std::vector<spec> crafted_specs() {
  const std::vector<std::string> dev{"dev", "all"}, ops{"ops", "all"};
  const std::string rr = "RequestReceived", rc = "ResponseComplete";
  auto replicas = [](int n) { return R"({"spec":{"replicas":)" + std::to_string(n) + "}}"; };
  return {
      mk("a1", rr, "get", "alice", dev, "default", 0, 0, 0),
      mk("a1", rc, "get", "alice", dev, "default", 200, 0, 150 * ms),
      mk("a2", rc, "list", "alice", dev, "default", 200, 10 * minute, 40 * ms),
      mk("a3", rc, "create", "bob", ops, "prod", 201, 30 * minute, 250 * ms, replicas(3)),
      mk("a4", rc, "delete", "bob", ops, "prod", 403, hour, 5 * ms),
      mk("a5", rc, "get", "carol", {"all"}, "kube-system", 404, 3700 * sec, 1200 * ms),
      mk("a6", rc, "update", "carol", {"all", ""}, "kube-system", 200, 5400 * sec, 90 * ms, replicas(5)),
      mk("a7", rc, "get", "", {}, "", 500, 7200 * sec, 30 * ms),
      mk("a8", rc, "patch", "bob", ops, "prod", 200, 7300 * sec, 310 * ms, replicas(2)),
      mk("a9", "ResponseStarted", "watch", "alice", dev, "default", 200, 7400 * sec, 20 * ms),
      mk("a9", rc, "watch", "alice", dev, "default", 200, 7400 * sec, 60 * sec),
      mk("a10", rc, "list", "dave", {"dev"}, "prod", 200, 9000 * sec, 75 * ms),
      mk("a11", rr, "create", "dave", {"dev"}, "prod", 0, 9100 * sec, -1, replicas(4)),
  };
}

const std::vector<owned_event>& crafted() {
  static const std::vector<owned_event> evs = events_of(crafted_specs());
  return evs;
}

const std::vector<owned_event>& sample() {
  static const std::vector<owned_event> evs = parse_all(test::slurp(fs::path(K8SAUDIT_DATA_DIR) / "sample.jsonl"), 53);
  return evs;
}

/// Varied events with repeated users, verbs, namespaces, latencies and auditIDs.
std::vector<spec> generated_specs(std::size_t n, std::uint64_t seed) {
  static const std::vector<std::string> verbs{"get", "list", "watch", "create", "update", "patch", "delete"};
  static const std::vector<std::string> namespaces{"default", "kube-system", "prod",   "dev", "monitoring", "ingress",
                                                   "team-a",  "team-b",      "team-c", "ci",  "",           "logging"};
  static const std::vector<std::string> resources{"pods", "deployments", "secrets", "configmaps", "leases"};
  static const std::vector<int> codes{200, 200, 200, 200, 201, 204, 403, 404, 409, 500, 0};
  static const std::vector<std::int64_t> common_latencies{1 * ms, 5 * ms, 12 * ms, 50 * ms, 120 * ms, 1 * sec};
  lcg r{seed};
  std::vector<spec> out;
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    spec s;
    s.id = "req-" + std::to_string(r.below(n * 2 / 3 + 1));
    s.stage = r.below(std::uint32_t{5}) == 0 ? "RequestReceived" : "ResponseComplete";
    s.verb = verbs[r.below(verbs.size())];
    const std::uint32_t u = r.below(std::uint32_t{45});
    s.user = u < 37   ? "user-" + std::to_string(u)
             : u < 43 ? "system:serviceaccount:kube-system:sa-" + std::to_string(u % 5)
                      : "";
    s.groups = {"system:authenticated", "team-" + std::to_string(u % 4)};
    if (u % 9 == 0) s.groups.emplace_back("");
    s.ns = namespaces[r.below(namespaces.size())];
    s.resource = resources[r.below(resources.size())];
    s.name = "obj-" + std::to_string(r.below(std::uint32_t{200}));
    s.code = codes[r.below(codes.size())];
    s.received = static_cast<std::int64_t>(i) * 250 * ms + static_cast<std::int64_t>(r.below(std::uint32_t{1000})) * ms;
    if (r.below(std::uint32_t{50}) == 0) {
      s.latency = -1;
    } else if (r.below(std::uint32_t{4}) == 0) {
      s.latency = common_latencies[r.below(common_latencies.size())];
    } else {
      s.latency = static_cast<std::int64_t>(r.below(std::uint32_t{3000})) * ms +
                  static_cast<std::int64_t>(r.below(std::uint32_t{1000})) * us;
    }
    if (s.verb == "create" || s.verb == "update" || s.verb == "patch") {
      s.request_object = r.below(std::uint32_t{6}) == 0
                             ? std::string(R"({"spec":{}})")
                             : R"({"spec":{"replicas":)" + std::to_string(r.below(std::uint32_t{10})) + "}}";
    }
    out.push_back(std::move(s));
  }
  return out;
}

const std::vector<owned_event>& generated() {
  static const std::vector<owned_event> evs = events_of(generated_specs(5000, 42));
  return evs;
}

// ----- running queries ----------------------------------------------------------------------------

query compiled(std::string_view text, query_limits limits = {}) {
  auto q = query::compile(text, limits);
  INFO("query: ", text);
  REQUIRE_MESSAGE(q.has_value(), (q.has_value() ? std::string() : q.error().render()));
  return *q;
}

void feed(query_state& st, const std::vector<owned_event>& evs) {
  for (const owned_event& e : evs) st.add(e.view());
}

table run(std::string_view text, const std::vector<owned_event>& evs, query_limits limits = {}) {
  query_state st = compiled(text, limits).make_state();
  feed(st, evs);
  return st.finish();
}

expression_error compile_error(std::string_view text) {
  auto q = query::compile(text);
  INFO("query: ", text);
  REQUIRE_FALSE(q.has_value());
  return q.error();
}

// ----- reading tables -----------------------------------------------------------------------------

std::size_t column_index(const table& t, std::string_view name) {
  for (std::size_t i = 0; i < t.columns.size(); ++i) {
    if (t.columns[i] == name) return i;
  }
  FAIL("no column " << std::string(name));
  return 0;
}

const value& cell(const table& t, std::size_t row, std::string_view col) {
  REQUIRE(row < t.rows.size());
  const std::size_t c = column_index(t, col);
  REQUIRE(c < t.rows[row].size());
  return t.rows[row][c];
}

/// Each row as its cells' texts joined by '|'.
std::vector<std::string> row_texts(const table& t) {
  std::vector<std::string> out;
  for (const auto& r : t.rows) {
    std::string s;
    for (std::size_t i = 0; i < r.size(); ++i) append(s, i ? "|" : "", to_text(r[i]));
    out.push_back(std::move(s));
  }
  return out;
}

std::string dump(const table& t) {
  std::string s;
  for (const std::string& c : t.columns) s += c + " ";
  s += "\n";
  for (const std::string& r : row_texts(t)) s += r + "\n";
  for (const std::string& n : t.notes) s += "note: " + n + "\n";
  return s;
}

bool same(const table& a, const table& b) { return a.columns == b.columns && a.rows == b.rows && a.notes == b.notes; }

void check_same(const table& got, const table& want) {
  INFO("got:\n", dump(got), "want:\n", dump(want));
  CHECK(same(got, want));
}

value integer(std::int64_t x) {
  value v;
  v.k = value::kind::integer;
  v.integer = x;
  return v;
}
value timespan(std::int64_t ns) {
  value v;
  v.k = value::kind::timespan;
  v.integer = ns;
  return v;
}
value datetime(std::int64_t ns) {
  value v;
  v.k = value::kind::datetime;
  v.integer = ns;
  return v;
}
value real(double x) {
  value v;
  v.k = value::kind::real;
  v.real = x;
  return v;
}
value string_value(std::string s) {
  value v;
  v.k = value::kind::string;
  v.text = std::move(s);
  return v;
}

bool contains(std::string_view hay, std::string_view needle) { return hay.find(needle) != std::string_view::npos; }

/// Whether a note says a limit that makes results split-dependent was hit (make_set's cap is not one).
bool exceeds_exact_limits(const table& t) {
  return std::any_of(t.notes.begin(), t.notes.end(), [](const std::string& n) {
    return contains(n, "HyperLogLog") || contains(n, "beyond the limits");
  });
}

// ----- splitting and merging ----------------------------------------------------------------------

enum class split_mode { contiguous, interleaved, random };
enum class merge_order { forward, reverse, tree };

std::vector<std::vector<std::size_t>> split(std::size_t n, std::size_t k, split_mode mode, std::uint64_t seed) {
  std::vector<std::vector<std::size_t>> parts(k);
  lcg r{seed};
  for (std::size_t i = 0; i < n; ++i) {
    switch (mode) {
      case split_mode::contiguous:
        parts[i * k / n].push_back(i);
        break;
      case split_mode::interleaved:
        parts[i % k].push_back(i);
        break;
      case split_mode::random:
        parts[r.below(k)].push_back(i);
        break;
    }
  }
  return parts;
}

query_state merge_all(const query& q, std::vector<query_state> states, merge_order order) {
  switch (order) {
    case merge_order::forward: {
      query_state acc = q.make_state();
      for (const query_state& s : states) REQUIRE(acc.merge(s).has_value());
      return acc;
    }
    case merge_order::reverse: {
      query_state acc = std::move(states.back());
      for (std::size_t i = states.size() - 1; i-- > 0;) REQUIRE(acc.merge(states[i]).has_value());
      return acc;
    }
    case merge_order::tree:
      while (states.size() > 1) {
        std::vector<query_state> next;
        for (std::size_t i = 0; i < states.size(); i += 2) {
          if (i + 1 < states.size()) REQUIRE(states[i].merge(states[i + 1]).has_value());
          next.push_back(std::move(states[i]));
        }
        states = std::move(next);
      }
      return std::move(states.front());
  }
  return q.make_state();
}

query_state split_and_merge(const query& q, const std::vector<owned_event>& evs,
                            const std::vector<std::vector<std::size_t>>& parts, merge_order order) {
  std::vector<query_state> states;
  for (const auto& part : parts) {
    query_state st = q.make_state();
    for (std::size_t i : part) st.add(evs[i].view());
    states.push_back(std::move(st));
  }
  return merge_all(q, std::move(states), order);
}

/// Queries that cover every aggregate, with and without keys, and the operators after summarize.
const std::vector<std::string>& merge_queries() {
  static const std::vector<std::string> qs{
      "summarize count()",
      "summarize count(), countif(responseStatus.code >= 400), requests()",
      "summarize dcount(user.username), dcount(user.groups), make_set(verb), make_set(user.username, 3)",
      "summarize sum(responseStatus.code), min(responseStatus.code), max(responseStatus.code), "
      "avg(responseStatus.code)",
      "summarize sum(latency), min(latency), max(latency), avg(latency), percentiles(latency, 50, 90, 99)",
      "summarize min(requestReceivedTimestamp), max(stageTimestamp), sum(requestObject.spec.replicas), "
      "avg(requestObject.spec.replicas)",
      "summarize count(), percentile(latency, 99), make_set(objectRef.namespace, 4) by verb",
      "summarize count(), dcount(objectRef.name), requests() by user.username, verb",
      "summarize count(), max(latency) by bin(requestReceivedTimestamp, 1m), bin(responseStatus.code, 100)",
      "where verb != \"watch\" | summarize requests(), avg(latency) by objectRef.namespace | top 5 by requests_",
      "summarize n = count(), r = max(requestObject.spec.replicas) by objectRef.resource, bin(latency, 250ms) "
      "| where n > 3 | order by n asc, objectRef_resource desc | extend twice = n * 2 + 1",
  };
  return qs;
}

// ----- files --------------------------------------------------------------------------------------

class temp_dir {
 public:
  temp_dir() : path_(fs::temp_directory_path() / ("k8saudit-aggregate-" + std::to_string(::getpid()))) {
    fs::create_directories(path_);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  ~temp_dir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  [[nodiscard]] std::string write(const std::string& name, std::string_view data) const {
    const fs::path p = path_ / name;
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out.write(data.data(), static_cast<std::streamsize>(data.size()));
    return p.string();
  }

 private:
  fs::path path_;
};

/// One state per query, fed by one k8saudit::reader pass over `path`.
std::vector<query_state> read_with_reader(const std::vector<query>& qs, const std::string& path,
                                          std::uint64_t* errors = nullptr) {
  std::vector<query_state> states;
  for (const query& q : qs) states.push_back(q.make_state());
  reader rd;
  REQUIRE(rd.open(path).has_value());
  std::uint64_t n_errors = 0;
  const bool ok = rd.for_each(
      [&](const event& e) {
        for (query_state& s : states) s.add(e);
      },
      [&](const record_error&) { ++n_errors; });
  REQUIRE(ok);
  if (errors != nullptr) *errors = n_errors;
  return states;
}

}  // namespace

// =================================================================================================
// 1. Aggregates.

TEST_CASE("aggregate: count, countif and requests on crafted events") {
  const table t = run("summarize count(), countif(responseStatus.code >= 400), requests()", crafted());
  CHECK(t.columns == std::vector<std::string>{"count_", "countif_", "requests_"});
  REQUIRE(t.rows.size() == 1);
  CHECK(t.rows[0] == std::vector<value>{integer(13), integer(3), integer(11)});
  CHECK(t.notes.empty());

  // requests(): a1 and a9 are seen at two stages each and count once.
  const table by_user = run("summarize count(), requests() by user.username", crafted());
  CHECK(row_texts(by_user) == std::vector<std::string>{"|1|1", "alice|5|3", "bob|3|3", "carol|2|2", "dave|2|2"});
}

TEST_CASE("aggregate: keys in runs, alternating or shuffled give the same groups") {
  // A state remembers the group it found last, so that a key equal to the one before costs one
  // compare: keys in long runs, keys alternating every event and the generated order must give
  // the same counts, and those of a plain map.
  std::vector<spec> specs = generated_specs(600, 17);
  std::map<std::string, std::int64_t> want;
  for (const spec& sp : specs) ++want[sp.verb + "|" + sp.ns];
  std::vector<spec> runs = specs;
  std::stable_sort(runs.begin(), runs.end(), [](const spec& a, const spec& b) { return a.verb + a.ns < b.verb + b.ns; });
  std::vector<spec> alternating;  // every 7th of the runs, from each start: keys change at almost every event
  for (std::size_t from = 0; from < 7; ++from) {
    for (std::size_t i = from; i < runs.size(); i += 7) alternating.push_back(runs[i]);
  }
  REQUIRE(alternating.size() == runs.size());
  for (const std::vector<spec>* order : {&specs, &runs, &alternating}) {
    const table t = run("summarize count() by verb, objectRef.namespace", events_of(*order));
    std::map<std::string, std::int64_t> got;
    for (const auto& r : t.rows) {
      REQUIRE(r.size() == 3);
      got[to_text(r[0]) + "|" + to_text(r[1])] += r[2].integer;
    }
    CHECK(got == want);
  }
}

TEST_CASE("aggregate: dcount of string and list fields ignores empty values") {
  const table t =
      run("summarize dcount(user.username), dcount(user.groups), dcount(verb), dcount(objectRef.namespace)", crafted());
  CHECK(t.columns == std::vector<std::string>{"dcount_user_username", "dcount_user_groups", "dcount_verb",
                                              "dcount_objectRef_namespace"});
  REQUIRE(t.rows.size() == 1);
  // users: alice bob carol dave ("" ignored); groups: dev all ops ("" ignored); 7 verbs;
  // namespaces: default prod kube-system (one event has none).
  CHECK(t.rows[0] == std::vector<value>{integer(4), integer(3), integer(7), integer(3)});

  const table per = run("summarize dcount(user.groups) by user.username", crafted());
  CHECK(row_texts(per) == std::vector<std::string>{"|0", "alice|2", "bob|2", "carol|1", "dave|1"});
}

TEST_CASE("aggregate: sum, min, max, avg of an integer field") {
  const table t =
      run("summarize sum(responseStatus.code), min(responseStatus.code), max(responseStatus.code), "
          "avg(responseStatus.code)",
          crafted());
  CHECK(t.columns == std::vector<std::string>{"sum_responseStatus_code", "min_responseStatus_code",
                                              "max_responseStatus_code", "avg_responseStatus_code"});
  REQUIRE(t.rows.size() == 1);
  // 11 events have a code (7 x 200, 201, 403, 404, 500); #1 and #13 have none and are skipped.
  CHECK(t.rows[0][0] == integer(2908));
  CHECK(t.rows[0][1] == integer(200));
  CHECK(t.rows[0][2] == integer(500));
  REQUIRE(t.rows[0][3].k == value::kind::real);
  CHECK(t.rows[0][3].real == doctest::Approx(2908.0 / 11.0));
}

TEST_CASE("aggregate: sum, min, max, avg of latency are timespans") {
  const table t = run("summarize sum(latency), min(latency), max(latency), avg(latency)", crafted());
  CHECK(t.columns == std::vector<std::string>{"sum_latency", "min_latency", "max_latency", "avg_latency"});
  REQUIRE(t.rows.size() == 1);
  // 12 latencies (the last event has no stageTimestamp): 0 150 40 250 5 1200 90 30 310 20 60000 75 ms.
  CHECK(t.rows[0][0] == timespan(62170 * ms));
  CHECK(t.rows[0][1] == timespan(0));
  CHECK(t.rows[0][2] == timespan(60 * sec));
  CHECK(t.rows[0][3] == timespan(std::llround(62170.0 * 1e6 / 12.0)));
  CHECK(to_text(t.rows[0][2]) == "00:01:00");
  CHECK(to_text(t.rows[0][0]) == "00:01:02.1700000");

  // Datetime fields: min / max are datetimes.
  const table d = run("summarize min(requestReceivedTimestamp), max(stageTimestamp)", crafted());
  REQUIRE(d.rows.size() == 1);
  CHECK(d.rows[0][0] == datetime(t0));
  CHECK(d.rows[0][1] == datetime(t0 + 9000 * sec + 75 * ms));  // #12 ends last
}

TEST_CASE("aggregate: sum, min, max, avg of a dynamic number path") {
  const table t =
      run("summarize sum(requestObject.spec.replicas), min(requestObject.spec.replicas), "
          "max(requestObject.spec.replicas), avg(requestObject.spec.replicas), count()",
          crafted());
  CHECK(t.columns == std::vector<std::string>{"sum_requestObject_spec_replicas", "min_requestObject_spec_replicas",
                                              "max_requestObject_spec_replicas", "avg_requestObject_spec_replicas",
                                              "count_"});
  REQUIRE(t.rows.size() == 1);
  // replicas 3, 5, 2, 4 on four events; the others have no requestObject.
  CHECK(t.rows[0] == std::vector<value>{integer(14), integer(2), integer(5), real(3.5), integer(13)});

  // Reals make the results real.
  std::vector<spec> specs;
  for (const char* cpu : {"0.25", "0.5", "2", "0.75"}) {
    spec s;
    s.id = std::string("c") + cpu;
    s.request_object = std::string(R"({"spec":{"cpu":)") + cpu + "}}";
    specs.push_back(s);
  }
  const table r =
      run("summarize sum(requestObject.spec.cpu), min(requestObject.spec.cpu), "
          "max(requestObject.spec.cpu), avg(requestObject.spec.cpu)",
          events_of(specs));
  REQUIRE(r.rows.size() == 1);
  CHECK(r.rows[0] == std::vector<value>{real(3.5), real(0.25), real(2), real(0.875)});
}

TEST_CASE("aggregate: percentile of a dynamic path of reals is a real") {
  // Regression (was a bug): finish_agg maps a dynamic field's kind to integer before the percentile branch, so a
  // percentile over JSON reals is rounded to an integer (its `real` branch is unreachable).
  std::vector<spec> specs;
  for (const char* cpu : {"0.25", "0.5", "0.75"}) {
    spec s;
    s.id = std::string("c") + cpu;
    s.request_object = std::string(R"({"spec":{"cpu":)") + cpu + "}}";
    specs.push_back(s);
  }
  const table r = run("summarize percentile(requestObject.spec.cpu, 50)", events_of(specs));
  REQUIRE(r.rows.size() == 1);
  REQUIRE(r.rows[0][0].k == value::kind::real);
  CHECK(r.rows[0][0].real == doctest::Approx(0.5).epsilon(0.01));
}

TEST_CASE("aggregate: sum and avg of a datetime field are refused; min and max are exact") {
  // Regression: avg()/sum() of timestamps used to overflow an int64 (1970-08-16 for 2025 data).
  for (const char* text : {"summarize avg(requestReceivedTimestamp)", "summarize sum(stageTimestamp)"}) {
    CAPTURE(text);
    auto q = query::compile(text);
    REQUIRE_FALSE(q.has_value());
    CHECK(q.error().message.find("use min() or max()") != std::string::npos);
  }
  auto q = query::compile("summarize min(requestReceivedTimestamp), max(requestReceivedTimestamp)");
  REQUIRE(q.has_value());
  query_state st = q->make_state();
  feed(st, sample());
  const table t = st.finish();
  std::int64_t lo = INT64_MAX, hi = INT64_MIN;
  for (const owned_event& e : sample()) {
    if (!e->has_request_received_timestamp()) continue;
    lo = std::min(lo, e->request_received_timestamp.time_since_epoch().count());
    hi = std::max(hi, e->request_received_timestamp.time_since_epoch().count());
  }
  REQUIRE(t.rows.size() == 1);
  CHECK(t.rows[0][0].k == value::kind::datetime);
  CHECK(t.rows[0][0].integer == lo);
  CHECK(t.rows[0][1].integer == hi);
}

TEST_CASE("aggregate: percentile and percentiles of latency within 1% of the exact value") {
  // 400 events, latencies 3 ms, 6 ms, ..., 1200 ms in a scrambled order.
  std::vector<spec> specs;
  std::vector<std::int64_t> lat;
  for (std::int64_t i = 0; i < 400; ++i) {
    spec s;
    append(s.id, "p", std::to_string(i));
    s.received = i * sec;
    s.latency = (i * 37 % 400 + 1) * 3 * ms;
    lat.push_back(s.latency);
    specs.push_back(s);
  }
  std::sort(lat.begin(), lat.end());
  auto exact = [&](double p) { return lat[static_cast<std::size_t>(std::floor(p / 100.0 * 399.0))]; };
  const table t =
      run("summarize percentile(latency, 99), percentiles(latency, 50, 90), percentile(latency, 0), "
          "percentile(latency, 100), percentile(latency, 99.9)",
          events_of(specs));
  CHECK(t.columns == std::vector<std::string>{"percentile_latency_99", "percentile_latency_50", "percentile_latency_90",
                                              "percentile_latency_0", "percentile_latency_100",
                                              "percentile_latency_99_9"});
  REQUIRE(t.rows.size() == 1);
  const std::vector<double> ps{99, 50, 90, 0, 100, 99.9};
  for (std::size_t i = 0; i < ps.size(); ++i) {
    INFO("percentile ", ps[i]);
    const value& v = t.rows[0][i];
    REQUIRE(v.k == value::kind::timespan);
    const double want = static_cast<double>(exact(ps[i]));
    CHECK(std::abs(static_cast<double>(v.integer) - want) <= 0.01 * want);
  }
  // The extremes are exact.
  CHECK(t.rows[0][3] == timespan(3 * ms));
  CHECK(t.rows[0][4] == timespan(1200 * ms));

  // Integer fields give integers; no value at all gives null.
  const table c = run("summarize percentile(responseStatus.code, 50)", crafted());
  REQUIRE(c.rows.size() == 1);
  REQUIRE(c.rows[0][0].k == value::kind::integer);
  CHECK(std::abs(c.rows[0][0].integer - 200) <= 2);
  const table none = run("where verb == \"nothing\" | summarize percentile(latency, 50)", crafted());
  REQUIRE(none.rows.size() == 1);
  CHECK(none.rows[0][0].k == value::kind::null);
}

TEST_CASE("aggregate: make_set is sorted and bounded, with a note") {
  const table t = run("summarize make_set(verb)", crafted());
  CHECK(t.columns == std::vector<std::string>{"set_verb"});
  REQUIRE(t.rows.size() == 1);
  CHECK(t.rows[0][0].k == value::kind::dynamic);
  CHECK(t.rows[0][0].text == R"(["create","delete","get","list","patch","update","watch"])");
  CHECK(t.notes.empty());

  const table two = run("summarize make_set(verb, 2)", crafted());
  REQUIRE(two.rows.size() == 1);
  CHECK(two.rows[0][0].text == R"(["create","delete"])");
  REQUIRE(two.notes.size() == 1);
  CHECK(contains(two.notes[0], "set_verb"));
  CHECK(contains(two.notes[0], "2 smallest"));

  // Exactly as many distinct values as the bound: no note.
  const table seven = run("summarize make_set(verb, 7)", crafted());
  CHECK(seven.notes.empty());
  CHECK(seven.rows[0][0].text == t.rows[0][0].text);

  // Per group; the default cap comes from the limits.
  const table per =
      run("where objectRef.namespace != \"\" | summarize make_set(user.username) by objectRef.namespace", crafted());
  CHECK(row_texts(per) ==
        std::vector<std::string>{R"(default|["alice"])", R"(kube-system|["carol"])", R"(prod|["bob","dave"])"});
  query_limits small;
  small.max_set_size = 3;
  const table capped = run("summarize make_set(verb)", crafted(), small);
  CHECK(capped.rows[0][0].text == R"(["create","delete","get"])");
  CHECK(capped.notes.size() == 1);
}

TEST_CASE("aggregate: named aggregates and default column names") {
  const table t =
      run("summarize n = count(), users = dcount(user.username), p = percentile(latency, 99), "
          "verbs = make_set(verb)",
          crafted());
  CHECK(t.columns == std::vector<std::string>{"n", "users", "p", "verbs"});
  REQUIRE(t.rows.size() == 1);
  CHECK(cell(t, 0, "n") == integer(13));
  CHECK(cell(t, 0, "users") == integer(4));
  CHECK(cell(t, 0, "verbs").text == R"(["create","delete","get","list","patch","update","watch"])");

  CHECK(contains(compile_error("summarize max(ObjectRef.namespace)").message, "needs a number"));
  const table e =
      run("summarize count(), countif(verb == \"get\"), dcount(user.username), sum(responseStatus.code), "
          "avg(latency), percentile(latency, 99), make_set(verb), requests(), dcount(requestObject.spec.replicas)",
          crafted());
  CHECK(e.columns == std::vector<std::string>{"count_", "countif_", "dcount_user_username", "sum_responseStatus_code",
                                              "avg_latency", "percentile_latency_99", "set_verb", "requests_",
                                              "dcount_requestObject_spec_replicas"});
  REQUIRE(e.rows.size() == 1);
  CHECK(e.rows[0][1] == integer(4));
  CHECK(e.rows[0][8] == integer(4));
}

TEST_CASE("aggregate: keys by one and two fields, named keys, aliases, dynamic paths") {
  const table one = run("summarize count() by verb", crafted());
  CHECK(one.columns == std::vector<std::string>{"verb", "count_"});
  CHECK(row_texts(one) ==
        std::vector<std::string>{"create|2", "delete|1", "get|4", "list|2", "patch|1", "update|1", "watch|2"});
  CHECK(one.rows[0][0] == string_value("create"));

  const table two = run("summarize count() by user.username, verb", crafted());
  CHECK(two.columns == std::vector<std::string>{"user_username", "verb", "count_"});
  CHECK(row_texts(two) == std::vector<std::string>{"|get|1", "alice|get|2", "alice|list|1", "alice|watch|2",
                                                   "bob|create|1", "bob|delete|1", "bob|patch|1", "carol|get|1",
                                                   "carol|update|1", "dave|create|1", "dave|list|1"});

  const table named = run("summarize count() by ns = objectRef.namespace", crafted());
  CHECK(named.columns == std::vector<std::string>{"ns", "count_"});
  CHECK(row_texts(named) == std::vector<std::string>{"|1", "default|5", "kube-system|2", "prod|5"});

  const table alias = run("summarize count() by Verb", crafted());
  CHECK(alias.columns == std::vector<std::string>{"Verb", "count_"});
  CHECK(alias.rows == one.rows);

  const table dyn = run("summarize count() by requestObject.spec.replicas", crafted());
  CHECK(dyn.columns == std::vector<std::string>{"requestObject_spec_replicas", "count_"});
  CHECK(row_texts(dyn) == std::vector<std::string>{"|9", "2|1", "3|1", "4|1", "5|1"});
  CHECK(dyn.rows[0][0].k == value::kind::null);
  CHECK(dyn.rows[1][0] == integer(2));

  // Keys of aggregates computed per group.
  const table per = run("summarize count(), dcount(verb), max(latency) by user.username", crafted());
  CHECK(row_texts(per) == std::vector<std::string>{"|1|1|00:00:00.0300000", "alice|5|3|00:01:00",
                                                   "bob|3|3|00:00:00.3100000", "carol|2|2|00:00:01.2000000",
                                                   "dave|2|2|00:00:00.0750000"});
}

// A group key is built in a small fixed buffer and moves to a string when it outgrows it: keys
// on both sides of that size, mixed, group exactly.
TEST_CASE("aggregate: keys longer than the key buffer group exactly") {
  std::vector<spec> specs;
  std::map<std::pair<std::string, std::string>, std::int64_t> expected;
  lcg g{7};
  for (int i = 0; i < 300; ++i) {
    spec s;
    s.id = "id-" + std::to_string(i);
    // 1 to 400 bytes of user name: keys from a few bytes to well past the buffer
    s.user = std::string(1 + g.below(std::size_t{400}), static_cast<char>('a' + g.below(std::size_t{3})));
    s.resource = g.below(std::size_t{2}) == 0 ? "pods" : std::string(200, 'r');
    ++expected[{s.user, s.resource}];
    specs.push_back(s);
  }
  const table t = run("summarize count() by user.username, objectRef.resource", events_of(specs));
  REQUIRE(t.rows.size() == expected.size());
  std::size_t long_keys = 0;
  for (const auto& row : t.rows) {
    const std::pair<std::string, std::string> k{std::string(row[0].text), std::string(row[1].text)};
    CAPTURE(k.first.size());
    REQUIRE(expected.count(k) == 1);
    CHECK(row[2] == integer(expected[k]));
    long_keys += k.first.size() + k.second.size() > 240 ? 1 : 0;
  }
  CHECK(long_keys > 10);
  CHECK(long_keys < t.rows.size());
}

TEST_CASE("aggregate: bin keys on datetime, timespan and integer fields") {
  const table hours = run("summarize count() by bin(requestReceivedTimestamp, 1h)", crafted());
  CHECK(hours.columns == std::vector<std::string>{"requestReceivedTimestamp", "count_"});
  REQUIRE(hours.rows.size() == 3);
  CHECK(hours.rows[0] == std::vector<value>{datetime(t0), integer(4)});
  CHECK(hours.rows[1] == std::vector<value>{datetime(t0 + hour), integer(3)});
  CHECK(hours.rows[2] == std::vector<value>{datetime(t0 + 2 * hour), integer(6)});
  CHECK(to_text(hours.rows[1][0]) == "2025-10-07T17:00:00.0000000Z");

  const table lat = run("summarize count() by bin(latency, 100ms)", crafted());
  CHECK(lat.columns == std::vector<std::string>{"latency", "count_"});
  REQUIRE(lat.rows.size() == 7);
  CHECK(lat.rows[0][0].k == value::kind::null);  // the event without stageTimestamp: null sorts first
  CHECK(lat.rows[0][1] == integer(1));
  CHECK(lat.rows[1] == std::vector<value>{timespan(0), integer(7)});
  CHECK(lat.rows[2] == std::vector<value>{timespan(100 * ms), integer(1)});
  CHECK(lat.rows[3] == std::vector<value>{timespan(200 * ms), integer(1)});
  CHECK(lat.rows[4] == std::vector<value>{timespan(300 * ms), integer(1)});
  CHECK(lat.rows[5] == std::vector<value>{timespan(1200 * ms), integer(1)});
  CHECK(lat.rows[6] == std::vector<value>{timespan(60 * sec), integer(1)});

  const table codes = run("summarize count() by class = bin(responseStatus.code, 100)", crafted());
  CHECK(codes.columns == std::vector<std::string>{"class", "count_"});
  CHECK(row_texts(codes) == std::vector<std::string>{"|2", "200|8", "400|2", "500|1"});
  CHECK(codes.rows[1][0] == integer(200));
}

TEST_CASE("aggregate: summarize without by over no events gives one row") {
  const std::vector<owned_event> none;
  const table t = run("summarize count(), dcount(verb), sum(latency), make_set(verb), requests()", none);
  REQUIRE(t.rows.size() == 1);
  CHECK(t.rows[0][0] == integer(0));
  CHECK(t.rows[0][1] == integer(0));
  CHECK(t.rows[0][2].k == value::kind::null);
  CHECK(t.rows[0][3].text == "[]");
  CHECK(t.rows[0][4] == integer(0));

  // Also when the where clause keeps nothing; with keys: no rows.
  const table filtered = run("where verb == \"nothing\" | summarize count()", crafted());
  REQUIRE(filtered.rows.size() == 1);
  CHECK(filtered.rows[0][0] == integer(0));
  CHECK(run("summarize count() by verb", none).rows.empty());

  query_state st = compiled("where verb == \"get\" | summarize count()").make_state();
  feed(st, crafted());
  CHECK(st.events_seen() == 13);
  CHECK(st.events_matched() == 4);
}

// =================================================================================================
// 2. Pipelines.

TEST_CASE("aggregate: leading where clauses are and-ed; a table name prefix is accepted") {
  CHECK(run("where verb == \"get\" | summarize count()", crafted()).rows[0][0] == integer(4));
  CHECK(run("where verb == \"get\" | where responseStatus.code >= 400 | summarize count()", crafted()).rows[0][0] ==
        integer(2));
  CHECK(run("where verb == \"get\" | filter responseStatus.code >= 400 | where user.username == \"carol\" "
            "| summarize count()",
            crafted())
            .rows[0][0] == integer(1));
  CHECK(run("AKSAudit | where verb == \"get\" | summarize count()", crafted()).rows[0][0] == integer(4));
  CHECK(run("AKSAuditAdmin | summarize count()", crafted()).rows[0][0] == integer(13));

  // The where clauses drive the fields the query reads.
  const query q = compiled("where verb == \"get\" | summarize count() by user.username");
  CHECK(q.fields().has(part::verb));
  CHECK(q.fields().has(part::user));
  CHECK_FALSE(q.fields().has(part::request_object));
  CHECK_FALSE(q.required_literals().empty());
}

TEST_CASE("aggregate: top, order by, take on crafted events") {
  CHECK(row_texts(run("summarize count() by verb | top 3 by count_", crafted())) ==
        std::vector<std::string>{"get|4", "create|2", "list|2"});
  CHECK(row_texts(run("summarize count() by verb | top 2 by count_ asc", crafted())) ==
        std::vector<std::string>{"delete|1", "patch|1"});
  CHECK(row_texts(run("summarize count() by verb | top 2 by verb desc", crafted())) ==
        std::vector<std::string>{"watch|2", "update|1"});
  CHECK(row_texts(run("summarize count() by verb | order by count_", crafted())) ==
        std::vector<std::string>{"get|4", "create|2", "list|2", "watch|2", "delete|1", "patch|1", "update|1"});
  CHECK(row_texts(run("summarize count() by verb | sort by count_ asc, verb desc", crafted())) ==
        std::vector<std::string>{"update|1", "patch|1", "delete|1", "watch|2", "list|2", "create|2", "get|4"});
  CHECK(row_texts(run("summarize count() by verb | take 2", crafted())) ==
        std::vector<std::string>{"create|2", "delete|1"});
  CHECK(row_texts(run("summarize count() by verb | limit 1", crafted())) == std::vector<std::string>{"create|2"});
  CHECK(run("summarize count() by verb | take 0", crafted()).rows.empty());
  CHECK(run("summarize count() by verb | top 100 by count_", crafted()).rows.size() == 7);
}

TEST_CASE("aggregate: project, extend, where after summarize") {
  const table p =
      run("summarize count(), dcount(user.username) by verb | project verb, users = dcount_user_username", crafted());
  CHECK(p.columns == std::vector<std::string>{"verb", "users"});
  CHECK(row_texts(p) == std::vector<std::string>{"create|2", "delete|1", "get|2", "list|2", "patch|1", "update|1",
                                                 "watch|1"});  // get: alice, carol ("" ignored)

  const table pct = run("summarize count() by verb | extend pct = count_ * 100 / 13", crafted());
  CHECK(pct.columns == std::vector<std::string>{"verb", "count_", "pct"});
  CHECK(row_texts(pct) == std::vector<std::string>{"create|2|15", "delete|1|7", "get|4|30", "list|2|15", "patch|1|7",
                                                   "update|1|7", "watch|2|15"});
  // * before +, - and + left to right, reals with a real operand, timespans stay timespans.
  const table a =
      run("summarize count(), max(latency) by verb | where verb == \"get\" | extend x = 1 + count_ * 2 "
          "| extend y = count_ - 1 - 1 | extend z = count_ / 8.0 | extend w = max_latency * 2 "
          "| extend v = 10 - count_ * 2 + 3",
          crafted());
  CHECK(a.columns == std::vector<std::string>{"verb", "count_", "max_latency", "x", "y", "z", "w", "v"});
  REQUIRE(a.rows.size() == 1);
  CHECK(a.rows[0][3] == integer(9));
  CHECK(a.rows[0][4] == integer(2));
  CHECK(a.rows[0][5] == real(0.5));
  CHECK(a.rows[0][6] == timespan(2400 * ms));
  CHECK(a.rows[0][7] == integer(5));
  // Division by zero is null.
  CHECK(run("summarize count() | extend q = count_ / 0", crafted()).rows[0][1].k == value::kind::null);

  CHECK(row_texts(run("summarize count() by verb | where count_ > 1", crafted())) ==
        std::vector<std::string>{"create|2", "get|4", "list|2", "watch|2"});
  CHECK(row_texts(run("summarize count() by verb | where count_ >= 2 and verb != \"get\" | order by verb",
                      crafted())) == std::vector<std::string>{"watch|2", "list|2", "create|2"});
  CHECK(row_texts(run("summarize n = count(), m = max(latency) by verb | where m > 1s | project verb", crafted())) ==
        std::vector<std::string>{"get", "watch"});
  CHECK(row_texts(run("summarize count() by h = bin(requestReceivedTimestamp, 1h) "
                      "| where h >= datetime(2025-10-07T17:00:00Z) | project count_",
                      crafted())) == std::vector<std::string>{"3", "6"});
  CHECK(row_texts(run("summarize avg(responseStatus.code) by verb | where avg_responseStatus_code > 300 | project verb",
                      crafted())) == std::vector<std::string>{"delete", "get"});

  // Operators chain on the columns the previous one left.
  CHECK(row_texts(run("summarize count() by verb | extend x = count_ * 10 - 1 | top 2 by x", crafted())) ==
        std::vector<std::string>{"get|4|39", "create|2|19"});
  CHECK(row_texts(run("summarize count(), m = max(latency) by verb | project c = count_, verb | extend d = c * 2 "
                      "| where d >= 4 | order by verb asc | take 3",
                      crafted())) == std::vector<std::string>{"2|create|4", "4|get|8", "2|list|4"});
}

TEST_CASE("aggregate: extend divides a timespan by a timespan into a number") {
  // Regression (was a bug): detail::arith gives timespan / timespan the kind timespan with integer division of the
  // nanoseconds: `summarize m = max(latency) | extend r = m / 1s` over the crafted events (max
  // latency 60s) gives the timespan 60 ns, rendered "00:00:00.0000000", instead of the number 60
  // (KQL: timespan / timespan is a real).
  const table t = run("summarize m = max(latency) | extend r = m / 1s", crafted());
  REQUIRE(t.rows.size() == 1);
  const value& r = t.rows[0][1];
  CHECK(r.k != value::kind::timespan);
  CHECK(r == (r.k == value::kind::real ? real(60) : integer(60)));
}

TEST_CASE("aggregate: pipelines over the 53 sample events") {
  const std::vector<owned_event>& evs = sample();
  std::map<std::string, std::int64_t> by_verb, errors_by_user;
  std::set<std::string> ids;
  for (const owned_event& e : evs) {
    ++by_verb[std::string(e->verb)];
    if (e->response_status.code >= 400) ++errors_by_user[std::string(e->user.username)];
    ids.insert(std::string(e->audit_id));
  }
  CHECK(ids.size() == 26);

  const table t = run("summarize count() by verb | extend pct = count_ * 100 / 53", evs);
  std::vector<std::string> want;
  for (const auto& [v, n] : by_verb) want.push_back(v + "|" + std::to_string(n) + "|" + std::to_string(n * 100 / 53));
  CHECK(row_texts(t) == want);

  // order by count_ desc then verb asc, computed here.
  std::vector<std::pair<std::string, std::int64_t>> sorted(by_verb.begin(), by_verb.end());
  std::stable_sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  std::vector<std::string> top3;
  for (std::size_t i = 0; i < 3 && i < sorted.size(); ++i)
    top3.push_back(sorted[i].first + "|" + std::to_string(sorted[i].second));
  CHECK(row_texts(run("summarize count() by verb | top 3 by count_", evs)) == top3);
  CHECK(row_texts(run("summarize count() by verb | top 1 by count_", evs)) == std::vector<std::string>{"update|14"});

  std::vector<std::string> errs;
  for (const auto& [u, n] : errors_by_user) errs.push_back(u + "|" + std::to_string(n));
  CHECK(row_texts(run("where responseStatus.code >= 400 | summarize count() by user.username", evs)) == errs);

  const table r = run("summarize count(), requests()", evs);
  CHECK(r.rows[0] == std::vector<value>{integer(53), integer(26)});
}

// =================================================================================================
// 3. Errors.

TEST_CASE("aggregate: compile errors name the problem and its column") {
  {
    const std::string q = "summarize cnt() by verb";
    const expression_error e = compile_error(q);
    CHECK(contains(e.message, "unknown aggregate 'cnt'"));
    CHECK(e.column == q.find("cnt") + 1);
    CHECK(e.expression == q);
  }
  {
    const std::string q = "summarize count() by verb | top 3 by cnt";
    const expression_error e = compile_error(q);
    CHECK(contains(e.message, "unknown column 'cnt'"));
    CHECK(contains(e.message, "verb count_"));
    CHECK(e.column == q.rfind("cnt") + 1);
  }
  {
    const std::string q = "summarize count() by verb | project verb | order by count_";
    const expression_error e = compile_error(q);
    CHECK(contains(e.message, "unknown column 'count_'; the columns are: verb"));
  }
  {
    const std::string q = "where verb == \"get\" | top 3 by count_";
    const expression_error e = compile_error(q);
    CHECK(contains(e.message, "summarize"));
    CHECK(contains(e.message, "k8saudit filter"));
    CHECK(e.column == q.find("top") + 1);
  }
  {
    const std::string q = "where verb == \"get\"";
    const expression_error e = compile_error(q);
    CHECK(contains(e.message, "needs a summarize"));
    CHECK(e.column == q.size() + 1);
  }
  {
    const std::string q = "summarize count() by bin(verb, 1h)";
    const expression_error e = compile_error(q);
    CHECK(contains(e.message, "bin()"));
    CHECK(e.column == q.find("1h") + 1);
  }
  CHECK(contains(compile_error("summarize count() by bin(latency, 100)").message, "bin()"));
  CHECK(contains(compile_error("summarize count() by bin(responseStatus.code, 1h)").message, "bin()"));
  CHECK(contains(compile_error("summarize count() by bin(latency, 0s)").message, "positive"));
  {
    const std::string q = "summarize count() by user.groups";
    const expression_error e = compile_error(q);
    CHECK(contains(e.message, "'user.groups' is a list"));
    CHECK(e.column == q.find("user.groups") + 1);
  }
  {
    const std::string q = "summarize percentile(latency, 101)";
    const expression_error e = compile_error(q);
    CHECK(contains(e.message, "from 0 to 100"));
    CHECK(e.column == q.find("101") + 1);
  }
  CHECK(contains(compile_error("summarize percentiles(latency, 50, 100.5)").message, "from 0 to 100"));
  CHECK(contains(compile_error("summarize p = percentiles(latency, 50, 90)").message, "cannot be named"));
  CHECK(contains(compile_error("summarize make_set(verb, 0)").message, "make_set"));
  CHECK(contains(compile_error("summarize sum(verb)").message, "needs a number"));
  CHECK(contains(compile_error("summarize count(), count()").message, "two columns are named 'count_'"));
  CHECK(contains(compile_error("summarize n = count(), n = dcount(verb)").message, "two columns are named 'n'"));
  CHECK(contains(compile_error("summarize verb = count() by verb").message, "two columns are named 'verb'"));
  CHECK(contains(compile_error("summarize count() | summarize count()").message, "only one summarize"));
  CHECK(contains(compile_error("summarize count() | frobnicate").message, "unknown operator 'frobnicate'"));
  CHECK(contains(compile_error("summarize count() by verb | extend count_ * 2").message, "name = expression"));
  CHECK(contains(compile_error("summarize count() by verb | where count_ has 3").message, "compares a column"));
}

TEST_CASE("aggregate: a bad where clause points into the whole pipeline") {
  {
    const std::string q = "AKSAudit | where verb == \"get\" | where vreb == \"x\" | summarize count()";
    const expression_error e = compile_error(q);
    CHECK(contains(e.message, "vreb"));
    CHECK(e.column == q.find("vreb") + 1);
    // The caret in the rendering sits under the column.
    const std::string r = e.render();
    const auto nl = r.rfind('\n');
    REQUIRE(nl != std::string::npos);
    const std::string caret_line = r.substr(nl + 1);
    const auto prev_nl = r.rfind('\n', nl - 1);
    const std::string text_line = r.substr(prev_nl + 1, nl - prev_nl - 1);
    const auto caret = caret_line.find('^');
    REQUIRE(caret != std::string::npos);
    CHECK(text_line.substr(caret, 4) == "vreb");
  }
  {
    const std::string q = "where verb == \"get\" | where responseStatus.code == \"abc\" | summarize count()";
    const expression_error e = compile_error(q);
    CHECK(e.column > q.find("responseStatus"));
    CHECK(e.column <= q.find("\"abc\"") + 1);
  }
  {
    const std::string q = "summarize countif(responseStatus.code == \"abc\")";
    const expression_error e = compile_error(q);
    CHECK(e.column > q.find("responseStatus"));
    CHECK(e.column <= q.find("\"abc\"") + 1);
  }
  {
    const std::string q = "where verb == | summarize count()";
    const expression_error e = compile_error(q);
    CHECK(e.column == q.find("|") + 1);
  }
}

TEST_CASE("aggregate: extend and project cannot make two columns of one name") {
  // Regression (was a bug): the duplicate-name check runs after summarize only; extend and project append or rename
  // into a name that already exists, and the later column can never be referred to.
  CHECK(contains(compile_error("summarize count() by verb | extend count_ = count_ * 2").message, "two columns"));
  CHECK(contains(compile_error("summarize count() by verb | project a = verb, a = count_").message, "two columns"));
}

// =================================================================================================
// 4. Merge laws.

TEST_CASE("aggregate: merged states of any split equal one state fed everything") {
  struct input {
    const char* name;
    const std::vector<owned_event>* events;
  };
  const std::vector<input> inputs{{"sample", &sample()}, {"generated", &generated()}, {"crafted", &crafted()}};
  for (const input& in : inputs) {
    for (const std::string& text : merge_queries()) {
      const query q = compiled(text);
      query_state whole = q.make_state();
      feed(whole, *in.events);
      const table want = whole.finish();
      CHECK_FALSE(exceeds_exact_limits(want));
      std::uint64_t combos = 0;
      for (std::size_t k : {std::size_t{1}, std::size_t{2}, std::size_t{3}, std::size_t{7}}) {
        for (split_mode mode : {split_mode::contiguous, split_mode::interleaved, split_mode::random}) {
          const auto parts = split(in.events->size(), k, mode, 1000 + k);
          for (merge_order order : {merge_order::forward, merge_order::reverse, merge_order::tree}) {
            INFO("input ", in.name, ", query ", text, ", k ", k, ", mode ", static_cast<int>(mode), ", order ",
                 static_cast<int>(order));
            const query_state merged = split_and_merge(q, *in.events, parts, order);
            CHECK(merged.events_seen() == whole.events_seen());
            CHECK(merged.events_matched() == whole.events_matched());
            check_same(merged.finish(), want);
            ++combos;
          }
        }
      }
      CHECK(combos == 36);
    }
  }
}

TEST_CASE("aggregate: merging is exact for dcount below the exact limit and for percentiles") {
  // Many distinct values: the distinct counter stays exact, so the merged count is the true one.
  std::vector<spec> specs = generated_specs(3000, 9);
  std::set<std::string> names;
  for (std::size_t i = 0; i < specs.size(); ++i) {
    specs[i].name = "n-" + std::to_string(i % 2500);
    names.insert(specs[i].name);
  }
  const std::vector<owned_event> evs = events_of(specs);
  const query q = compiled("summarize dcount(objectRef.name), percentiles(latency, 10, 50, 99.9)");
  const query_state merged = split_and_merge(q, evs, split(evs.size(), 5, split_mode::random, 3), merge_order::tree);
  const table t = merged.finish();
  REQUIRE(t.rows.size() == 1);
  CHECK(t.rows[0][0] == integer(static_cast<std::int64_t>(names.size())));
  CHECK(t.notes.empty());
  check_same(t, run(q.text(), evs));
}

TEST_CASE("aggregate: merging states of different queries fails and changes nothing") {
  const query a = compiled("summarize count() by verb");
  const query b = compiled("summarize count() by user.username");
  query_state sa = a.make_state();
  query_state sb = b.make_state();
  feed(sa, crafted());
  feed(sb, crafted());
  const table before = sa.finish();
  const auto r = sa.merge(sb);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == errc::format_mismatch);
  check_same(sa.finish(), before);
  CHECK(sa.events_seen() == 13);

  // A state merges with a state of the same query compiled again.
  query_state sa2 = compiled("summarize count() by verb").make_state();
  feed(sa2, crafted());
  REQUIRE(sa.merge(sa2).has_value());
  CHECK(sa.finish().rows[0][1] == integer(4));  // create: 2 + 2
}

// =================================================================================================
// 5. Serialisation.

TEST_CASE("aggregate: serialised states round-trip, merge, and are canonical") {
  for (const std::string& text : merge_queries()) {
    INFO("query: ", text);
    const query q = compiled(text);
    query_state st = q.make_state();
    feed(st, generated());
    std::string bytes;
    st.serialize(bytes);
    auto back = query_state::deserialize(bytes);
    REQUIRE_MESSAGE(back.has_value(), (back.has_value() ? std::string() : message(back.error())));
    check_same(back->finish(), st.finish());
    CHECK(back->events_seen() == st.events_seen());
    CHECK(back->events_matched() == st.events_matched());
    CHECK(back->source().text() == text);
    std::string again;
    back->serialize(again);
    CHECK(again == bytes);

    // Equal states give equal bytes (a second state fed the same events; serialize appends).
    query_state twin = q.make_state();
    feed(twin, generated());
    std::string twin_bytes = "prefix";
    twin.serialize(twin_bytes);
    CHECK(twin_bytes == "prefix" + bytes);

    // A deserialised state merges: halves saved and restored equal the whole.
    const auto parts = split(generated().size(), 2, split_mode::interleaved, 0);
    std::vector<std::string> saved;
    for (const auto& part : parts) {
      query_state s = q.make_state();
      for (std::size_t i : part) s.add(generated()[i].view());
      s.serialize(saved.emplace_back());
    }
    auto first = query_state::deserialize(saved[0]);
    auto second = query_state::deserialize(saved[1]);
    REQUIRE(first.has_value());
    REQUIRE(second.has_value());
    REQUIRE(first->merge(*second).has_value());
    check_same(first->finish(), st.finish());
    // ... and merges with a live state of the query.
    query_state live = q.make_state();
    REQUIRE(live.merge(*first).has_value());
    check_same(live.finish(), st.finish());
  }

  // Integer-only aggregates: the feeding order does not change the bytes.
  const query q =
      compiled("summarize count(), dcount(user.username), make_set(verb, 3), sum(latency) by objectRef.namespace");
  query_state fwd = q.make_state(), rev = q.make_state();
  feed(fwd, generated());
  for (std::size_t i = generated().size(); i-- > 0;) rev.add(generated()[i].view());
  std::string a, b;
  fwd.serialize(a);
  rev.serialize(b);
  CHECK(a == b);
}

TEST_CASE("aggregate: deserialize rejects a group saved twice") {
  // Layout (see query_state::serialize): magic, text (u64 length + bytes), seen, matched,
  // overflow, group count, then the groups. Duplicate the only group.
  const query q = compiled("summarize count() by verb");
  query_state st = q.make_state();
  st.add(crafted()[0].view());
  std::string bytes;
  st.serialize(bytes);
  const std::size_t count_at = bytes.find(q.text()) + q.text().size() + 3 * 8;
  REQUIRE(count_at + 8 <= bytes.size());
  REQUIRE(bytes[count_at] == 1);
  const std::string group = bytes.substr(count_at + 8);
  std::string twice = bytes + group;
  twice[count_at] = 2;
  auto r = query_state::deserialize(twice);
  if (r.has_value()) {
    const table t = r->finish();
    CHECK(t.rows.size() == 1);
  } else {
    CHECK(r.error().code == errc::format_mismatch);
  }
}

TEST_CASE("aggregate: finish does not change the state") {
  query_state st = compiled("summarize count(), make_set(verb, 2) by user.username").make_state();
  feed(st, crafted());
  const table a = st.finish();
  check_same(st.finish(), a);
  st.add(crafted()[0].view());
  const table b = st.finish();
  CHECK(cell(b, 1, "count_") == integer(6));  // alice: 5 + 1
  CHECK(b.rows.size() == a.rows.size());
}

TEST_CASE("aggregate: deserialize rejects foreign bytes and a mismatched magic") {
  CHECK_FALSE(query_state::deserialize("").has_value());
  CHECK_FALSE(query_state::deserialize("hello world").has_value());
  query_state st = compiled("summarize count()").make_state();
  std::string bytes;
  st.serialize(bytes);
  CHECK(query_state::deserialize(bytes).has_value());
  CHECK_FALSE(query_state::deserialize(bytes + "x").has_value());
  std::string other_version = bytes;
  other_version[other_version.find('1')] = '2';
  CHECK_FALSE(query_state::deserialize(other_version).has_value());
}

TEST_CASE("aggregate: deserialize of truncated or corrupted states never crashes") {
  const query q = compiled(
      "summarize count(), dcount(user.username), percentile(latency, 90), make_set(verb, 3), "
      "sum(responseStatus.code) by verb, bin(latency, 100ms)");
  query_state st = q.make_state();
  for (std::size_t i = 0; i < 6; ++i) st.add(crafted()[i].view());
  std::string bytes;
  st.serialize(bytes);
  REQUIRE(bytes.size() < 4096);

  for (std::size_t n = 0; n < bytes.size(); ++n) {
    INFO("prefix of ", n, " bytes");
    CHECK_FALSE(query_state::deserialize(std::string_view(bytes).substr(0, n)).has_value());
  }

  std::uint64_t accepted = 0, rejected = 0;
  for (std::size_t pos = 0; pos < bytes.size(); ++pos) {
    for (int mask : {0x01, 0x10, 0x80, 0xff}) {
      std::string bad = bytes;
      bad[pos] = static_cast<char>(static_cast<unsigned char>(bad[pos]) ^ mask);
      auto r = query_state::deserialize(bad);
      if (!r) {
        ++rejected;
        continue;
      }
      ++accepted;
      // A state that was accepted is usable: it finishes, re-serialises, reads back and merges.
      (void)r->finish();
      std::string again;
      r->serialize(again);
      auto back = query_state::deserialize(again);
      INFO("flip at ", pos, " mask ", static_cast<int>(mask));
      CHECK(back.has_value());
      query_state fresh = r->source().make_state();
      CHECK(fresh.merge(*r).has_value());
      (void)fresh.finish();
    }
  }
  CHECK(rejected > 0);
  CHECK(accepted + rejected == bytes.size() * 4);
}

// =================================================================================================
// 6. Thread-count independence and shards.

namespace {

/// ~20k JSON lines: generated events, a few broken lines and a few records that are not events.
std::string big_jsonl(std::size_t& bad_lines) {
  const std::vector<spec> specs = generated_specs(20000, 7);
  std::string s;
  bad_lines = 0;
  for (std::size_t i = 0; i < specs.size(); ++i) {
    if (i % 2999 == 17) {
      s += R"({"kind":"Event","auditID":,"verb":"get"})"
           "\n";
      ++bad_lines;
    }
    if (i % 4001 == 5)
      s += R"({"hello":"world"})"
           "\n";
    s += event_json(specs[i]) + "\n";
  }
  return s;
}

const std::vector<std::string>& parallel_queries() {
  static const std::vector<std::string> qs{
      "summarize count(), requests(), dcount(user.username), dcount(user.groups)",
      "summarize count(), percentiles(latency, 50, 90, 99), avg(latency), max(latency) by verb",
      "where responseStatus.code >= 400 | summarize count() by user.username, verb | top 10 by count_",
      "summarize count(), sum(requestObject.spec.replicas), make_set(verb) by objectRef.namespace, "
      "bin(requestReceivedTimestamp, 5m)",
      "summarize countif(verb == \"delete\"), min(stageTimestamp), make_set(user.username, 5) by "
      "bin(responseStatus.code, 100)",
  };
  return qs;
}

std::vector<table> finish_all(const std::vector<query_state>& states) {
  std::vector<table> out;
  for (const query_state& s : states) out.push_back(s.finish());
  return out;
}

}  // namespace

TEST_CASE("aggregate: results do not depend on the number of threads") {
  temp_dir dir;
  std::size_t bad = 0;
  const std::string data = big_jsonl(bad);
  const std::string path = dir.write("big.jsonl", data);

  std::vector<query> qs;
  field_mask fields{};
  query_limits exact;  // every distinct count of this input stays exact
  exact.exact_distinct = 100'000;
  for (const std::string& t : parallel_queries()) {
    qs.push_back(compiled(t, exact));
    fields |= qs.back().fields();
  }
  std::uint64_t single_errors = 0;
  const std::vector<table> want = finish_all(read_with_reader(qs, path, &single_errors));
  CHECK(single_errors == bad);
  for (const table& t : want) {
    CHECK_FALSE(t.rows.empty());
    CHECK_FALSE(exceeds_exact_limits(t));
  }

  reader_options opt;
  opt.fields = fields;  // the projection the queries ask for
  for (unsigned n : {1u, 2u, 3u, 4u}) {
    INFO("threads ", n);
    parallel_options p;
    p.threads = n;
    p.min_chunk = 4096;
    const unsigned workers = parallel_workers(path, opt, p);
    std::vector<std::vector<query_state>> per_worker(workers);
    for (auto& states : per_worker) {
      for (const query& q : qs) states.push_back(q.make_state());
    }
    std::uint64_t errors = 0;
    const parallel_summary s = read_parallel(
        path, opt, p,
        [&](unsigned worker, const batch& b) {
          for (query_state& st : per_worker[worker]) st.add(b.events);
        },
        [&](const record_error&) { ++errors; });
    REQUIRE_FALSE(s.failed);
    CHECK(errors == bad);
    REQUIRE(s.threads_used <= workers);
    if (n > 1) CHECK(s.threads_used > 1);
    std::vector<query_state> merged;
    for (const query& q : qs) merged.push_back(q.make_state());
    for (unsigned w = 0; w < workers; ++w) {
      for (std::size_t i = 0; i < qs.size(); ++i) REQUIRE(merged[i].merge(per_worker[w][i]).has_value());
    }
    const std::vector<table> got = finish_all(merged);
    for (std::size_t i = 0; i < qs.size(); ++i) {
      INFO("query ", qs[i].text());
      check_same(got[i], want[i]);
    }
  }

  // With the prefilter of a query's where clause: still the same result.
  const query deletes = compiled("where verb == \"delete\" | summarize count(), avg(latency) by user.username");
  const table want_deletes = finish_all(read_with_reader({deletes}, path))[0];
  reader_options popt;
  popt.fields = deletes.fields();
  popt.prefilter = &deletes.required_literals();
  parallel_options p;
  p.threads = 3;
  p.min_chunk = 4096;
  std::vector<query_state> states;
  for (unsigned w = 0; w < parallel_workers(path, popt, p); ++w) states.push_back(deletes.make_state());
  const parallel_summary s = read_parallel(
      path, popt, p, [&](unsigned worker, const batch& b) { states[worker].add(b.events); },
      [](const record_error&) {});
  REQUIRE_FALSE(s.failed);
  const query_state merged = merge_all(deletes, std::move(states), merge_order::tree);
  check_same(merged.finish(), want_deletes);
}

TEST_CASE("aggregate: shards run apart, saved, restored and merged equal the whole") {
  temp_dir dir;
  std::size_t bad = 0;
  const std::string data = big_jsonl(bad);
  const std::string whole_path = dir.write("whole.jsonl", data);
  std::vector<std::string> shard_data(3);
  std::size_t line = 0, start = 0;
  while (start < data.size()) {
    const std::size_t end = data.find('\n', start);
    shard_data[line % 3] += data.substr(start, end - start + 1);
    start = end + 1;
    ++line;
  }
  std::vector<query> qs;
  for (const std::string& t : parallel_queries()) qs.push_back(compiled(t));
  const std::vector<table> want = finish_all(read_with_reader(qs, whole_path));

  std::vector<std::vector<std::string>> saved(qs.size());  // per query, per shard
  for (std::size_t sh = 0; sh < 3; ++sh) {
    const std::string p = dir.write("shard-" + std::to_string(sh) + ".jsonl", shard_data[sh]);
    const std::vector<query_state> states = read_with_reader(qs, p);
    for (std::size_t i = 0; i < qs.size(); ++i) states[i].serialize(saved[i].emplace_back());
  }
  for (std::size_t i = 0; i < qs.size(); ++i) {
    INFO("query ", qs[i].text());
    auto acc = query_state::deserialize(saved[i][2]);
    REQUIRE(acc.has_value());
    for (std::size_t sh : {std::size_t{0}, std::size_t{1}}) {
      auto part = query_state::deserialize(saved[i][sh]);
      REQUIRE(part.has_value());
      REQUIRE(acc->merge(*part).has_value());
    }
    check_same(acc->finish(), want[i]);
  }
}

// =================================================================================================
// 7. Limits.

TEST_CASE("aggregate: max_groups bounds the groups and says how many events were left out") {
  query_limits lim;
  lim.max_groups = 5;
  const std::vector<owned_event>& evs = generated();
  std::set<std::string> users;
  for (const owned_event& e : evs) users.insert(std::string(e->user.username));
  REQUIRE(users.size() > 5);

  const table t = run("summarize count() by user.username", evs, lim);
  CHECK(t.rows.size() == 5);
  std::int64_t kept = 0;
  for (const auto& r : t.rows) kept += r[1].integer;
  const std::int64_t left = static_cast<std::int64_t>(evs.size()) - kept;
  CHECK(left > 0);
  REQUIRE(t.notes.size() == 1);
  CHECK(contains(t.notes[0], std::to_string(left) + " events"));
  CHECK(contains(t.notes[0], "limits (5 groups"));

  // Exactly at the limit: no note.
  const table five =
      run("where user.username in (\"user-1\", \"user-2\", \"user-3\", \"user-4\", \"user-5\") "
          "| summarize count() by user.username",
          evs, lim);
  CHECK(five.rows.size() == 5);
  CHECK(five.notes.empty());

  // A no-key query is one group whatever the limit.
  lim.max_groups = 1;
  CHECK(run("summarize count()", evs, lim).notes.empty());
}

TEST_CASE("aggregate: groups dropped while merging are counted as events") {
  // A group that does not fit while merging counts its events once, whatever its aggregates
  // (dcount keeps no count of its own; count() and countif() must not be added up).
  query_limits lim;
  lim.max_groups = 2;
  std::vector<spec> specs;
  for (const char* u : {"u1", "u2", "u3", "u3", "u4"}) {
    spec s;
    s.id = std::string("id-") + u;
    s.user = u;
    specs.push_back(s);
  }
  const std::vector<owned_event> evs = events_of(specs);
  for (const char* text :
       {"summarize dcount(verb) by user.username", "summarize count(), countif(verb == \"get\") by user.username"}) {
    INFO("query: ", text);
    const query q = compiled(text, lim);
    query_state a = q.make_state(), b = q.make_state();
    a.add(evs[0].view());
    a.add(evs[1].view());
    for (std::size_t i = 2; i < evs.size(); ++i) b.add(evs[i].view());  // u3 u3 u4: 2 groups, fits
    REQUIRE(a.merge(b).has_value());
    const table t = a.finish();
    CHECK(t.rows.size() == 2);
    REQUIRE(t.notes.size() == 1);
    CHECK(contains(t.notes[0], "3 events fell"));
  }
}

namespace {

/// n events, each with its own auditID ("<prefix><i>"), and its own user when `own_users`.
std::vector<owned_event> distinct_events(int n, const std::string& prefix, bool own_users) {
  std::vector<spec> specs(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    specs[static_cast<std::size_t>(i)].id = prefix + std::to_string(i);
    if (own_users) specs[static_cast<std::size_t>(i)].user = "user-" + std::to_string(i);
  }
  return events_of(specs);
}

/// A state of `q` fed every event of `evs`.
query_state fed(const query& q, const std::vector<owned_event>& evs) {
  query_state st = q.make_state();
  for (const owned_event& e : evs) st.add(e.view());
  return st;
}

}  // namespace

TEST_CASE("aggregate: max_memory refuses new groups once a high-cardinality by has used it") {
  // Every event its own group, each with a dcount: 16 KiB reserved per group, so 256 KiB holds
  // about fifteen of them; the rest are counted as left out, and the state stays in its limit.
  query_limits lim;
  lim.max_memory = std::size_t{256} << 10;
  const std::vector<owned_event> evs = distinct_events(200, "id-", true);
  const query q = compiled("summarize dcount(verb) by user.username", lim);
  query_state st = fed(q, evs);
  CHECK(st.memory_bytes() <= lim.max_memory);
  CHECK(st.memory_bytes() > lim.max_memory / 2);
  const table t = st.finish();
  CHECK(t.rows.size() >= 10);
  CHECK(t.rows.size() <= 16);
  REQUIRE(t.notes.size() == 1);
  CHECK(contains(t.notes[0], std::to_string(evs.size() - t.rows.size()) + " events fell"));
  CHECK(contains(t.notes[0], "groups beyond the limits (200000 groups, 256 KiB of state)"));

  // Merging respects the limit too: a state that is already full takes no new group.
  const query_state other = fed(q, evs);
  query_state full = q.make_state();
  for (std::size_t i = 0; i < 20; ++i) full.add(evs[i].view());
  REQUIRE(full.merge(other).has_value());
  CHECK(full.memory_bytes() <= lim.max_memory);
}

TEST_CASE("aggregate: at the memory limit an exact distinct set becomes its HyperLogLog, within 2%") {
  // One group; 5000 distinct auditIDs would take 64 KiB of exact set (more than the 16 KiB
  // reservation): with a 40 KiB limit the set switches to its sketch on the way.
  query_limits lim;
  lim.max_memory = std::size_t{40} << 10;
  const std::vector<owned_event> evs = distinct_events(5000, "request-", false);
  const query_state st = fed(compiled("summarize dcount(auditID), requests()", lim), evs);
  CHECK(st.memory_bytes() <= lim.max_memory);
  const table t = st.finish();
  REQUIRE(t.rows.size() == 1);
  for (std::size_t c = 0; c < 2; ++c) {
    const double got = static_cast<double>(t.rows[0][c].integer);
    CHECK(std::abs(got - 5000.0) <= 0.02 * 5000.0);
  }
  CHECK(std::any_of(t.notes.begin(), t.notes.end(), [](const std::string& n) { return contains(n, "memory limit"); }));

  // With room to spare the same counts are exact and there is no note.
  const table exact = fed(compiled("summarize dcount(auditID), requests()"), evs).finish();
  CHECK(exact.rows[0][0].integer == 5000);
  CHECK(exact.rows[0][1].integer == 5000);
  CHECK(exact.notes.empty());
}

TEST_CASE("aggregate: make_set stops taking values at the memory limit and says so") {
  query_limits lim;
  lim.max_memory = std::size_t{8} << 10;
  const std::vector<owned_event> evs = distinct_events(1000, "a-rather-long-request-identifier-", false);
  const query_state st = fed(compiled("summarize make_set(auditID, 1000)", lim), evs);
  CHECK(st.memory_bytes() <= lim.max_memory);
  const table t = st.finish();
  REQUIRE(t.rows.size() == 1);
  CHECK(t.notes.size() == 1);
  CHECK(contains(t.notes[0], "make_set"));

  // Serialised and read back, the state counts the same memory.
  std::string bytes;
  st.serialize(bytes);
  auto back = query_state::deserialize(bytes, lim);
  REQUIRE(back.has_value());
  CHECK(back->memory_bytes() == st.memory_bytes());
}

// =================================================================================================
// 8. Rendering cells.

TEST_CASE("aggregate: to_text of datetime, timespan, real, null and the others") {
  CHECK(ns_of("2025-10-07T16:00:00Z") == t0);
  CHECK(to_text(datetime(ns_of("2024-05-01T10:00:00Z"))) == "2024-05-01T10:00:00.0000000Z");
  CHECK(to_text(datetime(ns_of("2024-05-01T10:00:00.123456789Z"))) == "2024-05-01T10:00:00.1234567Z");

  CHECK(to_text(timespan(0)) == "00:00:00");
  CHECK(to_text(timespan(1500 * ms)) == "00:00:01.5000000");
  CHECK(to_text(timespan(100)) == "00:00:00.0000001");
  CHECK(to_text(timespan(90 * sec)) == "00:01:30");
  CHECK(to_text(timespan(-90 * sec)) == "-00:01:30");
  CHECK(to_text(timespan(23 * hour + 59 * minute + 59 * sec)) == "23:59:59");
  CHECK(to_text(timespan(24 * hour)) == "1.00:00:00");
  CHECK(to_text(timespan(26 * hour + 3 * minute + 4 * sec + 100)) == "1.02:03:04.0000001");
  CHECK(to_text(timespan(-(3 * 24 * hour + 250 * ms))) == "-3.00:00:00.2500000");
  CHECK(to_text(timespan(std::numeric_limits<std::int64_t>::min())) == "-106751.23:47:16.8547758");

  CHECK(to_text(real(1.5)) == "1.5");
  CHECK(to_text(real(0.1)) == "0.1");
  CHECK(to_text(real(3.0)) == "3");
  CHECK(to_text(real(-2.25)) == "-2.25");
  CHECK(to_text(real(1e300)) == "1e+300");

  CHECK(to_text(value{}).empty());
  CHECK(to_text(integer(-42)) == "-42");
  CHECK(to_text(string_value("kube-system")) == "kube-system");
  value b;
  b.k = value::kind::boolean;
  b.integer = 1;
  CHECK(to_text(b) == "true");
  b.integer = 0;
  CHECK(to_text(b) == "false");
}

TEST_CASE("aggregate: extend arithmetic is typed and never overflows") {
  const std::vector<owned_event> events = parse_all(
      R"({"kind":"Event","auditID":"a","verb":"get","requestObject":{"x":-9223372036854775808,"y":9223372036854775807},)"
      R"("requestReceivedTimestamp":"2025-01-01T00:00:00Z","stageTimestamp":"2025-01-01T00:00:02Z"})"
      "\n"
      R"({"kind":"Event","auditID":"b","verb":"get","requestObject":{"y":9223372036854775807}})"
      "\n",
      2);
  const table t = run("summarize m = min(requestObject.x), s = sum(requestObject.y), first = min(requestReceivedTimestamp), "
                      "last = max(stageTimestamp) | extend q = m / -1, z = m - 1, span = last - first, "
                      "later = first + 1h, ratio = last - first",
                      events);
  CHECK(cell(t, 0, "q").k == value::kind::null);  // INT64_MIN / -1
  CHECK(cell(t, 0, "z").k == value::kind::null);  // overflow
  CHECK(cell(t, 0, "span").k == value::kind::timespan);
  CHECK(cell(t, 0, "span").integer == 2'000'000'000);
  CHECK(cell(t, 0, "later").k == value::kind::datetime);
  CHECK(to_text(cell(t, 0, "later")) == "2025-01-01T01:00:00.0000000Z");
  // A sum past 64 bits goes on in doubles instead of wrapping.
  CHECK(cell(t, 0, "s").k == value::kind::real);
  CHECK(cell(t, 0, "s").real == doctest::Approx(2.0 * 9223372036854775807.0));
  // Strings in arithmetic give null; percentiles of datetimes are refused.
  const table u = run("summarize count() by verb | extend w = verb + 1", events);
  CHECK(cell(u, 0, "w").k == value::kind::null);
  CHECK(compile_error("summarize percentile(stageTimestamp, 50)").message.find("not supported") != std::string::npos);
}
