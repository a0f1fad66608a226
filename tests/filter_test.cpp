// SPDX-License-Identifier: Apache-2.0
// The filter language (the `where` clause of KQL): every operator with its negation, null and
// list semantics, every field under every spelling (native events, AKS Event Hub records and
// Log Analytics rows), error positions and messages, the typed builder, projection, batch
// selection and the prefilter literals a filter derives.
#include <doctest/doctest.h>

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "query/fields.h"  // spellings(): every name the language accepts for a field
#include "test_util.h"

using namespace k8saudit;
using k8saudit::test::json_quote;
using k8saudit::test::read_all;

namespace {

constexpr std::size_t npos = std::string_view::npos;

// ---------------------------------------------------------------------------------------------
// Helpers.

/// A native event parsed with every field, owned.
owned_event ev(std::string_view json) {
  parser p;
  auto r = p.parse(json);
  REQUIRE_MESSAGE(r.has_value(), "does not parse: " << json);
  return r->to_owned();
}

/// A filter that must compile.
filter compile(std::string_view text) {
  auto f = filter::compile(text);
  REQUIRE_MESSAGE(f.has_value(), (f ? std::string() : f.error().render()));
  return *f;
}

bool match(std::string_view expr, const event& e) { return compile(expr).matches(e); }
bool match(std::string_view expr, std::string_view json) { return match(expr, *ev(json)); }

struct row {
  const char* expr;
  bool expected;
};

/// Each expression compiles and gives the expected answer on `e`.
void check_rows(const event& e, std::initializer_list<row> rows) {
  for (const row& r : rows) {
    INFO("expression: " << std::string_view(r.expr));
    CHECK(match(r.expr, e) == r.expected);
  }
}

/// The 1-based column of the first occurrence of `needle` in `text`.
std::size_t col(std::string_view text, std::string_view needle) {
  const std::size_t p = text.find(needle);
  REQUIRE_MESSAGE(p != npos, needle << " not in " << text);
  return p + 1;
}

/// An expression that must not compile.
expression_error compile_error(std::string_view text) {
  auto f = filter::compile(text);
  REQUIRE_MESSAGE(!f.has_value(), "compiled: " << text);
  return f.error();
}

/// A single-line expression fails at `column` with a message containing `part`, and render()
/// shows the message, the expression and a caret under the column.
void check_error(std::string_view text, std::size_t column, std::string_view part) {
  INFO("expression: " << text);
  const expression_error e = compile_error(text);
  CHECK(e.expression == text);
  CHECK(e.column == column);
  CHECK_MESSAGE(e.message.find(part) != npos, "message: " << e.message);
  const std::string expected =
      "error: " + e.message + "\n  " + std::string(text) + "\n  " + std::string(column - 1, ' ') + "^";
  CHECK(e.render() == expected);
}

timestamp ts(std::string_view text) {
  auto t = parse_timestamp(text);
  REQUIRE(t.has_value());
  return *t;
}

std::vector<event> views(const std::vector<owned_event>& owned) {
  std::vector<event> out;
  for (const owned_event& o : owned) out.push_back(o.view());
  return out;
}

/// Indexes of the events `f` matches, one matches() call at a time.
std::vector<std::uint32_t> matching(const filter& f, std::span<const event> events) {
  std::vector<std::uint32_t> out;
  for (std::size_t i = 0; i < events.size(); ++i) {
    if (f.matches(events[i])) out.push_back(static_cast<std::uint32_t>(i));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Test data.

/// An event with every field set, each to a distinct value.
const std::string full_event =
    R"({"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"RequestResponse","auditID":"a1b2c3d4-0001",)"
    R"("stage":"ResponseComplete","requestURI":"/api/v1/namespaces/kube-system/secrets/db-pass?timeout=30s",)"
    R"("verb":"delete",)"
    R"("user":{"username":"System:ServiceAccount:kube-system:foo","uid":"uid-user-1",)"
    R"("groups":["system:masters","system:authenticated"],)"
    R"("extra":{"scopes":["openid","Email"],"authentication.kubernetes.io/pod-name":["pod-7"]}},)"
    R"("impersonatedUser":{"username":"bob","uid":"uid-imp-2","groups":["devs","oncall"],"extra":{"reason":["debug"]}},)"
    R"("sourceIPs":["10.1.2.3","192.168.0.7","::1"],)"
    R"("userAgent":"kubectl/v1.29.0 (linux/amd64) \"quoted\" C:\\bin",)"
    R"("objectRef":{"resource":"secrets","namespace":"kube-system","name":"db-pass","uid":"uid-obj-3",)"
    R"("apiGroup":"apps","apiVersion":"v1beta9","resourceVersion":"4242","subresource":"status"},)"
    R"("responseStatus":{"metadata":{},"status":"Failure","reason":"Forbidden","message":"secrets is forbidden",)"
    R"("code":403,"details":{"kind":"secrets","name":"db-pass"}},)"
    R"("requestObject":{"kind":"Deployment","metadata":{"creationTimestamp":"2024-02-01T00:00:00Z"},)"
    R"("spec":{"replicas":3,"containers":[)"
    R"({"name":"app","image":"nginx:1.25","securityContext":{"privileged":false}},)"
    R"({"name":"sidecar","image":"evil/miner:latest","securityContext":{"privileged":true}}]}},)"
    R"("responseObject":{"kind":"Status","metadata":{"name":"resp-name"}},)"
    R"("requestReceivedTimestamp":"2024-03-01T10:00:00.000000Z","stageTimestamp":"2024-03-01T10:00:01.500000Z",)"
    R"("annotations":{"authorization.k8s.io/decision":"forbid","authorization.k8s.io/reason":"RBAC: denied"}})";

/// An event with almost nothing: absent strings, lists, code, timestamps and JSON fields.
const std::string bare_event = R"({"auditID":"bare-1"})";

const std::string resource_id =
    "/SUBSCRIPTIONS/0000/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.CONTAINERSERVICE/MANAGEDCLUSTERS/MYCLUSTER";

/// `event_json` as an AKS diagnostic record (properties.log is the event as an escaped string).
std::string aks_record(const std::string& event_json, std::string_view category = "kube-audit") {
  return R"({"category":")" + std::string(category) +
         R"(","operationName":"Microsoft.ContainerService/managedClusters/diagnosticLogs/Read",)"
         R"("properties":{"log":)" +
         json_quote(event_json + "\n") + R"(,"pod":"kube-apiserver-abc","stream":"stdout"},"resourceId":")" +
         resource_id + R"(","time":"2024-03-01T10:00:02.000000000Z"})";
}

/// An Event Hub message holding `event_json` as its only record.
std::string eventhub_message(const std::string& event_json) {
  return R"({"records":[)" + aks_record(event_json) + "]}";
}

/// Ten varied events for comparing forms of a filter.
const std::vector<std::string> varied_events = {
    full_event,
    R"({"verb":"get","objectRef":{"resource":"pods","namespace":"default"},"user":{"username":"alice","groups":["devs"]},)"
    R"("sourceIPs":["172.16.0.5"],"responseStatus":{"code":200},"requestReceivedTimestamp":"2024-05-01T00:00:00Z",)"
    R"("stageTimestamp":"2024-05-01T00:00:00.010Z","userAgent":"curl/8.0"})",
    R"({"verb":"delete","objectRef":{"resource":"configmaps","namespace":"kube-system","name":"cm"},)"
    R"("user":{"username":"system:serviceaccount:kube-system:ctrl","groups":["system:serviceaccounts"]},)"
    R"("responseStatus":{"code":200},"requestReceivedTimestamp":"2024-05-01T00:00:00Z",)"
    R"("stageTimestamp":"2024-05-01T00:00:03Z","annotations":{"authorization.k8s.io/decision":"allow"}})",
    R"({"verb":"create","objectRef":{"resource":"pods","namespace":"prod"},"user":{"username":"mallory"},)"
    R"("sourceIPs":["10.9.8.7"],"responseStatus":{"code":201},)"
    R"("requestObject":{"spec":{"replicas":5,"containers":[{"name":"x","securityContext":{"privileged":true}}]}},)"
    R"("requestReceivedTimestamp":"2024-05-01T00:00:00Z","stageTimestamp":"2024-05-01T00:00:00.900Z",)"
    R"("userAgent":"kubectl/v1.30.1"})",
    R"({"verb":"watch","requestURI":"/api/v1/pods?watch=1","user":{"username":"system:kube-scheduler"}})",
    R"({"verb":"list","objectRef":{"resource":"secrets","namespace":"kube-system"},)"
    R"("user":{"username":"bob","groups":["system:masters"]},"responseStatus":{"code":500},)"
    R"("requestReceivedTimestamp":"2024-06-01T00:00:00Z","stageTimestamp":"2024-06-01T00:00:10Z",)"
    R"("annotations":{"authorization.k8s.io/decision":"forbid"}})",
    R"({"verb":"DELETE","objectRef":{"resource":"secrets","namespace":"default"},"user":{"username":"eve"},)"
    R"("responseStatus":{"code":403},"annotations":{"authorization.k8s.io/decision":"forbid"},)"
    R"("sourceIPs":["10.0.0.1","8.8.8.8"]})",
    R"({"verb":"update","objectRef":{"resource":"deployments","namespace":"kube-system","apiGroup":"apps"},)"
    R"("requestObject":{"spec":{"replicas":1,"containers":[{"name":"a","securityContext":{"privileged":false}},)"
    R"({"name":"b"}]}},"responseStatus":{"code":409},"requestReceivedTimestamp":"2024-05-01T00:00:00Z",)"
    R"("stageTimestamp":"2024-05-01T00:00:01Z"})",
    R"({"verb":"patch","objectRef":{"resource":"configmaps","namespace":"Kube-System"},)"
    R"("user":{"username":"KubeAdmin","groups":[]},"responseStatus":{"code":404},)"
    R"("requestReceivedTimestamp":"2024-05-01T00:00:00Z","stageTimestamp":"2024-05-01T00:00:01Z"})",
    R"({"verb":"get","objectRef":{"resource":"secrets","namespace":"kube-system","name":"token"},)"
    R"("user":{"username":"system:serviceaccount:default:app","groups":["system:serviceaccounts","system:masters"]},)"
    R"~("sourceIPs":["192.168.1.1"],"responseStatus":{"code":200},"userAgent":"kubectl/v1.29 (darwin)"})~",
};

std::vector<owned_event> varied() {
  std::vector<owned_event> out;
  for (const std::string& j : varied_events) out.push_back(ev(j));
  return out;
}

// ---------------------------------------------------------------------------------------------
// Builder type checks: operators that make no sense for a field's type do not compile.

template <class F, class V>
concept eq_with = requires(const F& f, const V& v) { f == v; };
template <class F, class V>
concept gt_with = requires(const F& f, const V& v) { f > v; };

static_assert(eq_with<field::integer_field, std::int64_t>);
static_assert(eq_with<field::integer_field, int>);
static_assert(!eq_with<field::integer_field, const char*>);  // field::response_code == "abc"
static_assert(!eq_with<field::integer_field, std::string_view>);
static_assert(eq_with<field::string_field, const char*>);
static_assert(eq_with<field::string_field, std::string>);
static_assert(!eq_with<field::string_field, int>);
static_assert(!gt_with<field::string_field, const char*>);   // strings have no order
static_assert(gt_with<field::duration_field, std::chrono::seconds>);
static_assert(!gt_with<field::duration_field, int>);        // latency needs a duration
static_assert(gt_with<field::time_field, timestamp>);
static_assert(!gt_with<field::time_field, const char*>);
static_assert(!eq_with<field::time_field, timestamp>);      // only order comparisons on times
static_assert(eq_with<field::dynamic_path, bool>);
static_assert(eq_with<field::dynamic_path, const char*>);
static_assert(eq_with<field::dynamic_path, std::int64_t>);
// NOTE: `path == 3` (an int) is ambiguous between operator==(std::int64_t) and operator==(bool),
// so the builder needs `path == std::int64_t{3}`; `path > 3` is fine (one overload).
static_assert(gt_with<field::dynamic_path, int>);
static_assert(!eq_with<field::dynamic_root, const char*>);  // a whole JSON field needs a path

}  // namespace

// =============================================================================================
// 1. Operators.

TEST_CASE("filter: equality, case-insensitive equality and in on a string field") {
  const owned_event e = ev(full_event);
  check_rows(*e, {
                     {R"(user.username == "System:ServiceAccount:kube-system:foo")", true},
                     {R"(user.username == "system:serviceaccount:kube-system:foo")", false},  // case-sensitive
                     {R"(user.username == "System:ServiceAccount:kube-system")", false},
                     {R"(user.username != "system:serviceaccount:kube-system:foo")", true},
                     {R"(user.username != "System:ServiceAccount:kube-system:foo")", false},
                     {R"(user.username <> "x")", true},
                     {R"(user.username =~ "SYSTEM:serviceaccount:KUBE-SYSTEM:FOO")", true},
                     {R"(user.username =~ "system:serviceaccount")", false},
                     {R"(user.username !~ "SYSTEM:SERVICEACCOUNT:KUBE-SYSTEM:FOO")", false},
                     {R"(user.username !~ "x")", true},
                     {R"(user.username in ("a", "System:ServiceAccount:kube-system:foo"))", true},
                     {R"(user.username in ("system:serviceaccount:kube-system:foo"))", false},
                     {R"(user.username !in ("a", "b"))", true},
                     {R"(user.username !in ("a", "System:ServiceAccount:kube-system:foo"))", false},
                     {R"(user.username in~ ("a", "SYSTEM:SERVICEACCOUNT:KUBE-SYSTEM:FOO"))", true},
                     {R"(user.username in~ ("a", "b"))", false},
                     {R"(user.username !in~ ("system:serviceaccount:kube-system:FOO"))", false},
                     {R"(user.username !in~ ("a"))", true},
                     {R"(verb in ("delete"))", true},
                     {R"(verb in ( "get" ,"list" ))", false},
                 });
}

TEST_CASE("filter: has and its variants match whole terms") {
  const owned_event e = ev(full_event);
  // Terms are runs of letters and digits: "System", "ServiceAccount", "kube", "system", "foo".
  check_rows(*e, {
                     {R"(user.username has "kube")", true},  // '-' is a term boundary
                     {R"(user.username has "KUBE")", true},
                     {R"(user.username has "kub")", false},
                     {R"(user.username has "ube")", false},
                     {R"(user.username has "serviceaccount")", true},
                     {R"(user.username has "service")", false},
                     {R"(user.username has "foo")", true},
                     {R"(user.username has "fo")", false},
                     {R"(user.username has "kube-system")", true},
                     {R"(user.username has "serviceaccount:kube")", true},
                     // A boundary is needed only where the needle begins / ends with a letter or digit.
                     {R"(user.username has "kube-")", true},
                     {R"(user.username has "ube-")", false},
                     {R"(user.username has ":kube")", true},
                     {R"(user.username has ":kub")", false},
                     {R"(user.username !has "kub")", true},
                     {R"(user.username !has "kube")", false},
                     {R"(user.username has_cs "ServiceAccount")", true},
                     {R"(user.username has_cs "serviceaccount")", false},
                     {R"(user.username !has_cs "serviceaccount")", true},
                     {R"(user.username !has_cs "ServiceAccount")", false},
                     {R"(user.username hasprefix "serv")", true},
                     {R"(user.username hasprefix "account")", false},
                     {R"(user.username !hasprefix "account")", true},
                     {R"(user.username !hasprefix "serv")", false},
                     {R"(user.username hasprefix_cs "Serv")", true},
                     {R"(user.username hasprefix_cs "serv")", false},
                     {R"(user.username !hasprefix_cs "serv")", true},
                     {R"(user.username hassuffix "ACCOUNT")", true},
                     {R"(user.username hassuffix "serv")", false},
                     {R"(user.username !hassuffix "account")", false},
                     {R"(user.username !hassuffix "serv")", true},
                     {R"(user.username hassuffix_cs "Account")", true},
                     {R"(user.username hassuffix_cs "account")", false},
                     {R"(user.username !hassuffix_cs "account")", true},
                 });
}

TEST_CASE("filter: contains, startswith and endswith, case-insensitive and _cs") {
  const owned_event e = ev(full_event);
  check_rows(*e, {
                     {R"(user.username contains "ACCOUNT:KUBE")", true},
                     {R"(user.username contains "xyz")", false},
                     {R"(user.username !contains "xyz")", true},
                     {R"(user.username !contains "account")", false},
                     {R"(user.username contains_cs "Account:kube")", true},
                     {R"(user.username contains_cs "account:kube")", false},
                     {R"(user.username !contains_cs "account:kube")", true},
                     {R"(user.username !contains_cs "Account")", false},
                     {R"(user.username startswith "system:")", true},
                     {R"(user.username startswith "kube")", false},
                     {R"(user.username startswith "System:ServiceAccount:kube-system:foo-and-more")", false},
                     {R"(user.username !startswith "kube")", true},
                     {R"(user.username !startswith "SYSTEM")", false},
                     {R"(user.username startswith_cs "System:")", true},
                     {R"(user.username startswith_cs "system:")", false},
                     {R"(user.username startswith_cs "System:ServiceAccount:kube-system:foo-and-more")", false},
                     {R"(user.username !startswith_cs "system:")", true},
                     {R"(user.username !startswith_cs "System")", false},
                     {R"(user.username endswith "KUBE-SYSTEM:FOO")", true},
                     {R"(user.username endswith "kube")", false},
                     {R"(user.username endswith "more:System:ServiceAccount:kube-system:foo")", false},
                     {R"(user.username !endswith "kube")", true},
                     {R"(user.username !endswith ":foo")", false},
                     {R"(user.username endswith_cs ":foo")", true},
                     {R"(user.username endswith_cs ":FOO")", false},
                     {R"(user.username !endswith_cs ":FOO")", true},
                     {R"(user.username !endswith_cs "foo")", false},
                 });
}

TEST_CASE("filter: matches regex is RE2, unanchored and case-sensitive") {
  const owned_event e = ev(full_event);
  check_rows(*e, {
                     {R"(user.username matches regex "kube-[a-z]+:f")", true},  // found anywhere
                     {R"(user.username matches regex "^kube")", false},
                     {R"(user.username matches regex "^System:.*:foo$")", true},
                     {R"(user.username matches regex "^system")", false},
                     {R"(user.username matches regex "(?i)^system:service")", true},
                     {R"(requestURI matches regex @"/secrets/[\w-]+\?")", true},
                     {R"(requestURI matches regex "/configmaps/")", false},
                     {R"(not(user.username matches regex "^System"))", false},
                 });
}

TEST_CASE("filter: string literals: quotes, escapes and verbatim strings") {
  const owned_event e = ev(full_event);
  // userAgent is: kubectl/v1.29.0 (linux/amd64) "quoted" C:\bin
  check_rows(*e, {
                     {R"(userAgent contains "\"quoted\"")", true},
                     {R"(userAgent contains '"quoted"')", true},
                     {R"(userAgent contains "\u0022quoted\u0022")", true},
                     {R"(userAgent endswith "C:\\bin")", true},
                     {R"(userAgent endswith @"C:\bin")", true},
                     {R"(userAgent endswith 'C:\\bin')", true},
                     {R"(userAgent contains @"""quoted""")", true},  // a doubled quote in a verbatim string
                 });
}

TEST_CASE("filter: comparisons, between and in on responseStatus.code") {
  const owned_event e = ev(full_event);  // code 403
  check_rows(*e, {
                     {"responseStatus.code == 403", true},
                     {"responseStatus.code == 404", false},
                     {"responseStatus.code != 403", false},
                     {"responseStatus.code != 200", true},
                     {"responseStatus.code < 500", true},
                     {"responseStatus.code < 403", false},
                     {"responseStatus.code <= 403", true},
                     {"responseStatus.code <= 402", false},
                     {"responseStatus.code > 400", true},
                     {"responseStatus.code > 403", false},
                     {"responseStatus.code >= 403", true},
                     {"responseStatus.code >= 404", false},
                     {"responseStatus.code between (400 .. 499)", true},
                     {"responseStatus.code between (403 .. 403)", true},  // inclusive
                     {"responseStatus.code between (404..499)", false},
                     {"responseStatus.code !between (400 .. 499)", false},
                     {"responseStatus.code !between (500 .. 599)", true},
                     {"responseStatus.code in (401, 403)", true},
                     {"responseStatus.code in (401, 404)", false},
                     {"responseStatus.code !in (401, 403)", false},
                     {"responseStatus.code !in (401, 404)", true},
                     {"responseStatus.code == 403.0", true},
                     {"responseStatus.code > 402.5", true},
                     {"responseStatus.code > 403.5", false},
                     {"responseStatus.code > -1", true},
                     {"responseStatus.code in (401.0, 403.0)", true},  // integer against real literals
                     {"responseStatus.code in (402.9, 403.1)", false},
                     {"responseStatus.code in (1, 403.0)", true},
                 });
}

TEST_CASE("filter: datetimes: datetime() forms, between with a timespan, ago() and now()") {
  const owned_event e = ev(full_event);  // received 2024-03-01T10:00:00Z, stage 10:00:01.5
  check_rows(*e, {
                     {"requestReceivedTimestamp > datetime(2024-01-01T00:00:00Z)", true},
                     {"requestReceivedTimestamp < datetime(2024-01-01T00:00:00Z)", false},
                     {"requestReceivedTimestamp > datetime(2024-03-01)", true},  // midnight UTC
                     {"requestReceivedTimestamp < datetime(2024-03-02)", true},
                     {"requestReceivedTimestamp == datetime(2024-03-01T10:00:00Z)", true},
                     {"requestReceivedTimestamp == datetime(2024-03-01 10:00)", true},
                     {"requestReceivedTimestamp == datetime(2024-03-01T10:00:00)", true},
                     {"requestReceivedTimestamp == datetime( 2024-03-01T11:00:00+01:00 )", true},
                     {R"(requestReceivedTimestamp == datetime("2024-03-01T10:00:00Z"))", true},
                     {"requestReceivedTimestamp != datetime(2024-03-01T10:00:00Z)", false},
                     {"requestReceivedTimestamp >= datetime(2024-03-01T10:00:00Z)", true},
                     {"requestReceivedTimestamp <= datetime(2024-03-01T09:59:59.999Z)", false},
                     {"stageTimestamp == datetime(2024-03-01T10:00:01.5Z)", true},
                     {"stageTimestamp > datetime(2024-03-01T10:00:01.499999999Z)", true},
                     {"requestReceivedTimestamp between (datetime(2024-03-01T09:00:00Z) .. datetime(2024-03-01T10:00:00Z))",
                      true},
                     {"requestReceivedTimestamp between (datetime(2024-03-01T10:00:00.001Z) .. datetime(2024-03-02))", false},
                     {"requestReceivedTimestamp !between (datetime(2024-03-01T10:00:00.001Z) .. datetime(2024-03-02))", true},
                     {"requestReceivedTimestamp between (datetime(2024-03-01T09:00) .. 1h)", true},   // 09:00 .. 10:00
                     {"requestReceivedTimestamp between (datetime(2024-03-01T09:00) .. 59m)", false},  // 09:00 .. 09:59
                     {"requestReceivedTimestamp in (datetime(2024-01-01), datetime(2024-03-01T10:00:00Z))", true},
                     {"stageTimestamp < ago(1d)", true},  // 2024 is long ago; cannot flake
                     {"stageTimestamp > ago(1d)", false},
                     {"stageTimestamp < now()", true},
                     {"stageTimestamp > now()", false},
                     {"RequestReceivedTime > datetime(2024-02-29)", true},
                     {"StageReceivedTime < datetime(2024-02-29)", false},
                 });
}

TEST_CASE("filter: latency against timespan literals") {
  const owned_event e = ev(full_event);  // 1.5 s
  check_rows(*e, {
                     {"latency > 1s", true},
                     {"latency > 1.5s", false},
                     {"latency >= 1.5s", true},
                     {"latency == 1500ms", true},
                     {"latency != 1500ms", false},
                     {"latency > 5m", false},
                     {"latency < 5m", true},
                     {"latency < 1h", true},
                     {"latency < 2d", true},
                     {"latency > 100ms", true},
                     {"latency < 100ms", false},
                     {"latency == 1500000microseconds", true},
                     {"latency == 15000000tick", true},
                     {"latency < 0.5min", true},
                     {"latency == 1.5seconds", true},
                     {"latency between (100ms .. 2s)", true},
                     {"latency between (1.5s .. 2s)", true},
                     {"latency between (100ms .. 1s)", false},
                     {"latency !between (100ms .. 1s)", true},
                     {"latency !between (1s .. 2s)", false},
                     {"latency < timespan(2s)", true},
                     {"latency > time(2s)", false},
                     {"latency > -1s", true},
                 });
}

TEST_CASE("filter: and, or, not(), parentheses and precedence") {
  const owned_event e = ev(full_event);  // verb delete, namespace kube-system
  check_rows(*e, {
                     {R"(verb == "delete" and objectRef.namespace == "kube-system")", true},
                     {R"(verb == "delete" and objectRef.namespace == "default")", false},
                     {R"(verb == "get" or objectRef.namespace == "kube-system")", true},
                     {R"(verb == "get" or verb == "list" or verb == "watch")", false},
                     {R"(verb == "get" or verb == "list" or verb == "delete")", true},
                     // `and` binds tighter than `or`: a or b and c == a or (b and c)
                     {R"(verb == "delete" or verb == "x" and objectRef.namespace == "nope")", true},
                     {R"((verb == "delete" or verb == "x") and objectRef.namespace == "nope")", false},
                     // a and b or c == (a and b) or c
                     {R"(verb == "x" and verb == "x" or verb == "delete")", true},
                     {R"(verb == "x" and (verb == "x" or verb == "delete"))", false},
                     {R"(not(verb == "delete"))", false},
                     {R"(not (verb == "get"))", true},
                     {R"(not(verb == "x" or verb == "y"))", true},
                     {R"(not(not(verb == "delete")))", true},
                     {R"(((verb == "delete")))", true},
                     {R"(verb == "delete" and not(objectRef.namespace == "default" or responseStatus.code == 200))", true},
                     {"true", true},
                     {"false", false},
                     {"not(true)", false},
                     {"true and false", false},
                     {"false or true", true},
                     {R"(false or verb == "delete")", true},
                 });
}

TEST_CASE("filter: comments and whitespace") {
  const owned_event e = ev(full_event);
  check_rows(*e, {
                     {"verb == \"delete\" // a trailing comment", true},
                     {"// a leading comment\nverb == \"delete\"", true},
                     {"verb == \"get\" // or verb == \"delete\"", false},  // the comment hides the rest of the line
                     {"verb == \"get\" // comment\n  or verb == \"delete\"", true},
                     {"\tverb\n==\r\n\"delete\"  ", true},
                     {"verb == \"a//b\" or verb == \"delete\"", true},  // no comment inside a string
                 });
}

TEST_CASE("filter: isempty and isnotempty on every kind of field") {
  const owned_event full = ev(full_event);
  const owned_event bare = ev(bare_event);
  const owned_event blank = ev(
      R"({"verb":"","objectRef":{"subresource":""},"user":{"groups":[]},"sourceIPs":[],)"
      R"("requestObject":{"spec":{"a":null,"b":"","c":0,"d":[],"e":{}}}})");
  check_rows(*full, {
                        {"isempty(verb)", false},
                        {"isnotempty(verb)", true},
                        {"isempty(user.groups)", false},
                        {"isnotempty(sourceIPs)", true},
                        {"isempty(responseStatus.code)", false},
                        {"isnotempty(responseStatus.code)", true},
                        {"isempty(latency)", false},
                        {"isempty(requestReceivedTimestamp)", false},
                        {"isempty(requestObject.spec.replicas)", false},
                        {"isnotempty(requestObject.spec.containers[0].name)", true},
                        {"isempty(requestObject.spec.missing)", true},
                        {"isnotempty(annotations)", true},
                        {"isempty(category)", true},  // native: no envelope
                        {"isnull(responseStatus.code)", false},
                        {"isnotnull(responseStatus.code)", true},
                    });
  check_rows(*bare, {
                        {"isempty(verb)", true},
                        {"isnotempty(verb)", false},
                        {"isempty(objectRef.subresource)", true},
                        {"isempty(user.groups)", true},
                        {"isempty(sourceIPs)", true},
                        {"isempty(responseStatus.code)", true},
                        {"isnull(responseStatus.code)", true},
                        {"isnotempty(responseStatus.code)", false},
                        {"isempty(latency)", true},
                        {"isempty(stageTimestamp)", true},
                        {"isempty(requestObject)", true},
                        {"isempty(requestObject.spec)", true},
                        {"isnotempty(annotations)", false},
                    });
  check_rows(*blank, {
                         {"isempty(verb)", true},  // ""
                         {"isempty(objectRef.subresource)", true},
                         {"isempty(user.groups)", true},  // []
                         {"isempty(sourceIPs)", true},
                         {"isempty(requestObject.spec.a)", true},  // null
                         {"isempty(requestObject.spec.b)", true},  // ""
                         {"isempty(requestObject.spec.c)", false},
                         {"isempty(requestObject.spec.zz)", true},  // absent
                         {"isnotempty(requestObject.spec.b)", false},
                         {"isnotempty(requestObject.spec)", true},
                     });
}

TEST_CASE("filter: ipv4_is_in_range on sourceIPs matches when any address is in the range") {
  const owned_event e = ev(full_event);  // 10.1.2.3, 192.168.0.7, ::1
  check_rows(*e, {
                     {R"(ipv4_is_in_range(sourceIPs, "10.0.0.0/8"))", true},
                     {R"(ipv4_is_in_range(sourceIPs, "192.168.0.0/16"))", true},  // the second address
                     {R"(ipv4_is_in_range(sourceIPs, "172.16.0.0/12"))", false},
                     {R"(ipv4_is_in_range(sourceIPs, "10.1.2.3/32"))", true},
                     {R"(ipv4_is_in_range(sourceIPs, "10.1.2.4/32"))", false},
                     {R"(ipv4_is_in_range(sourceIPs, "10.1.2.3"))", true},  // a bare address is a /32
                     {R"(ipv4_is_in_range(sourceIPs, "10.1.2.2"))", false},
                     {R"(ipv4_is_in_range(sourceIPs, "10.1.2.0/31"))", false},
                     {R"(ipv4_is_in_range(sourceIPs, "10.1.2.2/31"))", true},
                     {R"(ipv4_is_in_range(sourceIPs, "10.1.2.3/8"))", true},  // host bits are ignored
                     {R"(ipv4_is_in_range(sourceIPs, "0.0.0.0/0"))", true},
                     {R"(ipv4_is_in_range(SourceIps, "192.168.0.0/24"))", true},
                     {R"(not(ipv4_is_in_range(sourceIPs, "10.0.0.0/8")))", false},
                     {R"(not(ipv4_is_in_range(sourceIPs, "11.0.0.0/8")))", true},
                 });
  CHECK_FALSE(match(R"(ipv4_is_in_range(sourceIPs, "0.0.0.0/0"))", bare_event));
  CHECK_FALSE(match(R"(ipv4_is_in_range(sourceIPs, "0.0.0.0/0"))", R"({"verb":"get","sourceIPs":["::1","fe80::1"]})"));
  CHECK(match(R"(ipv4_is_in_range(user.username, "10.0.0.0/8"))", R"({"verb":"get","user":{"username":"10.20.30.40"}})"));
  for (const char* bad : {"10.0.0.0/33", "10.0.0/8", "300.0.0.0/8", "10.0.0.0/", "10.0.0.0/-1", "abc", "", "10.0.0.1 "}) {
    const std::string text = std::string(R"(ipv4_is_in_range(sourceIPs, ")") + bad + "\")";
    check_error(text, col(text, "\""), "not an IPv4 address or range");
  }
}

// =============================================================================================
// 2. Null semantics.

TEST_CASE("filter: an absent responseStatus.code is null: every comparison is false") {
  const owned_event e = ev(bare_event);
  check_rows(*e, {
                     {"responseStatus.code == 200", false},
                     {"responseStatus.code != 200", false},
                     {"responseStatus.code < 500", false},
                     {"responseStatus.code >= 0", false},
                     {"responseStatus.code between (0 .. 999)", false},
                     {"responseStatus.code !between (0 .. 999)", false},
                     {"responseStatus.code in (200, 403)", false},
                     {"responseStatus.code !in (200, 403)", false},
                     {"isempty(responseStatus.code)", true},
                     {"not(responseStatus.code == 200)", true},  // not() of false is true
                     {"latency > 0s", false},
                     {"latency < 1d", false},
                     {"requestReceivedTimestamp < now()", false},
                     {"requestReceivedTimestamp != datetime(2024-01-01)", false},
                     {"time < now()", false},
                 });
}

TEST_CASE("filter: an absent string field reads as the empty string") {
  const owned_event e = ev(bare_event);
  check_rows(*e, {
                     {R"(verb != "x")", true},
                     {R"(verb == "")", true},
                     {R"(verb == "x")", false},
                     {R"(verb =~ "")", true},
                     {R"(verb !has "x")", true},
                     {R"(verb has "x")", false},
                     {R"(verb !contains "x")", true},
                     {R"(verb startswith "")", true},
                     {R"(verb !in ("get", "list"))", true},
                     {R"(verb in ("get", ""))", true},
                     {R"(user.username == "")", true},
                     {R"(objectRef.namespace != "kube-system")", true},
                     {R"(verb matches regex "^$")", true},
                 });
}

// =============================================================================================
// 3. Lists.

TEST_CASE("filter: lists match when any element matches; negations when none does") {
  const owned_event e = ev(full_event);  // groups system:masters, system:authenticated
  check_rows(*e, {
                     {R"(user.groups == "system:masters")", true},
                     {R"(user.groups == "system:authenticated")", true},
                     {R"(user.groups == "system:nodes")", false},
                     {R"(user.groups != "system:masters")", false},  // one element is equal
                     {R"(user.groups != "system:nodes")", true},
                     {R"(user.groups =~ "SYSTEM:MASTERS")", true},
                     {R"(user.groups !~ "SYSTEM:MASTERS")", false},
                     {R"(user.groups has "masters")", true},
                     {R"(user.groups !has "masters")", false},
                     {R"(user.groups !has "nodes")", true},
                     {R"(user.groups has_cs "Masters")", false},
                     {R"(user.groups contains "authent")", true},
                     {R"(user.groups !contains "authent")", false},
                     {R"(user.groups startswith "system:a")", true},
                     {R"(user.groups !startswith "system:")", false},
                     {R"(user.groups endswith "masters")", true},
                     {R"(user.groups !endswith "masters")", false},
                     {R"(user.groups in ("x", "system:authenticated"))", true},
                     {R"(user.groups !in ("x", "system:authenticated"))", false},
                     {R"(user.groups !in ("x", "y"))", true},
                     {R"(user.groups in~ ("SYSTEM:AUTHENTICATED"))", true},
                     {R"(user.groups matches regex "^system:m")", true},
                     {R"(User.groups == "system:masters")", true},
                     {R"(impersonatedUser.groups == "oncall")", true},
                     {R"(impersonatedUser.groups != "devs")", false},
                     {R"(impersonatedUser.groups !has "admins")", true},
                     {R"(ImpersonatedUser.groups has "devs")", true},
                     {R"(sourceIPs == "192.168.0.7")", true},
                     {R"(sourceIPs != "10.1.2.3")", false},
                     {R"(sourceIPs startswith "192.")", true},
                     {R"(sourceIPs !startswith "192.")", false},
                     {R"(sourceIPs !startswith "172.")", true},
                 });
}

TEST_CASE("filter: an empty or absent list: == is false, != is true") {
  for (const std::string& j : {std::string(bare_event), std::string(R"({"verb":"get","user":{"groups":[]},"sourceIPs":[]})")}) {
    INFO(j);
    const owned_event e = ev(j);
    check_rows(*e, {
                       {R"(user.groups == "system:masters")", false},
                       {R"(user.groups == "")", false},
                       {R"(user.groups != "system:masters")", true},
                       {R"(user.groups has "x")", false},
                       {R"(user.groups !has "x")", true},
                       {R"(user.groups in ("a", ""))", false},
                       {R"(user.groups !in ("a", ""))", true},
                       {R"(sourceIPs startswith "")", false},
                       {R"(sourceIPs !startswith "")", true},
                       {R"(impersonatedUser.groups != "x")", true},
                   });
  }
}

// =============================================================================================
// 4. Fields: every spelling reads its part of the event.

namespace {

/// For each field, an expression suffix true on full_event (read from aks_record) and one false.
struct probe {
  std::string yes, no;
};

probe probe_for(lang::field_id id) {
  using fid = lang::field_id;
  switch (id) {
    case fid::kind: return {R"( == "Event")", R"( == "event")"};
    case fid::api_version: return {R"( == "audit.k8s.io/v1")", R"( == "audit.k8s.io/v1beta1")"};
    case fid::level: return {R"( == "RequestResponse")", R"( == "Metadata")"};
    case fid::audit_id: return {R"( == "a1b2c3d4-0001")", R"( == "a1b2c3d4")"};
    case fid::stage: return {R"( == "ResponseComplete")", R"( == "ResponseStarted")"};
    case fid::request_uri:
      return {R"( == "/api/v1/namespaces/kube-system/secrets/db-pass?timeout=30s")", R"( == "/api/v1")"};
    case fid::verb: return {R"( == "delete")", R"( == "get")"};
    case fid::user_agent:
      return {R"( == "kubectl/v1.29.0 (linux/amd64) \"quoted\" C:\\bin")", R"( == "kubectl/v1.29.0")"};
    case fid::user_username: return {R"( == "System:ServiceAccount:kube-system:foo")", R"( == "bob")"};
    case fid::user_uid: return {R"( == "uid-user-1")", R"( == "uid-imp-2")"};
    case fid::user_groups: return {R"( == "system:authenticated")", R"( == "devs")"};
    case fid::user_extra: return {R"(["scopes"][*] == "openid")", R"(["reason"][*] == "debug")"};
    case fid::imp_username: return {R"( == "bob")", R"( == "System:ServiceAccount:kube-system:foo")"};
    case fid::imp_uid: return {R"( == "uid-imp-2")", R"( == "uid-user-1")"};
    case fid::imp_groups: return {R"( == "oncall")", R"( == "system:masters")"};
    case fid::imp_extra: return {R"(["reason"][0] == "debug")", R"(["scopes"][0] == "openid")"};
    case fid::source_ips: return {R"( == "192.168.0.7")", R"( == "10.0.0.1")"};
    case fid::obj_resource: return {R"( == "secrets")", R"( == "db-pass")"};
    case fid::obj_namespace: return {R"( == "kube-system")", R"( == "secrets")"};
    case fid::obj_name: return {R"( == "db-pass")", R"( == "kube-system")"};
    case fid::obj_uid: return {R"( == "uid-obj-3")", R"( == "uid-user-1")"};
    case fid::obj_api_group: return {R"( == "apps")", R"( == "v1beta9")"};
    case fid::obj_api_version: return {R"( == "v1beta9")", R"( == "apps")"};
    case fid::obj_resource_version: return {R"( == "4242")", R"( == "status")"};
    case fid::obj_subresource: return {R"( == "status")", R"( == "4242")"};
    case fid::status_code: return {" == 403", " == 404"};
    case fid::status_status: return {R"( == "Failure")", R"( == "Forbidden")"};
    case fid::status_reason: return {R"( == "Forbidden")", R"( == "Failure")"};
    case fid::status_message: return {R"( == "secrets is forbidden")", R"( == "Forbidden")"};
    case fid::status_details: return {R"(["name"] == "db-pass")", R"(["name"] == "resp-name")"};
    case fid::request_object: return {R"(["spec"]["replicas"] == 3)", R"(["spec"]["replicas"] == 4)"};
    case fid::response_object: return {R"(["metadata"]["name"] == "resp-name")", R"(["metadata"]["name"] == "db-pass")"};
    case fid::annotations:
      return {R"(["authorization.k8s.io/decision"] == "forbid")", R"(["authorization.k8s.io/decision"] == "allow")"};
    case fid::request_received:
      return {" == datetime(2024-03-01T10:00:00Z)", " == datetime(2024-03-01T10:00:01.5Z)"};
    case fid::stage_time: return {" == datetime(2024-03-01T10:00:01.5Z)", " == datetime(2024-03-01T10:00:00Z)"};
    case fid::latency: return {" == 1500ms", " == 1s"};
    case fid::category: return {R"( == "kube-audit")", R"( == "kube-audit-admin")"};
    case fid::cluster: return {R"( == "MYCLUSTER")", R"( == "mycluster")"};
    case fid::resource_id: return {" == \"" + resource_id + "\"", R"( == "MYCLUSTER")"};
    case fid::pod: return {R"( == "kube-apiserver-abc")", R"( == "kube-apiserver")"};
    case fid::time_generated: return {" == datetime(2024-03-01T10:00:02Z)", " == datetime(2024-03-01T10:00:01.5Z)"};
    case fid::count_: break;
  }
  FAIL("no probe for field " << static_cast<int>(id));
  return {};
}

}  // namespace

TEST_CASE("filter: every spelling of every field reads its part (AKS Event Hub input)") {
  auto r = read_all(eventhub_message(full_event));
  REQUIRE(r.events.size() == 1);
  const event& e = *r.events[0];
  REQUIRE(e.origin.format == record_format::aks_eventhub_record);

  std::vector<bool> seen(static_cast<std::size_t>(lang::field_id::count_), false);
  std::size_t aliases = 0;
  for (const lang::spelling& s : lang::spellings()) {
    const probe p = probe_for(s.id);
    seen[static_cast<std::size_t>(s.id)] = true;
    if (s.name != lang::info(s.id).name) ++aliases;
    const std::string yes = std::string(s.name) + p.yes;
    const std::string no = std::string(s.name) + p.no;
    INFO("spelling: " << s.name);
    CHECK_MESSAGE(match(yes, e), yes);
    CHECK_MESSAGE(!match(no, e), no);
    // The projection the filter asks for is enough to evaluate it.
    reader_options opt;
    opt.fields = compile(yes).fields();
    auto projected = read_all(eventhub_message(full_event), opt);
    REQUIRE(projected.events.size() == 1);
    CHECK_MESSAGE(match(yes, *projected.events[0]), "projected: " << yes);
    CHECK_MESSAGE(!match(no, *projected.events[0]), "projected: " << no);
  }
  for (std::size_t i = 0; i < seen.size(); ++i) {
    INFO("field id " << i);
    CHECK(seen[i]);  // every field has a name
    // the canonical name is one of the spellings
    CHECK(compile(std::string(lang::info(static_cast<lang::field_id>(i)).name) +
                  probe_for(static_cast<lang::field_id>(i)).yes)
              .matches(e));
  }
  CHECK(aliases >= 30);  // the AKSAudit column names
}

TEST_CASE("filter: envelope fields from a plain AKS diagnostic record") {
  auto r = read_all(aks_record(full_event, "kube-audit-admin") + "\n");
  REQUIRE(r.events.size() == 1);
  check_rows(*r.events[0], {
                               {R"(category == "kube-audit-admin")", true},
                               {R"(Category == "kube-audit-admin")", true},
                               {R"(category == "kube-audit")", false},
                               {R"(category startswith "kube-audit")", true},
                               {R"(cluster == "MYCLUSTER")", true},
                               {R"(cluster =~ "mycluster")", true},
                               {R"(cluster == "mycluster")", false},
                               {R"(resourceId endswith "/MANAGEDCLUSTERS/MYCLUSTER")", true},
                               {R"(_ResourceId has "MICROSOFT")", true},
                               {R"(pod == "kube-apiserver-abc")", true},
                               {R"(PodName startswith "kube-apiserver-")", true},
                               {"time == datetime(2024-03-01T10:00:02Z)", true},
                               {"TimeGenerated between (datetime(2024-03-01T10:00:00Z) .. 5s)", true},
                               {"time > datetime(2024-03-01T10:00:02.000000001Z)", false},
                               {R"(verb == "delete" and category == "kube-audit-admin")", true},
                           });
}

TEST_CASE("filter: AKSAudit column names on Log Analytics rows") {
  const std::string row_obj =
      R"({"TimeGenerated":"2024-03-01T10:00:02.000Z","AuditId":"la-1","Level":"Metadata","Stage":"ResponseComplete",)"
      R"("RequestUri":"/api/v1/pods","Verb":"list","UserAgent":"kubectl/v1.29",)"
      R"("User":{"username":"masterclient","uid":"u-9","groups":["system:masters"],"extra":{"scopes":["s1","s2"]}},)"
      R"("ObjectRef":{"resource":"pods","namespace":"default","name":"p1"},"ResponseStatus":{"code":200},)"
      R"("SourceIps":["10.1.2.3"],"Annotations":{"authorization.k8s.io/decision":"allow"},)"
      R"("RequestObject":{"spec":{"replicas":2}},"ResponseObject":{"kind":"PodList"},)"
      R"("RequestReceivedTime":"2024-03-01T10:00:00Z","StageReceivedTime":"2024-03-01T10:00:00.25Z",)"
      R"("PodName":"kube-apiserver-1",)"
      R"("_ResourceId":"/subscriptions/s/resourcegroups/rg/providers/microsoft.containerservice/managedclusters/c1",)"
      R"("Type":"AKSAuditAdmin"})";
  // Dynamic columns may also come as JSON text.
  const std::string row_str =
      R"({"AuditId":"la-2","Verb":"get","User":"{\"username\":\"u2\",\"groups\":[\"g1\",\"g2\"]}",)"
      R"("ObjectRef":"{\"resource\":\"secrets\",\"name\":\"s\"}","ResponseStatus":"{\"code\":403}",)"
      R"("SourceIps":"[\"10.9.9.9\"]","Annotations":"{\"a\":\"b\"}","RequestObject":"{\"spec\":{\"replicas\":7}}",)"
      R"("Type":"AKSAudit"})";
  auto r = read_all("[" + row_obj + ",\n" + row_str + "]");
  REQUIRE(r.events.size() == 2);
  REQUIRE(r.events[0]->origin.format == record_format::loganalytics_row);
  check_rows(*r.events[0], {
                               {R"(AuditId == "la-1")", true},
                               {R"(auditID == "la-1")", true},
                               {R"(Level == "Metadata")", true},
                               {R"(Stage == "ResponseComplete")", true},
                               {R"(RequestUri == "/api/v1/pods")", true},
                               {R"(Verb == "list")", true},
                               {R"(verb == "list")", true},
                               {R"(UserAgent startswith "kubectl/")", true},
                               {R"(User.username == "masterclient")", true},
                               {R"(User.uid == "u-9")", true},
                               {R"(User.groups has "masters")", true},
                               {R"(User.extra.scopes[1] == "s2")", true},
                               {R"(user.extra["scopes"][*] == "s1")", true},
                               {R"(ObjectRef.namespace == "default")", true},
                               {R"(ObjectRef.name == "p1")", true},
                               {R"(ObjectRef.resource == "pods")", true},
                               {"ResponseStatus.code == 200", true},
                               {R"(SourceIps == "10.1.2.3")", true},
                               {R"(ipv4_is_in_range(SourceIps, "10.0.0.0/8"))", true},
                               {R"(Annotations["authorization.k8s.io/decision"] == "allow")", true},
                               {"RequestObject.spec.replicas == 2", true},
                               {R"(ResponseObject.kind == "PodList")", true},
                               {"RequestReceivedTime == datetime(2024-03-01T10:00:00Z)", true},
                               {"StageReceivedTime == datetime(2024-03-01T10:00:00.25Z)", true},
                               {"latency == 250ms", true},
                               {R"(PodName == "kube-apiserver-1")", true},
                               {R"(pod == "kube-apiserver-1")", true},
                               {R"(_ResourceId endswith "/managedclusters/c1")", true},
                               {R"(cluster == "c1")", true},
                               {R"(Category == "kube-audit-admin")", true},
                               {"TimeGenerated == datetime(2024-03-01T10:00:02Z)", true},
                               {"time > datetime(2024-03-01T10:00:01Z)", true},
                           });
  check_rows(*r.events[1], {
                               {R"(User.username == "u2")", true},
                               {R"(User.groups == "g2")", true},
                               {R"(ObjectRef.resource == "secrets")", true},
                               {"ResponseStatus.code == 403", true},
                               {R"(SourceIps == "10.9.9.9")", true},
                               {R"(Annotations.a == "b")", true},
                               {"RequestObject.spec.replicas > 5", true},
                               {R"(Category == "kube-audit")", true},
                               {"isempty(TimeGenerated)", true},
                               {"isempty(PodName)", true},
                           });
}

// Regression: the Log Analytics row reader ignored the AKSAudit `ImpersonatedUser` column.
TEST_CASE("filter: ImpersonatedUser column on Log Analytics rows") {
  const std::string row =
      R"({"AuditId":"la-3","Verb":"get","User":{"username":"admin"},)"
      R"("ImpersonatedUser":{"username":"imp","groups":["g-imp"]},"Type":"AKSAudit"})";
  auto r = read_all(row + "\n");
  REQUIRE(r.events.size() == 1);
  check_rows(*r.events[0], {
                               {R"(ImpersonatedUser.username == "imp")", true},
                               {R"(impersonatedUser.groups == "g-imp")", true},
                           });
}

TEST_CASE("filter: paths into JSON fields: keys, brackets, indexes, [*], numbers and booleans") {
  const owned_event e = ev(full_event);
  check_rows(*e, {
                     {R"(annotations["authorization.k8s.io/decision"] == "forbid")", true},
                     {R"(Annotations["authorization.k8s.io/decision"] == "forbid")", true},
                     {R"(annotations['authorization.k8s.io/decision'] =~ "FORBID")", true},
                     {R"(annotations["authorization.k8s.io/decision"] != "allow")", true},
                     {R"(annotations["authorization.k8s.io/decision"] != "forbid")", false},
                     {R"(annotations["authorization.k8s.io/reason"] has "rbac")", true},
                     {R"(annotations["authorization.k8s.io/missing"] == "forbid")", false},
                     {R"(annotations has "forbid")", true},  // the whole object's text
                     {R"(user.extra["scopes"][*] == "openid")", true},
                     {R"(user.extra["scopes"][*] == "Email")", true},
                     {R"(user.extra["scopes"][*] == "email")", false},
                     {R"(user.extra["scopes"][*] =~ "email")", true},
                     {R"(user.extra.scopes[*] == "openid")", true},
                     {R"(user.extra.scopes[0] == "openid")", true},
                     {R"(user.extra.scopes[1] == "openid")", false},
                     {R"(user.extra.scopes[-1] == "Email")", true},
                     {R"(user.extra.scopes[-2] == "openid")", true},
                     {R"(user.extra.scopes[-3] == "openid")", false},
                     {R"(user.extra.scopes[5] == "openid")", false},
                     {R"(user.extra.scopes == "openid")", false},  // an array is not its element
                     {R"(user.extra.scopes has "email")", true},
                     {R"(user.extra["authentication.kubernetes.io/pod-name"][0] == "pod-7")", true},
                     {R"(user.extra.missing[*] == "x")", false},
                     {R"(impersonatedUser.extra.reason[0] == "debug")", true},
                     {"requestObject.spec.containers[*].securityContext.privileged == true", true},
                     {"requestObject.spec.containers[*].securityContext.privileged == false", true},
                     {"requestObject.spec.containers[0].securityContext.privileged == true", false},
                     {"requestObject.spec.containers[1].securityContext.privileged == true", true},
                     {"requestObject.spec.containers[-1].securityContext.privileged == true", true},
                     {"requestObject.spec.containers[5].securityContext.privileged == true", false},
                     {R"(requestObject.spec.containers[*]["securityContext"].privileged == true)", true},
                     {R"(requestObject.spec.containers[*].image startswith "evil/")", true},
                     {R"(requestObject.spec.containers[*].image !startswith "evil/")", false},
                     {R"(requestObject.spec.containers[*].image !startswith "docker.io/")", true},
                     {R"(requestObject.spec.containers[*].name in ("db", "sidecar"))", true},
                     {R"(requestObject.spec.containers[*].name !in ("app", "sidecar"))", false},
                     {R"(requestObject.spec.containers[0].name matches regex "^a.p$")", true},
                     {R"(requestObject.kind == "Deployment")", true},
                     {R"(requestObject.kind =~ "deployment")", true},
                     {R"(requestObject.kind has_cs "deployment")", false},
                     {R"(requestObject.kind contains "ploy")", true},
                     {"requestObject.spec.replicas == 3", true},
                     {"requestObject.spec.replicas == 3.0", true},
                     {"requestObject.spec.replicas != 3", false},
                     {"requestObject.spec.replicas != 4", true},
                     {"requestObject.spec.replicas > 3", false},
                     {"requestObject.spec.replicas > 2", true},
                     {"requestObject.spec.replicas >= 3", true},
                     {"requestObject.spec.replicas < 3", false},
                     {"requestObject.spec.replicas <= 3", true},
                     {"requestObject.spec.replicas between (1 .. 3)", true},
                     {"requestObject.spec.replicas !between (1 .. 3)", false},
                     {"requestObject.spec.replicas in (1, 3)", true},
                     {"requestObject.spec.replicas in (1, 2)", false},
                     {"requestObject.spec.replicas > 2.5", true},
                     {"requestObject.kind > 2", false},  // not a number
                     {"requestObject.spec.missing > 0", false},
                     {"requestObject.metadata.creationTimestamp > datetime(2024-01-01)", true},
                     {"requestObject.metadata.creationTimestamp < datetime(2024-01-01)", false},
                     {"requestObject.metadata.creationTimestamp == datetime(2024-02-01)", true},
                     {R"(responseObject.metadata.name == "resp-name")", true},
                     {R"(ResponseObject.metadata.name == "resp-name")", true},
                     {R"(responseObject.metadata.name == "db-pass")", false},
                     {R"(responseStatus.details.name == "db-pass")", true},
                     {R"(responseStatus.details["kind"] == "secrets")", true},
                 });
  // Keys with dots, numbers as text, negative numbers, reals, nested arrays.
  const owned_event other = ev(
      R"({"verb":"create","requestObject":{"metadata":{"labels":{"app.kubernetes.io/name":"web","v":"2"}},)"
      R"("spec":{"replicas":12,"ratio":-0.5,"delta":-4,"matrix":[[1,2],[3,4]],"flag":"true"}}})");
  check_rows(*other, {
                         {R"(requestObject.metadata.labels["app.kubernetes.io/name"] == "web")", true},
                         {R"(requestObject.metadata.labels.app == "web")", false},
                         {R"(requestObject.metadata.labels.v == "2")", true},
                         {"requestObject.spec.replicas > 3", true},
                         {"requestObject.spec.replicas == 12", true},
                         {"requestObject.spec.replicas < 12", false},
                         {"requestObject.spec.ratio < 0", true},
                         {"requestObject.spec.ratio == -0.5", true},
                         {"requestObject.spec.delta == -4", true},
                         {"requestObject.spec.delta > -5", true},
                         {"requestObject.spec.matrix[1][0] == 3", true},
                         {"requestObject.spec.matrix[*][*] == 4", true},
                         {"requestObject.spec.matrix[*][*] > 4", false},
                         {"requestObject.spec.matrix[-1][-1] == 4", true},
                         {"requestObject.spec.flag == true", false},  // the string "true" is not a boolean
                         {R"(requestObject.spec.flag == "true")", true},
                     });
  // JSON escapes in values are decoded before comparing; booleans compare as booleans.
  const owned_event escaped = ev(
      R"({"verb":"create","requestObject":{"on":true,"data":{"k":"h\u00e9llo \"quoted\" \/x"}}})");
  check_rows(*escaped, {
                           {R"(requestObject.data.k == "h\u00e9llo \"quoted\" /x")", true},
                           {R"(requestObject.data.k endswith "\"quoted\" /x")", true},
                           {R"(requestObject.data.k has "héllo")", true},
                           {"requestObject.on == true", true},
                           {"requestObject.on == false", false},
                           {"requestObject.on in (true, false)", true},
                           {R"(requestObject.on == "true")", true},  // as text
                       });
}

// Regression: comparing a JSON value with a number used to fall back to comparing its text with
// the number literal's (empty) text, so "" equalled every number.
TEST_CASE("filter: a number never equals a JSON string") {
  const owned_event e = ev(R"({"verb":"create","requestObject":{"spec":{"replicas":"","name":"x","quoted":"3"}}})");
  check_rows(*e, {
                     {"requestObject.spec.replicas == 3", false},
                     {"requestObject.spec.replicas == 1.5", false},
                     {"requestObject.spec.replicas in (3)", false},
                     {"requestObject.spec.replicas != 3", true},
                     {"requestObject.spec.name == 3", false},
                     {"requestObject.spec.quoted == 3", false},  // "3" is a string, not a number
                     {R"(requestObject.spec.quoted == "3")", true},
                 });
}

// Regression: `in` with booleans on a JSON field used to look at the first value only.
TEST_CASE("filter: in with booleans on a JSON field considers every value") {
  const owned_event e = ev(R"({"verb":"create","requestObject":{"flag":true,"off":false}})");
  check_rows(*e, {
                     {"requestObject.flag in (true, false)", true},
                     {"requestObject.flag in (false, true)", true},
                     {"requestObject.flag !in (false, true)", false},
                     {"requestObject.off in (true, false)", true},
                     {"requestObject.off in (true)", false},
                 });
}

// =============================================================================================
// 5. Errors.

TEST_CASE("filter: syntax errors point at the problem") {
  check_error(R"(verb == "delete)", 9, "not closed");
  check_error(R"(verb == 'delete)", 9, "not closed");
  check_error("(verb == \"x\"", 13, "')'");
  check_error("not(verb == \"x\"", 16, "')'");
  check_error(R"(verb in ("a", "b")", 18, "')'");  // at the end
  check_error("verb ==", 8, "expected a value");
  check_error(R"(== "x")", 1, "expected a field name");
  check_error(R"(verb == "a" and)", 16, "expected an expression");
  check_error(R"(verb == "a" or or verb == "b")", 16, "unknown field 'or'");
  check_error("", 1, "expected an expression");
  check_error("()", 2, "expected a field name");
  check_error(R"(verb = "x")", 6, "use '=='");
  check_error(R"(verb likes "x")", 6, "unknown operator 'likes'");
  check_error(R"(verb "x")", 6, "expected an operator");
  check_error(R"(verb == delete)", 9, "strings need quotes");
  check_error(R"(verb == "a" verb == "b")", 13, "join conditions with 'and'");
  check_error(R"(verb == "a" AND verb == "b")", 13, "unexpected 'AND'");  // keywords are lower case
  check_error(R"(verb == "a"))", 12, "unexpected ')'");
  check_error(R"(not verb == "x")", 1, "not(expression)");
  check_error(R"(verb == "a" & verb == "b")", 13, "unexpected character '&'");
  check_error(R"(!(verb == "a"))", 1, "unexpected character '!'");
  check_error(R"(verb matches "x")", 14, "expected 'regex'");
  check_error(R"(verb in "a")", 9, "'('");
  check_error("responseStatus.code between (1 2)", 32, "'..'");
  check_error(R"(verb == "a\qb")", 11, "unknown escape");
  check_error(R"(userAgent endswith "C:\bin")", 23, "unknown escape");
  check_error(R"(verb == "\u00")", 10, "four hex digits");
  check_error("latency > 5y", 12, "unknown timespan unit 'y'");
  check_error("latency > 5 m", 13, "unexpected 'm'");
  check_error("requestReceivedTimestamp > datetime(2024-13-45)", 37, "not a date and time");
  check_error("requestReceivedTimestamp > datetime(2024-01-01", 36, "not closed");
  check_error("requestReceivedTimestamp > ago(5)", 32, "ago( needs a timespan");
  check_error(R"(requestObject[1.5] == "x")", 15, "inside [ ]");
  check_error(R"(requestObject. == "x")", 16, "expected a name after '.'");
  check_error(R"(verb == "x" | where verb == "y")", 13, "unexpected '|'");
}

TEST_CASE("filter: very deep nesting is an error, not a crash") {
  // 100000 levels used to overflow the stack in filter::compile.
  constexpr std::size_t depth = 100000;
  const std::string parens = std::string(depth, '(') + R"(verb == "x")" + std::string(depth, ')');
  const expression_error e = compile_error(parens);
  CHECK(e.message.find("levels deep") != npos);
  CHECK(e.column > 1);
  CHECK(e.column <= 1000);  // at the first level too many, not at the end
  std::string nots;
  for (std::size_t i = 0; i < depth; ++i) nots += "not(";
  nots += "true" + std::string(depth, ')');
  CHECK(compile_error(nots).message.find("levels deep") != npos);
  // Reasonable nesting is fine, and evaluates correctly.
  std::string ok;
  for (int i = 0; i < 40; ++i) ok += "not(";
  ok += R"(verb == "delete")" + std::string(40, ')');
  CHECK(match(ok, *ev(full_event)));  // an even number of not()
  // A builder tree is bounded the same way.
  expr deep = field::verb == "delete";
  for (std::size_t i = 0; i < 1000; ++i) deep = !deep;
  auto b = filter::compile(deep);
  REQUIRE_FALSE(b.has_value());
  CHECK(b.error().message.find("levels deep") != npos);
}

TEST_CASE("filter: unknown names, with suggestions") {
  check_error(R"(vreb == "x")", 1, "unknown field 'vreb' (did you mean 'verb'?)");
  check_error(R"(namespace == "x")", 1, "unknown field 'namespace' (did you mean 'objectRef.namespace'?)");
  check_error(R"(Verb2 == "x")", 1, "unknown field 'Verb2' (did you mean 'verb'?)");
  check_error(R"(user.usrname == "x")", 1, "did you mean 'user.username'?");
  check_error(R"(objectRef.namespce == "x")", 1, "did you mean 'objectRef.namespace'?");
  check_error(R"(verb == "a" and objectref.resource == "b")", 17, "did you mean 'objectRef.resource'?");
  check_error(R"(VERB == "x")", 1, "unknown field 'VERB'");  // names are case-sensitive
  {
    const expression_error e = compile_error(R"(xyzzyplugh == "x")");
    CHECK(e.column == 1);
    CHECK(e.message.find("unknown field 'xyzzyplugh'") != npos);
    CHECK(e.message.find("did you mean") == npos);  // nothing close
  }
  check_error(R"(user == "x")", 1, "unknown field 'user'");
  check_error("isemtpy(verb)", 1, "unknown function 'isemtpy'");
  check_error(R"(verb == "a" or tolower(verb) == "b")", 16, "unknown function 'tolower'");
  check_error("empty(verb)", 1, "did you mean 'isempty'?");
  check_error(R"(isempty("verb"))", 9, "expected a field name");
  check_error(R"(ipv4_is_in_range(sourceIPs))", 27, "','");
  check_error(R"(verb.x == "a")", 1, "'verb' has no sub-fields");
  check_error(R"(user.groups[0] == "a")", 1, "'user.groups' has no sub-fields (it is a list of strings)");
  check_error(R"(responseStatus.code.x == 1)", 1, "has no sub-fields");
}

TEST_CASE("filter: type errors are reported at compile time") {
  check_error(R"(responseStatus.code == "abc")", 24, "compare it with a number");
  check_error(R"(responseStatus.code in (200, "404"))", 30, "not a string");
  check_error(R"(responseStatus.code has "4")", 21, "'has' works on strings");
  check_error(R"(responseStatus.code =~ "4")", 21, "'=~' works on strings");
  check_error(R"(responseStatus.code matches regex "4")", 21, "works on strings");
  check_error(R"(ipv4_is_in_range(responseStatus.code, "10.0.0.0/8"))", 1, "works on strings");
  check_error("responseStatus.code == 5m", 24, "not a timespan");
  check_error("verb > 3", 6, "'>' compares numbers");
  check_error(R"(verb between ("a" .. "b"))", 6, "compares numbers");
  check_error("verb == 3", 9, "compare it with a quoted string");
  check_error(R"(verb in ("a", 3))", 15, "compare it with a quoted string");
  check_error("verb == true", 9, "not a boolean");
  check_error(R"(user.groups == 1)", 16, "a list of strings");
  check_error("latency > 5", 11, "a timespan such as 500ms");
  check_error("latency > 5.5", 11, "a timespan");
  check_error("latency > datetime(2024-01-01)", 11, "not a datetime");
  check_error(R"(latency has "5")", 9, "works on strings");
  check_error(R"(requestReceivedTimestamp == "2024")", 29, "datetime(2024-05-01T10:00:00Z)");
  check_error("requestReceivedTimestamp > 5m", 28, "not a timespan");
  check_error("requestReceivedTimestamp > 1700000000", 28, "not an integer");
  check_error(R"(requestObject.spec.replicas > "3")", 31, "cannot compare a JSON value with a string");
  check_error("requestObject.spec.replicas == 5m", 32, "timespan");
  check_error(R"(requestObject.kind has 3)", 24, "cannot compare");
  check_error(R"(requestObject.spec.replicas in (1, "2"))", 36, "of one type");
  check_error(R"(verb matches regex "(unclosed")", 20, "bad regular expression");
  check_error(R"(verb matches regex "a{2,1}")", 20, "bad regular expression");
}

TEST_CASE("filter: errors on later lines render that line with the caret under the column") {
  const std::string text = "verb == \"a\"\n  and vreb == \"b\"";
  const expression_error e = compile_error(text);
  CHECK(e.column == text.find("vreb") + 1);
  CHECK(e.render() == "error: " + e.message + "\n    and vreb == \"b\"\n        ^");
  // Tabs are shown as spaces so that the caret lines up.
  const std::string tabbed = "\tvreb == \"b\"";
  const expression_error t = compile_error(tabbed);
  CHECK(t.column == 2);
  CHECK(t.render() == "error: " + t.message + "\n   vreb == \"b\"\n   ^");
}

// =============================================================================================
// 6. The typed builder.

namespace {

struct builder_case {
  expr built;
  const char* text;
};

std::vector<builder_case> builder_cases() {
  using namespace std::chrono_literals;
  namespace f = k8saudit::field;
  return {
      {f::verb == "delete" && f::object_namespace == "kube-system",
       R"(verb == "delete" and objectRef.namespace == "kube-system")"},
      {f::verb == "get" || f::verb == "list", R"(verb == "get" or verb == "list")"},
      {!(f::verb == "get"), R"(not(verb == "get"))"},
      {f::verb != "get", R"(verb != "get")"},
      {f::object_resource.in({"secrets", "configmaps"}), R"(objectRef.resource in ("secrets", "configmaps"))"},
      {f::object_namespace.in_ci({"KUBE-SYSTEM"}), R"(objectRef.namespace in~ ("KUBE-SYSTEM"))"},
      {f::user_groups.has("masters"), R"(user.groups has "masters")"},
      {f::user_groups != "system:masters", R"(user.groups != "system:masters")"},
      {f::user_groups.empty(), "isempty(user.groups)"},
      {f::user_username.startswith("system:serviceaccount:"), R"(user.username startswith "system:serviceaccount:")"},
      {f::user_username.contains_cs("Admin"), R"(user.username contains_cs "Admin")"},
      {f::user_agent.matches_regex(R"(^kubectl/v1\.(29|30))"), R"~(userAgent matches regex @"^kubectl/v1\.(29|30)")~"},
      {f::verb.equals_ci("DELETE"), R"(verb =~ "DELETE")"},
      {f::object_name.endswith("pass") || f::object_name.has_cs("cm"),
       R"(objectRef.name endswith "pass" or objectRef.name has_cs "cm")"},
      {f::source_ips.ipv4_in_range("10.0.0.0/8"), R"(ipv4_is_in_range(sourceIPs, "10.0.0.0/8"))"},
      {f::response_code >= 400, "responseStatus.code >= 400"},
      {f::response_code != 200, "responseStatus.code != 200"},
      {f::response_code.between(200, 299), "responseStatus.code between (200 .. 299)"},
      {f::response_code.in({403, 404}), "responseStatus.code in (403, 404)"},
      {f::response_code.empty(), "isempty(responseStatus.code)"},
      {f::latency > std::chrono::seconds(1), "latency > 1s"},
      {f::latency.between(100ms, 2s), "latency between (100ms .. 2s)"},
      {f::latency <= 10ms, "latency <= 10ms"},
      {f::request_received_timestamp.between(ts("2024-05-01T00:00:00Z"), ts("2024-05-31T00:00:00Z")),
       "requestReceivedTimestamp between (datetime(2024-05-01) .. datetime(2024-05-31))"},
      {f::stage_timestamp < ts("2024-05-01T00:00:02Z"), "stageTimestamp < datetime(2024-05-01T00:00:02Z)"},
      {f::request_object["spec"]["containers"].all()["securityContext"]["privileged"] == true,
       "requestObject.spec.containers[*].securityContext.privileged == true"},
      {f::request_object["spec"]["containers"].at(-1)["name"] == "b", R"(requestObject.spec.containers[-1].name == "b")"},
      {f::request_object["spec"]["replicas"] > 2, "requestObject.spec.replicas > 2"},
      {f::request_object["spec"]["replicas"] == 1, "requestObject.spec.replicas == 1"},
      {f::request_object["spec"].empty(), "isempty(requestObject.spec)"},
      {f::annotations["authorization.k8s.io/decision"] == "forbid",
       R"(annotations["authorization.k8s.io/decision"] == "forbid")"},
      {f::annotations["authorization.k8s.io/decision"] != "forbid",
       R"(annotations["authorization.k8s.io/decision"] != "forbid")"},
      {(f::verb == "delete" || f::verb == "create") && !f::user_username.contains("system:"),
       R"((verb == "delete" or verb == "create") and not(user.username contains "system:"))"},
  };
}

}  // namespace

TEST_CASE("filter: builder filters agree with their text equivalents and with their own text()") {
  const std::vector<owned_event> owned = varied();
  const std::vector<event> events = views(owned);
  for (const builder_case& c : builder_cases()) {
    INFO("text: " << std::string_view(c.text));
    auto built = filter::compile(c.built);
    REQUIRE_MESSAGE(built.has_value(), (built ? std::string() : built.error().render()));
    const filter text = compile(c.text);
    const filter again = compile(built->text());
    INFO("builder text(): " << built->text());
    const auto expected = matching(text, events);
    CHECK(matching(*built, events) == expected);
    CHECK(matching(again, events) == expected);
    CHECK(!expected.empty());               // each case tells the events apart:
    CHECK(expected.size() < events.size());  // some match, some do not
    CHECK(built->fields() == text.fields());
  }
}

TEST_CASE("filter: builder text() renders canonical names and flattens chains") {
  namespace f = k8saudit::field;
  auto a = filter::compile(f::verb == "delete" && f::object_namespace == "kube-system" && f::response_code >= 400);
  REQUIRE(a.has_value());
  CHECK(a->text() == R"((verb == "delete" and objectRef.namespace == "kube-system" and responseStatus.code >= 400))");
  auto b = filter::compile(!(f::verb == "get") || f::annotations["a/b"] == "x\"y");
  REQUIRE(b.has_value());
  CHECK(b->text() == R"((not(verb == "get") or annotations["a/b"] == "x\"y"))");
  auto c = filter::compile(f::latency > std::chrono::milliseconds(1500));
  REQUIRE(c.has_value());
  CHECK(c->text() == "latency > 1500ms");
  auto d = filter::compile(f::request_object["spec"]["containers"].all()["image"].startswith("evil/"));
  REQUIRE(d.has_value());
  CHECK(d->text() == R"(requestObject["spec"]["containers"][*]["image"] startswith "evil/")");
  // Text compiled from text keeps the text as given.
  CHECK(compile("verb  ==  'x'").text() == "verb  ==  'x'");
}

TEST_CASE("filter: builder values the C++ compiler cannot check fail in compile()") {
  namespace f = k8saudit::field;
  auto bad_range = filter::compile(f::source_ips.ipv4_in_range("10.0.0.0/40"));
  REQUIRE_FALSE(bad_range.has_value());
  CHECK(bad_range.error().message.find("not an IPv4 address or range") != npos);
  CHECK(bad_range.error().column == 1);
  auto bad_re = filter::compile(f::verb == "x" && f::user_agent.matches_regex("(unclosed"));
  REQUIRE_FALSE(bad_re.has_value());
  CHECK(bad_re.error().message.find("bad regular expression") != npos);
}

// Regression: text() rendered a timespan that is not a whole number of ticks (100 ns) by
// truncating it (`latency > 1tick` for 150 ns).
TEST_CASE("filter: builder text() of sub-tick durations recompiles to the same filter") {
  auto b = filter::compile(field::latency > std::chrono::nanoseconds(150));
  REQUIRE(b.has_value());
  const owned_event e =
      ev(R"({"verb":"get","requestReceivedTimestamp":"2024-01-01T00:00:00Z","stageTimestamp":"2024-01-01T00:00:00.000000120Z"})");
  CHECK_FALSE(b->matches(*e));
  CHECK(compile(b->text()).matches(*e) == b->matches(*e));
  CHECK(b->text() == "latency > 0.000000150s");
}

// The builder cannot give an empty list a text form (`verb in ()` is not the language), so
// compile() refuses it, as the text parser does.
TEST_CASE("filter: builder with an empty in list is a compile error") {
  auto b = filter::compile(field::verb.in({}));
  REQUIRE_FALSE(b.has_value());
  CHECK(b.error().message.find("at least one value") != std::string::npos);
  CHECK_FALSE(filter::compile("verb in ()").has_value());
}

// =============================================================================================
// 7. Projection.

TEST_CASE("filter: fields() is what the expression reads, and nothing else") {
  CHECK(compile(R"(verb == "x")").fields() == field_mask(part::verb));
  CHECK(compile(R"(Verb == "x")").fields() == field_mask(part::verb));
  CHECK(compile(R"(user.groups has "x")").fields() == (part::user | part::user_groups));
  CHECK(compile(R"(user.extra.scopes[*] == "x")").fields() == (part::user | part::user_groups));
  CHECK(compile(R"(user.username == "x")").fields() == field_mask(part::user));  // the lists skipped unread
  CHECK(compile(R"(impersonatedUser.username == "x")").fields() == field_mask(part::impersonated_user));
  CHECK(compile("latency > 1s").fields() == (part::request_received_timestamp | part::stage_timestamp));
  CHECK(compile("stageTimestamp > ago(1h)").fields() == field_mask(part::stage_timestamp));
  CHECK(compile("isempty(responseStatus.code)").fields() == field_mask(part::response_status));
  CHECK(compile(R"(not(annotations.a == "b"))").fields() == field_mask(part::annotations));
  CHECK(compile(R"(ipv4_is_in_range(sourceIPs, "10.0.0.0/8"))").fields() == field_mask(part::source_ips));
  CHECK(compile(R"(verb == "x" and (objectRef.namespace == "y" or requestObject.a == 1))").fields() ==
        (part::verb | part::object_ref | part::request_object));
  CHECK(compile(R"(category == "kube-audit" and cluster == "c" and time > ago(1h))").fields() == field_mask::none());
  CHECK(compile("true").fields() == field_mask::none());
  const field_mask m = compile(R"(verb == "x")").fields();
  CHECK_FALSE(m.has(part::request_object));
  CHECK_FALSE(m.has(part::response_object));
  CHECK_FALSE(m.has(part::user));
  // The default filter matches everything and needs nothing.
  const filter all;
  CHECK(all.fields() == field_mask::none());
  CHECK(all.text() == "true");
  CHECK(all.required_literals().empty());
  CHECK(all.matches(*ev(bare_event)));
}

TEST_CASE("filter: an event parsed with only fields() gives the same answers") {
  const std::vector<std::string> exprs = {
      R"(verb == "delete" and objectRef.namespace == "kube-system")",
      R"(user.groups has "masters" or user.username startswith "system:serviceaccount:")",
      "responseStatus.code >= 400",
      "isempty(responseStatus.code)",
      "latency > 1s",
      "requestObject.spec.containers[*].securityContext.privileged == true",
      R"(annotations["authorization.k8s.io/decision"] == "forbid")",
      R"(ipv4_is_in_range(sourceIPs, "10.0.0.0/8"))",
      R"(not(verb in ("get", "list", "watch")) and isnotempty(user.username))",
      R"(userAgent matches regex "^kubectl/" and requestReceivedTimestamp < datetime(2024-05-15))",
      R"(verb != "get" and user.username != "bob")",
  };
  for (const std::string& x : exprs) {
    INFO("expression: " << x);
    const filter f = compile(x);
    parser_options o;
    o.fields = f.fields();
    parser projected(o);
    std::size_t hits = 0;
    for (const std::string& j : varied_events) {
      INFO("event: " << j);
      const bool full = f.matches(*ev(j));
      auto pe = projected.parse(j);
      REQUIRE(pe.has_value());
      CHECK(f.matches(*pe) == full);
      hits += full ? 1 : 0;
    }
    CHECK(hits > 0);
    CHECK(hits < varied_events.size());
  }
}

// =============================================================================================
// 8. Batch selection.

TEST_CASE("filter: select() returns exactly the indexes matches() accepts") {
  const std::vector<owned_event> owned = varied();
  const std::vector<event> events = views(owned);
  for (const char* x : {R"(verb == "delete")", "responseStatus.code >= 400", "latency > 1s", "true", "false",
                        R"(user.groups has "masters" or isempty(responseStatus.code))"}) {
    INFO("expression: " << std::string_view(x));
    const filter f = compile(x);
    const std::vector<std::uint32_t> expected = matching(f, events);
    std::vector<std::uint32_t> got{99, 98};  // replaced, not appended to
    f.select(events, got);
    CHECK(got == expected);
    std::vector<std::uint32_t> buf(events.size(), 12345);
    const std::size_t n = f.select(std::span<const event>(events), std::span<std::uint32_t>(buf));
    REQUIRE(n == expected.size());
    CHECK(std::vector<std::uint32_t>(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(n)) == expected);
  }
  const filter f = compile(R"(verb == "delete")");
  CHECK(matching(f, events) == std::vector<std::uint32_t>{0, 2});
  std::vector<std::uint32_t> none{1, 2, 3};
  f.select(std::span<const event>(), none);
  CHECK(none.empty());
  std::vector<std::uint32_t> all;
  filter().select(events, all);
  CHECK(all.size() == events.size());
  CHECK(all.back() == events.size() - 1);
}

// =============================================================================================
// 9. Prefilter literals.

TEST_CASE("filter: required_literals() holds only literals every match contains") {
  auto literals = [](std::string_view x) { return compile(x).required_literals().to_string(); };
  CHECK(literals(R"(verb == "delete")") == R"("delete")");
  {
    const filter f = compile(R"(verb == "delete")");
    REQUIRE(f.required_literals().clauses().size() == 1);
    REQUIRE(f.required_literals().clauses()[0].size() == 1);
    CHECK(f.required_literals().clauses()[0][0].text == "delete");
    CHECK_FALSE(f.required_literals().clauses()[0][0].ignore_case);
  }
  CHECK(literals(R"(verb != "delete")") == "true");
  CHECK(literals(R"(not(verb == "delete"))") == "true");
  CHECK(literals("responseStatus.code >= 400") == "true");
  CHECK(literals(R"(verb matches regex "del.*")") == "true");
  CHECK(literals(R"(isempty(verb))") == "true");
  CHECK(literals(R"(ipv4_is_in_range(sourceIPs, "10.0.0.0/8"))") == "true");
  CHECK(literals("true") == "true");
  CHECK(literals(R"(verb == "a")") == "true");  // too short to be worth a search
  CHECK(literals(R"(requestURI == "/")") == "true");  // only unsafe bytes
  CHECK(literals(R"(requestURI == "/api/v1/secrets")") == R"("secrets")");  // the longest safe run
  CHECK(literals(R"(verb == "x1" or objectRef.resource == "y1")") == R"(("x1" OR "y1"))");
  {
    const filter f = compile(R"(verb == "x1" or objectRef.resource == "y1")");
    REQUIRE(f.required_literals().clauses().size() == 1);
    CHECK(f.required_literals().clauses()[0].size() == 2);
  }
  CHECK(literals(R"(verb == "delete" or responseStatus.code >= 400)") == "true");
  CHECK(literals(R"(verb =~ "DELETE")") == R"(i"delete")");
  CHECK(literals(R"(verb has "Delete")") == R"(i"delete")");
  CHECK(literals(R"(verb in~ ("Get", "List"))") == R"((i"get" OR i"list"))");
  CHECK(literals(R"(verb contains_cs "Del")") == R"("Del")");
  CHECK(literals(R"(verb == "delete" and objectRef.resource in ("secrets", "configmaps"))") ==
        R"(("secrets" OR "configmaps") AND "delete")");
  CHECK(literals(R"(annotations["authorization.k8s.io/decision"] == "forbid")") ==
        R"("authorization.k8s.io" AND "forbid")");
  CHECK(literals("requestObject.spec.replicas > 3") == R"("replicas")");
  CHECK(literals("requestObject.spec.containers[*].securityContext.privileged == true") ==
        R"("privileged" AND "true")");
  // Stable: the same expression always gives the same prefilter, and copies share it.
  const std::string x = R"(verb == "delete" and (user.username =~ "Alice" or user.groups has "admins"))";
  const filter f1 = compile(x);
  const filter f2 = compile(x);
  const filter f3 = f1;  // NOLINT(performance-unnecessary-copy-initialization)
  CHECK(f1.required_literals().to_string() == f2.required_literals().to_string());
  CHECK(f3.required_literals().to_string() == f1.required_literals().to_string());
  CHECK(f1.required_literals().to_string() == R"("delete" AND (i"alice" OR i"admins"))");  // longest first
}

TEST_CASE("filter: reading with required_literals() as the prefilter keeps every match") {
  std::string jsonl;
  for (const std::string& j : varied_events) jsonl += j + "\n";
  jsonl += aks_record(full_event) + "\n";
  for (const char* x : {R"(verb == "delete")", R"(verb =~ "delete")", R"(objectRef.resource in ("secrets", "pods"))",
                        R"(user.groups has "masters" or userAgent startswith "kubectl/")",
                        R"(annotations["authorization.k8s.io/decision"] == "forbid")",
                        "requestObject.spec.containers[*].securityContext.privileged == true",
                        R"(requestURI contains "/api/v1/pods")", R"(user.username has "kube")"}) {
    INFO("expression: " << std::string_view(x));
    const filter f = compile(x);
    CHECK_FALSE(f.required_literals().empty());
    auto all = read_all(jsonl);
    reader_options opt;
    opt.prefilter = &f.required_literals();
    auto pre = read_all(jsonl, opt);
    std::vector<std::string> a, b;
    for (const owned_event& e : all.events) {
      if (f.matches(*e)) a.emplace_back(e->audit_id.empty() ? std::string(e->verb) : std::string(e->audit_id));
    }
    for (const owned_event& e : pre.events) {
      if (f.matches(*e)) b.emplace_back(e->audit_id.empty() ? std::string(e->verb) : std::string(e->audit_id));
    }
    CHECK(!a.empty());
    CHECK(a == b);
    CHECK(pre.events.size() <= all.events.size());
  }
}

// Regression: `category` on Log Analytics rows is derived from the Type column ("AKSAudit" ->
// "kube-audit"), so "kube-audit" is not in the record's bytes; the prefilter used to require it
// and drop every matching row.
TEST_CASE("filter: prefilter literals of derived fields keep Log Analytics rows") {
  const std::string row = R"({"AuditId":"la-9","Verb":"get","User":{"username":"u"},"Type":"AKSAudit"})";
  const std::string admin = R"({"AuditId":"la-10","Verb":"get","Type":"AKSAuditAdmin"})";
  const std::string jsonl = row + "\n" + admin + "\n";
  for (const char* x : {R"(category == "kube-audit")", R"(Category == "kube-audit-admin")",
                        R"(category startswith "kube-audit")"}) {
    INFO("expression: " << std::string_view(x));
    const filter f = compile(x);
    auto all = read_all(jsonl);
    REQUIRE(all.events.size() == 2);
    std::size_t expected = 0;
    for (const owned_event& e : all.events) expected += f.matches(*e) ? 1 : 0;
    REQUIRE(expected > 0);
    reader_options opt;
    opt.prefilter = &f.required_literals();
    auto pre = read_all(jsonl, opt);
    std::size_t got = 0;
    for (const owned_event& e : pre.events) got += f.matches(*e) ? 1 : 0;
    CHECK(got == expected);
  }
}

TEST_CASE("filter: one filter evaluated from several threads at once") {
  const std::vector<owned_event> owned = varied();
  const std::vector<event> events = views(owned);
  const filter f = compile(
      R"(requestObject.spec.containers[*].securityContext.privileged == true or )"
      R"(annotations["authorization.k8s.io/decision"] =~ "FORBID" or user.groups has "masters")");
  const std::vector<std::uint32_t> expected = matching(f, events);
  REQUIRE(!expected.empty());
  std::vector<int> agree(4, 0);
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < agree.size(); ++t) {
    threads.emplace_back([&, t] {
      const filter copy = f;  // copies share the compiled program
      int ok = 1;
      for (int round = 0; round < 200; ++round) {
        std::vector<std::uint32_t> got;
        (round % 2 ? copy : f).select(events, got);
        ok &= got == expected ? 1 : 0;
      }
      agree[t] = ok;
    });
  }
  for (std::thread& th : threads) th.join();
  for (int ok : agree) CHECK(ok == 1);
}

TEST_CASE("filter: hostile literals are errors, not deep recursion; latency overflow is null") {
  const std::string minuses = "responseStatus.code == " + std::string(100000, '-') + "5";
  auto a = filter::compile(minuses);
  REQUIRE_FALSE(a.has_value());
  CHECK(a.error().message.find("'-' must be followed by a number") != std::string::npos);
  std::string nested = "latency > ";
  for (int i = 0; i < 100000; ++i) nested += "timespan(";
  nested += "5m";
  for (int i = 0; i < 100000; ++i) nested += ")";
  auto b = filter::compile(nested);
  REQUIRE_FALSE(b.has_value());
  CHECK(b.error().message.find("needs a timespan") != std::string::npos);
  CHECK(filter::compile("latency > timespan(-5m)").has_value());
  CHECK_FALSE(filter::compile("stageTimestamp > ago(-100000000d)").has_value());
  // 1678 -> 2262 does not fit in 64-bit nanoseconds: the latency is null, so every comparison is false.
  auto f = filter::compile("latency > 1s or latency <= 1s");
  REQUIRE(f.has_value());
  const owned_event e = ev(
      R"({"verb":"get","requestReceivedTimestamp":"1678-01-01T00:00:00Z","stageTimestamp":"2262-01-01T00:00:00Z"})");
  CHECK_FALSE(f->matches(*e));
  CHECK(filter::compile("isempty(latency)")->matches(*e));
}
