// SPDX-License-Identifier: Apache-2.0
// The audit Policy (docs/audit-policy.md): loading and validation (every problem with its place,
// warnings that do not fail a load), evaluation (every resource pattern form, groups,
// namespaces, non-resource prefixes, users, omitStages, omitManagedFields, first match wins)
// and the request attributes derived from events (the requestURI parse, the create-name trap,
// fieldSelector names, percent-decoding).
#include <doctest/doctest.h>

#include <algorithm>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <unistd.h>

#include <k8saudit/k8saudit.h>

using namespace k8saudit;

namespace {

// ---------------------------------------------------------------------------------------------
// Helpers.

policy load_ok(std::string_view text) {
  auto r = policy::load(text);
  REQUIRE_MESSAGE(r.has_value(), "does not load:\n" << (r ? std::string() : r.error().render()) << text);
  return std::move(r).value();
}

policy_load_error load_fail(std::string_view text) {
  auto r = policy::load(text);
  REQUIRE_MESSAGE(!r.has_value(), "loads but should not:\n" << text);
  return r.error();
}

std::size_t count_errors(std::span<const policy_problem> ps) {
  return static_cast<std::size_t>(std::count_if(ps.begin(), ps.end(), [](const policy_problem& p) { return !p.warning; }));
}

/// The problem at `where` with the given severity whose message contains `part`.
const policy_problem* find_problem(std::span<const policy_problem> ps, std::string_view where, bool warning,
                                   std::string_view part = {}) {
  for (const policy_problem& p : ps) {
    if (p.where == where && p.warning == warning && p.message.find(part) != std::string::npos) return &p;
  }
  return nullptr;
}

std::string dump(std::span<const policy_problem> ps) {
  return policy_load_error{{ps.begin(), ps.end()}}.render();
}

#define CHECK_ERROR(ps, where, part) CHECK_MESSAGE(find_problem(ps, where, false, part) != nullptr, dump(ps))
#define CHECK_WARNING(ps, where, part) CHECK_MESSAGE(find_problem(ps, where, true, part) != nullptr, dump(ps))

std::string quote(std::string_view s) {
  std::string out;
  write_json_string(s, out);
  return out;
}

/// A request, written as an audit event.
struct req {
  std::string verb{"get"};
  std::string uri{};
  std::string user{"alice"};
  std::vector<std::string> groups{"system:authenticated"};
  bool ref{true};  // objectRef present
  std::string group{};
  std::string resource{};
  std::string sub{};
  std::string ns{};
  std::string name{};
  std::string stage{"ResponseComplete"};
  std::string extra{};  // more top-level members, with a leading comma
};

std::string to_json(const req& r) {
  std::string j = R"({"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"RequestResponse","auditID":"a1",)";
  j += R"("stage":)" + quote(r.stage) + R"(,"requestURI":)" + quote(r.uri) + R"(,"verb":)" + quote(r.verb);
  j += R"(,"user":{)";
  if (!r.user.empty()) {
    j += R"("username":)" + quote(r.user) + R"(,"groups":[)";
    for (std::size_t i = 0; i < r.groups.size(); ++i) {
      if (i != 0) j += ',';
      j += quote(r.groups[i]);
    }
    j += "]";
  }
  j += "}";
  if (r.ref) {
    j += R"(,"objectRef":{"resource":)" + quote(r.resource);
    if (!r.ns.empty()) j += R"(,"namespace":)" + quote(r.ns);
    if (!r.name.empty()) j += R"(,"name":)" + quote(r.name);
    if (!r.group.empty()) j += R"(,"apiGroup":)" + quote(r.group);
    j += R"(,"apiVersion":"v1")";
    if (!r.sub.empty()) j += R"(,"subresource":)" + quote(r.sub);
    j += "}";
  }
  j += r.extra;
  j += "}";
  return j;
}

owned_event ev(std::string_view json) {
  parser p;
  auto r = p.parse(json);
  REQUIRE_MESSAGE(r.has_value(), "does not parse: " << json);
  return r->to_owned();
}

owned_event ev(const req& r) { return ev(to_json(r)); }

policy_decision decide(const policy& p, const req& r) { return p.evaluate(*ev(r)); }

/// Derives the attributes of `r` into `a`; `keep` holds the event the views point into.
void derive(owned_event& keep, const req& r, request_attributes& a) {
  keep = ev(r);
  derive_attributes(*keep, a);
}

/// Common requests.
req get_pod(std::string ns = "default", std::string name = "p1") {
  req r;
  r.uri = "/api/v1/namespaces/" + ns + "/pods/" + name;
  r.resource = "pods";
  r.ns = std::move(ns);
  r.name = std::move(name);
  return r;
}

req pod_log() {
  req r;
  r.uri = "/api/v1/namespaces/default/pods/p1/log?container=c";
  r.resource = "pods";
  r.sub = "log";
  r.ns = "default";
  r.name = "p1";
  return r;
}

req deployment_scale() {
  req r;
  r.verb = "update";
  r.uri = "/apis/apps/v1/namespaces/default/deployments/web/scale";
  r.group = "apps";
  r.resource = "deployments";
  r.sub = "scale";
  r.ns = "default";
  r.name = "web";
  return r;
}

req non_resource(std::string uri, std::string verb = "get") {
  req r;
  r.verb = std::move(verb);
  r.uri = std::move(uri);
  r.ref = false;
  return r;
}

std::string policy_with_rules(std::string_view rules, std::string_view extra = {}) {
  std::string s = "apiVersion: audit.k8s.io/v1\nkind: Policy\n";
  s += extra;
  s += "rules:\n";
  s += rules;
  return s;
}

/// A policy whose first rule (Metadata) is `rule` (YAML flow mapping without level) and whose
/// second is a catch-all at Request, so a decision tells whether the first rule matched.
policy probe(std::string_view rule) {
  std::string r = "- {level: Metadata, ";
  r += rule;
  r += "}\n- level: Request\n";
  return load_ok(policy_with_rules(r));
}

bool first_matches(const policy& p, const req& r) {
  policy_decision d = decide(p, r);
  return d.rule.has_value() && *d.rule == 0;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Resource matching (spec 2.4).

TEST_CASE("policy: every resource pattern form against pods, pods/log and deployments/scale") {
  struct row {
    const char* pattern;
    bool pods, log, scale;
  };
  const row table[] = {
      {"pods", true, false, false},  {"pods/log", false, true, false}, {"*", true, true, true},
      {"pods/*", true, true, false}, {"*/log", false, true, false},    {"*/scale", false, false, true},
      {"*/*", false, false, false},
  };
  for (const row& t : table) {
    CAPTURE(t.pattern);
    policy p = probe(std::string(R"(resources: [{group: "*", resources: [")") + t.pattern + "\"]}]");
    CHECK(first_matches(p, get_pod()) == t.pods);
    CHECK(first_matches(p, pod_log()) == t.log);
    CHECK(first_matches(p, deployment_scale()) == t.scale);
  }
}

TEST_CASE("policy: pods/*/* and other impossible patterns load with a warning and match nothing") {
  policy p = probe(R"(resources: [{group: "*", resources: ["pods/*/*", "*/*", "", "pods/"]}])");
  CHECK(find_problem(p.warnings(), "rules[0].resources[0].resources[0]", true, "never matches") != nullptr);
  CHECK(find_problem(p.warnings(), "rules[0].resources[0].resources[1]", true, "never matches") != nullptr);
  CHECK(find_problem(p.warnings(), "rules[0].resources[0].resources[2]", true, "never matches") != nullptr);
  CHECK(find_problem(p.warnings(), "rules[0].resources[0].resources[3]", true, "never matches") != nullptr);
  CHECK_FALSE(first_matches(p, get_pod()));
  CHECK_FALSE(first_matches(p, pod_log()));
  CHECK_FALSE(first_matches(p, deployment_scale()));
}

TEST_CASE("policy: group \"\" is the core group only, \"*\" every group, a named group exactly") {
  policy core = probe(R"(resources: [{group: "", resources: ["deployments", "pods"]}])");
  policy omitted = probe(R"(resources: [{resources: ["deployments", "pods"]}])");
  policy apps = probe(R"(resources: [{group: apps, resources: ["deployments", "pods"]}])");
  policy any = probe(R"(resources: [{group: "*", resources: ["deployments", "pods"]}])");
  req dep;
  dep.uri = "/apis/apps/v1/namespaces/default/deployments/web";
  dep.group = "apps";
  dep.resource = "deployments";
  dep.ns = "default";
  dep.name = "web";
  req extensions_dep = dep;
  extensions_dep.uri = "/apis/extensions/v1beta1/namespaces/default/deployments/web";
  extensions_dep.group = "extensions";

  CHECK(first_matches(core, get_pod()));
  CHECK_FALSE(first_matches(core, dep));
  CHECK(first_matches(omitted, get_pod()));
  CHECK_FALSE(first_matches(omitted, dep));
  CHECK_FALSE(first_matches(apps, get_pod()));
  CHECK(first_matches(apps, dep));
  CHECK_FALSE(first_matches(apps, extensions_dep));
  CHECK(first_matches(any, get_pod()));
  CHECK(first_matches(any, dep));
  CHECK(first_matches(any, extensions_dep));

  // An entry without resources covers every resource and subresource of its group.
  policy whole_group = probe(R"(resources: [{group: apps}])");
  CHECK(first_matches(whole_group, dep));
  CHECK(first_matches(whole_group, deployment_scale()));
  CHECK_FALSE(first_matches(whole_group, get_pod()));

  // Entries are ORed.
  policy two = probe(R"(resources: [{group: apps, resources: ["daemonsets"]}, {group: "", resources: ["pods"]}])");
  CHECK(first_matches(two, get_pod()));
  CHECK_FALSE(first_matches(two, dep));
}

TEST_CASE("policy: resourceNames compare with the name from the requestURI") {
  policy p = probe(R"(resources: [{group: "", resources: ["configmaps"], resourceNames: ["leader"]}])");
  req get;
  get.uri = "/api/v1/namespaces/kube-system/configmaps/leader";
  get.resource = "configmaps";
  get.ns = "kube-system";
  get.name = "leader";
  CHECK(first_matches(p, get));

  req other = get;
  other.uri = "/api/v1/namespaces/kube-system/configmaps/other";
  other.name = "other";
  CHECK_FALSE(first_matches(p, other));

  // The create trap: objectRef.name comes from the body, the server evaluated an empty name.
  req create = get;
  create.verb = "create";
  create.uri = "/api/v1/namespaces/kube-system/configmaps";
  CHECK_FALSE(first_matches(p, create));
  create.stage = "RequestReceived";
  create.name.clear();
  CHECK_FALSE(first_matches(p, create));

  // list without a name, and list with fieldSelector=metadata.name=leader.
  req list = get;
  list.verb = "list";
  list.uri = "/api/v1/namespaces/kube-system/configmaps?limit=500";
  list.name.clear();
  CHECK_FALSE(first_matches(p, list));
  list.uri = "/api/v1/namespaces/kube-system/configmaps?fieldSelector=metadata.name%3Dleader&limit=500";
  CHECK(first_matches(p, list));

  // deletecollection has no name.
  req dc = list;
  dc.verb = "deletecollection";
  dc.uri = "/api/v1/namespaces/kube-system/configmaps";
  CHECK_FALSE(first_matches(p, dc));
}

TEST_CASE("policy: namespaces, \"\" selects cluster-scoped and all-namespace requests") {
  policy empty = probe(R"(namespaces: [""])");
  policy kube_system = probe(R"(namespaces: ["kube-system"])");

  req node;
  node.uri = "/api/v1/nodes/n1";
  node.resource = "nodes";
  node.name = "n1";
  CHECK(first_matches(empty, node));
  CHECK_FALSE(first_matches(kube_system, node));

  req all_pods;
  all_pods.verb = "list";
  all_pods.uri = "/api/v1/pods?limit=500";
  all_pods.resource = "pods";
  CHECK(first_matches(empty, all_pods));

  req watch_all = all_pods;
  watch_all.verb = "watch";
  watch_all.uri = "/api/v1/pods?watch=true";
  CHECK(first_matches(empty, watch_all));

  CHECK_FALSE(first_matches(empty, get_pod("default")));
  CHECK(first_matches(kube_system, get_pod("kube-system")));
  CHECK_FALSE(first_matches(kube_system, get_pod("default")));

  // A Namespace object is in itself.
  req ns_get;
  ns_get.uri = "/api/v1/namespaces/kube-system";
  ns_get.resource = "namespaces";
  ns_get.ns = "kube-system";
  ns_get.name = "kube-system";
  CHECK(first_matches(kube_system, ns_get));
  CHECK_FALSE(first_matches(empty, ns_get));
  req ns_status = ns_get;
  ns_status.verb = "update";
  ns_status.uri = "/api/v1/namespaces/kube-system/status";
  ns_status.sub = "status";
  CHECK(first_matches(kube_system, ns_status));
  // Listing namespaces is cluster-wide.
  req ns_list;
  ns_list.verb = "list";
  ns_list.uri = "/api/v1/namespaces";
  ns_list.resource = "namespaces";
  CHECK(first_matches(empty, ns_list));

  // A namespaces rule never matches a non-resource request, even with "".
  CHECK_FALSE(first_matches(empty, non_resource("/healthz")));
  CHECK_FALSE(first_matches(empty, non_resource("/metrics")));

  // namespaces and resources are ANDed.
  policy both = probe(R"(namespaces: ["kube-system"], resources: [{resources: ["pods"]}])");
  CHECK(first_matches(both, get_pod("kube-system")));
  CHECK_FALSE(first_matches(both, get_pod("default")));
}

TEST_CASE("policy: resource rules never match non-resource requests and vice versa") {
  policy res = probe(R"(resources: [{group: "*"}])");
  CHECK(first_matches(res, get_pod()));
  CHECK_FALSE(first_matches(res, non_resource("/api/v1")));
  CHECK_FALSE(first_matches(res, non_resource("/apis")));
  policy nonres = probe(R"(nonResourceURLs: ["*"])");
  CHECK(first_matches(nonres, non_resource("/healthz")));
  CHECK(first_matches(nonres, non_resource("/apis/apps/v1")));
  CHECK_FALSE(first_matches(nonres, get_pod()));
  // A rule with neither matches both kinds.
  policy plain = probe(R"(verbs: ["get"])");
  CHECK(first_matches(plain, get_pod()));
  CHECK(first_matches(plain, non_resource("/healthz")));
  CHECK_FALSE(first_matches(plain, non_resource("/healthz", "post")));
}

// ---------------------------------------------------------------------------------------------
// Non-resource matching (spec 2.5).

TEST_CASE("policy: nonResourceURLs are exact, or a raw prefix before a trailing *") {
  struct row {
    const char* spec;
    const char* path;
    bool match;
  };
  const row table[] = {
      {"/logs*", "/logs", true},       {"/logs*", "/logs/kube.log", true},  {"/logs*", "/logsfoo", true},
      {"/logs*", "/log", false},       {"/api*", "/apis/apps/v1", true},     {"/api/*", "/api/v1", true},
      {"/api/*", "/api", false},       {"/api/*", "/api/", true},            {"/healthz", "/healthz", true},
      {"/healthz", "/healthz/", false}, {"/healthz", "/healthz/etcd", false}, {"/metrics", "/metrics/slis", false},
      {"*", "/anything/at/all", true}, {"/", "/", true},                     {"/", "/healthz", false},
      {"/*", "/version", true},
  };
  for (const row& t : table) {
    CAPTURE(t.spec);
    CAPTURE(t.path);
    policy p = probe(std::string("nonResourceURLs: [\"") + t.spec + "\"]");
    CHECK(first_matches(p, non_resource(t.path)) == t.match);
  }
}

TEST_CASE("policy: non-resource paths are matched without the query and percent-decoded") {
  policy healthz = probe(R"(nonResourceURLs: ["/healthz"])");
  CHECK(first_matches(healthz, non_resource("/healthz?verbose=1")));
  CHECK(first_matches(healthz, non_resource("/healthz?")));
  CHECK(first_matches(healthz, non_resource("/health%7A")));
  CHECK(first_matches(healthz, non_resource("/%68ealthz?x=%2F")));

  policy spaced = probe(R"(nonResourceURLs: ["/logs/a b+c"])");
  CHECK(first_matches(spaced, non_resource("/logs/a%20b+c")));  // `+` stays `+` in a path
  CHECK_FALSE(first_matches(spaced, non_resource("/logs/a+b+c")));

  // A query in the spec can never match: the warning says so.
  policy q = probe(R"(nonResourceURLs: ["/healthz?verbose"])");
  CHECK(find_problem(q.warnings(), "rules[0].nonResourceURLs[0]", true, "never matches") != nullptr);
  CHECK_FALSE(first_matches(q, non_resource("/healthz?verbose")));
}

// ---------------------------------------------------------------------------------------------
// Users, groups, verbs (spec 2.3).

TEST_CASE("policy: users and userGroups need an authenticated user") {
  policy users = probe(R"(users: ["alice", "system:anonymous"])");
  policy groups = probe(R"(userGroups: ["system:masters", "system:unauthenticated"])");
  req r = get_pod();
  CHECK(first_matches(users, r));
  r.user = "Alice";  // case-sensitive
  CHECK_FALSE(first_matches(users, r));

  r.user = "bob";
  r.groups = {"system:authenticated", "system:masters"};
  CHECK_FALSE(first_matches(users, r));
  CHECK(first_matches(groups, r));
  r.groups = {"system:authenticated"};
  CHECK_FALSE(first_matches(groups, r));
  r.groups = {};
  CHECK_FALSE(first_matches(groups, r));

  // Failed authentication: `user: {}`. No user: both kinds of rule fail.
  req failed = get_pod();
  failed.user.clear();
  failed.stage = "ResponseStarted";
  CHECK_FALSE(first_matches(users, failed));
  CHECK_FALSE(first_matches(groups, failed));
  // ... but a rule without users/userGroups still matches it.
  CHECK(first_matches(probe(R"(resources: [{resources: ["pods"]}])"), failed));

  // An empty username with groups is still no user.
  req empty_name = get_pod();
  empty_name.extra = "";
  std::string j = to_json(empty_name);
  std::string from = R"("user":{"username":"alice","groups":["system:authenticated"]})";
  j.replace(j.find(from), from.size(), R"("user":{"username":"","groups":["system:unauthenticated"]})");
  CHECK_FALSE(groups.evaluate(*ev(j)).rule == std::optional<std::size_t>(0));

  // The anonymous user is a user.
  req anon = get_pod();
  anon.user = "system:anonymous";
  anon.groups = {"system:unauthenticated"};
  CHECK(first_matches(users, anon));
  CHECK(first_matches(groups, anon));
}

TEST_CASE("policy: the authenticated user is matched, never impersonatedUser") {
  policy p = probe(R"(users: ["admin"])");
  policy g = probe(R"(userGroups: ["system:masters"])");
  req r = get_pod();
  r.user = "admin";
  r.groups = {"system:authenticated"};
  r.extra = R"(,"impersonatedUser":{"username":"bob","groups":["system:masters"]})";
  CHECK(first_matches(p, r));
  CHECK_FALSE(first_matches(g, r));
  r.user = "bob";
  r.extra = R"(,"impersonatedUser":{"username":"admin","groups":["system:masters"]})";
  CHECK_FALSE(first_matches(p, r));
  CHECK_FALSE(first_matches(g, r));
}

TEST_CASE("policy: verbs are compared exactly, for resource and non-resource requests") {
  policy p = probe(R"(verbs: ["watch", "list", "post"])");
  req r = get_pod();
  CHECK_FALSE(first_matches(p, r));
  r.verb = "watch";
  r.uri = "/api/v1/watch/namespaces/default/pods/p1";
  CHECK(first_matches(p, r));
  r.verb = "WATCH";
  CHECK_FALSE(first_matches(p, r));
  CHECK(first_matches(p, non_resource("/logs", "post")));
  CHECK_FALSE(first_matches(p, non_resource("/logs", "get")));
}

// ---------------------------------------------------------------------------------------------
// Outcome (spec 2.2, 2.6).

TEST_CASE("policy: first match wins, a None rule stops evaluation, no match is None") {
  policy p = load_ok(policy_with_rules(R"(
- level: None
  users: ["system:kube-proxy"]
- level: RequestResponse
  resources: [{group: "", resources: ["pods"]}]
- level: Metadata
  resources: [{group: "", resources: ["pods", "configmaps"]}]
)",
                                       "omitStages: [Panic]\n"));
  req proxy = get_pod();
  proxy.user = "system:kube-proxy";
  policy_decision d = decide(p, proxy);
  CHECK(d.level == level::none);
  REQUIRE(d.rule.has_value());
  CHECK(*d.rule == 0);

  d = decide(p, get_pod());
  CHECK(d.level == level::request_response);
  CHECK(d.rule == std::optional<std::size_t>(1));

  req cm = get_pod();
  cm.resource = "configmaps";
  cm.uri = "/api/v1/namespaces/default/configmaps/p1";
  d = decide(p, cm);
  CHECK(d.level == level::metadata);
  CHECK(d.rule == std::optional<std::size_t>(2));

  d = decide(p, non_resource("/healthz"));
  CHECK(d.level == level::none);
  CHECK_FALSE(d.rule.has_value());
  CHECK(d.omit_stages == stage_bit(stage::panic));
  CHECK(d.omits(stage::panic));
  CHECK_FALSE(d.omits(stage::response_complete));
}

TEST_CASE("policy: omitStages is the union of the policy's and the rule's, as a set") {
  policy p = load_ok(policy_with_rules(R"(
- level: Metadata
  verbs: [get]
  omitStages: [ResponseStarted, RequestReceived, ResponseStarted]
- level: Metadata
  verbs: [list]
- level: Request
  omitStages: [Panic, ResponseComplete]
)",
                                       "omitStages: [RequestReceived]\n"));
  CHECK(p.omit_stages() == stage_bit(stage::request_received));
  REQUIRE(p.rules().size() == 3);
  CHECK(p.rules()[0].omit_stages == (stage_bit(stage::response_started) | stage_bit(stage::request_received)));

  policy_decision d = decide(p, get_pod());
  CHECK(d.omit_stages == (stage_bit(stage::request_received) | stage_bit(stage::response_started)));
  req list = get_pod();
  list.verb = "list";
  list.uri = "/api/v1/pods";
  d = decide(p, list);
  CHECK(d.omit_stages == stage_bit(stage::request_received));
  d = decide(p, non_resource("/healthz", "post"));
  CHECK(d.omit_stages == (stage_bit(stage::request_received) | stage_bit(stage::panic) |
                          stage_bit(stage::response_complete)));
  CHECK(d.omits(stage::panic));
  CHECK_FALSE(d.omits(stage::response_started));
}

TEST_CASE("policy: a rule's omitManagedFields overrides the policy's in both directions") {
  const char* rules = R"(
- level: Metadata
  verbs: [get]
  omitManagedFields: false
- level: Metadata
  verbs: [list]
  omitManagedFields: true
- level: Metadata
)";
  policy on = load_ok(policy_with_rules(rules, "omitManagedFields: true\n"));
  policy off = load_ok(policy_with_rules(rules, "omitManagedFields: false\n"));
  policy unset = load_ok(policy_with_rules(rules));
  CHECK(on.omit_managed_fields());
  CHECK_FALSE(off.omit_managed_fields());
  CHECK_FALSE(unset.omit_managed_fields());
  req list = get_pod();
  list.verb = "list";
  list.uri = "/api/v1/pods";
  req del = get_pod();
  del.verb = "delete";

  CHECK_FALSE(decide(on, get_pod()).omit_managed_fields);  // rule false over policy true
  CHECK(decide(on, list).omit_managed_fields);
  CHECK(decide(on, del).omit_managed_fields);  // inherits
  CHECK_FALSE(decide(off, get_pod()).omit_managed_fields);
  CHECK(decide(off, list).omit_managed_fields);  // rule true over policy false
  CHECK_FALSE(decide(off, del).omit_managed_fields);
  CHECK(decide(unset, list).omit_managed_fields);
  CHECK_FALSE(decide(unset, del).omit_managed_fields);

  // No match: the policy's value.
  policy none = load_ok(policy_with_rules("- level: Metadata\n  verbs: [get]\n", "omitManagedFields: true\n"));
  policy_decision d = decide(none, del);
  CHECK_FALSE(d.rule.has_value());
  CHECK(d.omit_managed_fields);

  REQUIRE(on.rules().size() == 3);
  CHECK(on.rules()[0].omit_managed_fields == std::optional<bool>(false));
  CHECK(on.rules()[1].omit_managed_fields == std::optional<bool>(true));
  CHECK_FALSE(on.rules()[2].omit_managed_fields.has_value());
}

TEST_CASE("policy: evaluate works on hand-built attributes") {
  policy p = probe(R"(users: ["alice"], resources: [{group: "", resources: ["pods/*"]}])");
  request_attributes a;
  a.has_user = true;
  a.user = "alice";
  a.verb = "get";
  a.resource_request = true;
  a.resource = "pods";
  a.subresource = "exec";
  CHECK(p.evaluate(a).rule == std::optional<std::size_t>(0));
  a.has_user = false;  // a name without an authenticated user is no user
  CHECK(p.evaluate(a).rule == std::optional<std::size_t>(1));
}

// ---------------------------------------------------------------------------------------------
// Attributes derived from events (spec 3).

TEST_CASE("policy: derive_attributes takes the user, groups, verb and objectRef fields") {
  owned_event keep;
  req r = deployment_scale();
  r.groups = {"system:authenticated", "devs"};
  r.extra = R"(,"impersonatedUser":{"username":"mallory"})";
  owned_event e = ev(r);
  request_attributes a;
  derive_attributes(*e, a);
  CHECK(a.has_user);
  CHECK(a.user == "alice");
  REQUIRE(a.groups.size() == 2);
  CHECK(a.groups[1] == "devs");
  CHECK(a.verb == "update");
  CHECK(a.resource_request);
  CHECK(a.api_group == "apps");
  CHECK(a.resource == "deployments");
  CHECK(a.subresource == "scale");
  CHECK(a.namespace_ == "default");
  CHECK(a.name == "web");
  CHECK(a.path == "/apis/apps/v1/namespaces/default/deployments/web/scale");

  req failed = get_pod();
  failed.user.clear();
  derive(keep, failed, a);
  CHECK_FALSE(a.has_user);
  CHECK(a.groups.empty());

  owned_event nr = ev(non_resource("/openapi/v2?timeout=32s"));
  derive_attributes(*nr, a);
  CHECK_FALSE(a.resource_request);
  CHECK(a.path == "/openapi/v2");
  CHECK(a.name.empty());
  CHECK(a.resource.empty());
}

TEST_CASE("policy: derive_attributes parses the name from the requestURI") {
  struct row {
    const char* verb;
    const char* uri;
    const char* ref_name;  // objectRef.name as the server logs it
    const char* sub;
    const char* name;      // what the server evaluated
  };
  const row table[] = {
      // create on a collection: the body's name is not the evaluated name
      {"create", "/api/v1/namespaces/default/configmaps", "from-body", "", ""},
      {"create", "/apis/apps/v1/namespaces/default/deployments?fieldManager=kubectl", "web", "", ""},
      // create on a subresource has a name
      {"create", "/api/v1/namespaces/default/pods/p1/eviction", "p1", "eviction", "p1"},
      {"create", "/api/v1/namespaces/default/serviceaccounts/sa/token", "sa", "token", "sa"},
      {"get", "/api/v1/namespaces/default/pods/p1", "p1", "", "p1"},
      {"get", "/api/v1/namespaces/default/pods/p1/log?follow=true", "p1", "log", "p1"},
      {"get", "/api/v1/nodes/n1", "n1", "", "n1"},
      {"update", "/apis/apps/v1/namespaces/default/deployments/web/scale", "web", "scale", "web"},
      // Namespaces: the object is in itself; status and finalize are its subresources
      {"get", "/api/v1/namespaces/foo", "foo", "", "foo"},
      {"update", "/api/v1/namespaces/foo/status", "foo", "status", "foo"},
      {"update", "/api/v1/namespaces/foo/finalize", "foo", "finalize", "foo"},
      {"list", "/api/v1/namespaces", "", "", ""},
      // list / watch, with and without fieldSelector=metadata.name
      {"list", "/api/v1/namespaces/default/pods?limit=500", "", "", ""},
      {"list", "/api/v1/namespaces/default/pods?fieldSelector=metadata.name%3Dp1", "", "", "p1"},
      {"list", "/api/v1/namespaces/default/pods?fieldSelector=metadata.name%3D%3Dp1&limit=1", "", "", "p1"},
      {"list", "/api/v1/pods?fieldSelector=metadata.namespace%3Ddefault%2Cmetadata.name%3Dp1", "", "", "p1"},
      {"list", "/api/v1/pods?fieldSelector=spec.nodeName%3Dn1", "", "", ""},
      {"list", "/api/v1/pods?fieldSelector=metadata.name%21%3Dp1", "", "", ""},
      {"list", "/api/v1/pods?fieldSelector=metadata.name%3Da%2Fb", "", "", ""},  // not a path segment name
      {"list", "/api/v1/pods?fieldSelector=metadata.name%3Dp1%2Cbroken", "", "", ""},  // invalid selector
      {"list", "/api/v1/pods?fieldSelector=metadata.name=p1", "", "", "p1"},
      {"watch", "/api/v1/namespaces/default/pods?watch=true&fieldSelector=metadata.name%3Dp1", "", "", "p1"},
      {"watch", "/api/v1/watch/namespaces/default/pods/p1", "p1", "", "p1"},
      {"watch", "/api/v1/watch/namespaces/default/pods", "", "", ""},
      {"watch", "/apis/apps/v1/watch/deployments", "", "", ""},
      // fieldSelector only names list and watch
      {"deletecollection", "/api/v1/namespaces/default/pods?fieldSelector=metadata.name%3Dp1", "", "", ""},
      // proxy
      {"get", "/api/v1/namespaces/default/pods/p1/proxy/metrics", "p1", "proxy", "p1"},
      {"get", "/api/v1/proxy/namespaces/default/pods/p1/metrics", "p1", "", "p1"},
      // percent-encoding in the path
      {"get", "/api/v1/namespaces/default/configmaps/a%2Eb", "a.b", "", "a.b"},
  };
  request_attributes a;  // reused across rows: storage must be rebuilt each time
  for (const row& t : table) {
    std::string_view uri = t.uri;
    CAPTURE(uri);
    req r;
    r.verb = std::string(t.verb);
    r.uri = std::string(uri);
    r.resource = std::string("things");
    r.name = std::string(t.ref_name);
    r.sub = std::string(t.sub);
    owned_event e = ev(r);
    derive_attributes(*e, a);
    CHECK(a.resource_request);
    CHECK(a.name == t.name);
    if (uri.find('%') == std::string_view::npos) CHECK(a.path == uri.substr(0, uri.find('?')));
  }
}

TEST_CASE("policy: derive_attributes falls back to objectRef.name when the URI does not parse") {
  owned_event keep;
  request_attributes a;
  req r;
  r.uri = "/custom/prefix/thing";
  r.resource = "things";
  r.name = "t1";
  derive(keep, r, a);
  CHECK(a.name == "t1");
  r.uri = "";
  derive(keep, r, a);
  CHECK(a.name == "t1");
  // except for create without a subresource
  r.verb = "create";
  derive(keep, r, a);
  CHECK(a.name.empty());
  r.sub = "status";
  derive(keep, r, a);
  CHECK(a.name == "t1");
  // `/api/v1/watch` alone: the server cannot parse it either
  r.verb = "watch";
  r.sub.clear();
  r.uri = "/api/v1/watch";
  derive(keep, r, a);
  CHECK(a.name == "t1");
}

TEST_CASE("policy: derive_attributes percent-decodes the path: + stays, bad escapes are kept") {
  owned_event keep;
  request_attributes a;
  derive(keep, non_resource("/logs/a+b%20c%2fd?q=%41"), a);
  CHECK(a.path == "/logs/a+b c/d");
  derive(keep, non_resource("/logs/100%zz%4"), a);
  CHECK(a.path == "/logs/100%zz%4");
  derive(keep, non_resource("/logs/%E2%9C%93"), a);
  CHECK(a.path == "/logs/\xE2\x9C\x93");
  derive(keep, non_resource(""), a);
  CHECK(a.path.empty());
  // A decoded name and path in the same storage.
  req r;
  r.verb = "list";
  r.resource = "configmaps";
  r.uri = "/api/v1/namespaces/n%31/configmaps?fieldSelector=metadata.name%3Dmy+cm%2Ex";
  derive(keep, r, a);
  CHECK(a.path == "/api/v1/namespaces/n1/configmaps");
  CHECK(a.name == "my cm.x");  // `+` is a space in a query
}

TEST_CASE("policy: evaluate(event) is thread-safe") {
  policy p = probe(R"(resources: [{resources: ["pods"], resourceNames: ["p1"]}])");
  owned_event yes = ev(get_pod("default", "p1"));
  owned_event no = ev(get_pod("default", "p2"));
  std::vector<std::thread> threads;
  std::vector<int> bad(4, 0);
  for (std::size_t t = 0; t < bad.size(); ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 2000; ++i) {
        if (p.evaluate(*yes).level != level::metadata) ++bad[t];
        if (p.evaluate(*no).level != level::request) ++bad[t];
      }
    });
  }
  for (std::thread& th : threads) th.join();
  for (int b : bad) CHECK(b == 0);
}

// ---------------------------------------------------------------------------------------------
// Loading and validation (spec 5, 6).

TEST_CASE("policy: a minimal policy loads without warnings, from YAML or JSON") {
  policy p = load_ok("apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Metadata\n");
  CHECK(p.warnings().empty());
  REQUIRE(p.rules().size() == 1);
  CHECK(p.rules()[0].level == level::metadata);
  CHECK(p.omit_stages() == 0);

  policy j = load_ok(R"({"apiVersion":"audit.k8s.io/v1","kind":"Policy","omitStages":["RequestReceived"],
    "omitManagedFields":true,"metadata":{"name":"x"},
    "rules":[{"level":"None","users":["system:kube-proxy"],"verbs":["watch"],
              "resources":[{"group":"","resources":["endpoints","services"]}]},
             {"level":"RequestResponse","namespaces":["kube-system"],"omitStages":["Panic"]},
             {"level":"Request","nonResourceURLs":["/healthz*"]}]})");
  CHECK(j.warnings().empty());
  REQUIRE(j.rules().size() == 3);
  CHECK(j.omit_managed_fields());
  CHECK(j.omit_stages() == stage_bit(stage::request_received));
  const policy_rule& r0 = j.rules()[0];
  CHECK(r0.level == level::none);
  CHECK(r0.users == std::vector<std::string>{"system:kube-proxy"});
  CHECK(r0.verbs == std::vector<std::string>{"watch"});
  REQUIRE(r0.resources.size() == 1);
  CHECK(r0.resources[0].group.empty());
  CHECK(r0.resources[0].resources == std::vector<std::string>{"endpoints", "services"});
  CHECK(j.rules()[1].namespaces == std::vector<std::string>{"kube-system"});
  CHECK(j.rules()[1].omit_stages == stage_bit(stage::panic));
  CHECK(j.rules()[2].non_resource_urls == std::vector<std::string>{"/healthz*"});
}

TEST_CASE("policy: each validation error is reported with its place") {
  SUBCASE("level missing") {
    auto e = load_fail(policy_with_rules("- users: [alice]\n"));
    CHECK_ERROR(e.problems, "rules[0].level", "required");
  }
  SUBCASE("level is case-sensitive") {
    auto e = load_fail(policy_with_rules("- level: Metadata\n- level: metadata\n"));
    CHECK_ERROR(e.problems, "rules[1].level", "did you mean \"Metadata\"");
    CHECK(count_errors(e.problems) == 1);
  }
  SUBCASE("level unknown") {
    auto e = load_fail(policy_with_rules("- level: Everything\n"));
    CHECK_ERROR(e.problems, "rules[0].level", "unsupported value \"Everything\"");
  }
  SUBCASE("empty level") {
    auto e = load_fail(policy_with_rules("- level: \"\"\n"));
    CHECK_ERROR(e.problems, "rules[0].level", "required");
  }
  SUBCASE("omitStages, policy and rule") {
    auto e = load_fail(policy_with_rules("- level: None\n  omitStages: [Panic, RequestComplete]\n",
                                         "omitStages: [RequestReceived, requestReceived]\n"));
    CHECK_ERROR(e.problems, "omitStages[1]", "did you mean \"RequestReceived\"");
    CHECK_ERROR(e.problems, "rules[0].omitStages[1]", "\"RequestComplete\"");
    CHECK(count_errors(e.problems) == 2);
  }
  SUBCASE("nonResourceURLs") {
    auto e = load_fail(policy_with_rules(
        "- level: None\n  nonResourceURLs: [\"/ok*\", \"\", \"healthz\", \"/logs/*/*\", \"/logs/*.log\", \"/healthz**\", \"*\"]\n"));
    CHECK_ERROR(e.problems, "rules[0].nonResourceURLs[1]", "empty");
    CHECK_ERROR(e.problems, "rules[0].nonResourceURLs[2]", "start with \"/\"");
    CHECK_ERROR(e.problems, "rules[0].nonResourceURLs[3]", "last character");
    CHECK_ERROR(e.problems, "rules[0].nonResourceURLs[4]", "last character");
    CHECK_ERROR(e.problems, "rules[0].nonResourceURLs[5]", "last character");
    CHECK(count_errors(e.problems) == 5);
  }
  SUBCASE("nonResourceURLs with resources or namespaces") {
    auto e = load_fail(policy_with_rules(R"(- level: None
  nonResourceURLs: ["/healthz"]
  resources: [{group: ""}]
- level: None
  nonResourceURLs: ["/healthz"]
  namespaces: ["default"]
- level: None
  nonResourceURLs: ["/healthz"]
  verbs: [get]
)"));
    CHECK_ERROR(e.problems, "rules[0].nonResourceURLs", "both");
    CHECK_ERROR(e.problems, "rules[1].nonResourceURLs", "namespaces");
    CHECK(count_errors(e.problems) == 2);
  }
  SUBCASE("group format") {
    std::string long_group(254, 'a');
    std::string ok_group = std::string(63, 'a') + "." + std::string(63, 'b') + "." + std::string(63, 'c') + "." +
                           std::string(61, 'd');  // 253 characters
    REQUIRE(ok_group.size() == 253);
    auto e = load_fail(policy_with_rules("- level: None\n  resources:\n"
                                         "  - group: \"\"\n"
                                         "  - group: \"*\"\n"
                                         "  - group: rbac.authorization.k8s.io\n"
                                         "  - group: " + ok_group + "\n"
                                         "  - group: apps/v1\n"
                                         "  - group: Apps\n"
                                         "  - group: " + long_group + "\n"
                                         "  - group: -apps\n"
                                         "  - group: apps..io\n"
                                         "  - group: apps_x\n"));
    CHECK_ERROR(e.problems, "rules[0].resources[4].group", "without its version (\"apps\")");
    CHECK_ERROR(e.problems, "rules[0].resources[5].group", "lower-case");
    CHECK_ERROR(e.problems, "rules[0].resources[6].group", "253");
    CHECK_ERROR(e.problems, "rules[0].resources[7].group", "DNS-1123");
    CHECK_ERROR(e.problems, "rules[0].resources[8].group", "DNS-1123");
    CHECK_ERROR(e.problems, "rules[0].resources[9].group", "DNS-1123");
    CHECK(count_errors(e.problems) == 6);
  }
  SUBCASE("resourceNames without resources") {
    auto e = load_fail(policy_with_rules(
        "- level: None\n  resources:\n  - group: \"\"\n    resources: [configmaps]\n    resourceNames: [a]\n"
        "  - group: \"\"\n    resourceNames: [leader]\n"));
    CHECK_ERROR(e.problems, "rules[0].resources[1].resourceNames", "requires");
    CHECK(count_errors(e.problems) == 1);
  }
  SUBCASE("zero rules") {
    CHECK_ERROR(load_fail("apiVersion: audit.k8s.io/v1\nkind: Policy\nrules: []\n").problems, "rules",
                "at least one rule");
    CHECK_ERROR(load_fail("apiVersion: audit.k8s.io/v1\nkind: Policy\n").problems, "rules", "at least one rule");
    CHECK_ERROR(load_fail("apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n").problems, "rules",
                "at least one rule");
  }
  SUBCASE("apiVersion and kind") {
    auto e = load_fail("kind: Policy\nrules:\n- level: None\n");
    CHECK_ERROR(e.problems, "apiVersion", "required");
    e = load_fail("apiVersion: audit.k8s.io/v2\nkind: Policy\nrules:\n- level: None\n");
    CHECK_ERROR(e.problems, "apiVersion", "\"audit.k8s.io/v2\"");
    e = load_fail("apiVersion: v1\nkind: Policy\nrules:\n- level: None\n");
    CHECK_ERROR(e.problems, "apiVersion", "expected audit.k8s.io/v1");
    e = load_fail("apiVersion: audit.k8s.io/v1\nrules:\n- level: None\n");
    CHECK_ERROR(e.problems, "kind", "required");
    e = load_fail("apiVersion: audit.k8s.io/v1\nkind: policy\nrules:\n- level: None\n");
    CHECK_ERROR(e.problems, "kind", "expected Policy");
    e = load_fail("apiVersion: audit.k8s.io/v1\nkind: Event\nrules:\n- level: None\n");
    CHECK_ERROR(e.problems, "kind", "\"Event\"");
  }
}

TEST_CASE("policy: every problem is reported together, not only the first") {
  auto e = load_fail(R"(apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [Nope]
rules:
  - level: Verbose
  - level: Metadata
    nonResourceURLs: ["healthz"]
  - level: Request
    resources:
    - group: apps/v1
      resources: [deployments]
    - group: ""
      resourceNames: [x]
)");
  CHECK(count_errors(e.problems) == 5);
  CHECK_ERROR(e.problems, "omitStages[0]", "Nope");
  CHECK_ERROR(e.problems, "rules[0].level", "Verbose");
  CHECK_ERROR(e.problems, "rules[1].nonResourceURLs[0]", "healthz");
  CHECK_ERROR(e.problems, "rules[2].resources[0].group", "apps/v1");
  CHECK_ERROR(e.problems, "rules[2].resources[1].resourceNames", "resources");

  // Decode-level problems are reported alongside validation problems.
  auto both = load_fail("apiVersion: audit.k8s.io/v1beta2\nkind: Policy\nrules:\n- level: Meta\n  users: alice\n");
  CHECK(count_errors(both.problems) == 3);
  CHECK_ERROR(both.problems, "apiVersion", "v1beta2");
  CHECK_ERROR(both.problems, "rules[0].level", "Meta");
  CHECK_ERROR(both.problems, "rules[0].users", "expected a list");
}

TEST_CASE("policy: problems carry their line, and render one line each") {
  auto e = load_fail(
      "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: None\n  verbs: [get]\n- level: Bogus\n  foo: 1\n");
  const policy_problem* lvl = find_problem(e.problems, "rules[1].level", false);
  REQUIRE(lvl != nullptr);
  CHECK(lvl->message.find("(line 6, column 10)") != std::string::npos);
  std::string text = e.render();
  CHECK(text.find("error: rules[1].level: unsupported value \"Bogus\"") != std::string::npos);
  CHECK(text.find("warning: rules[1].foo: unknown field \"foo\"") != std::string::npos);
  CHECK(std::count(text.begin(), text.end(), '\n') == 2);
  CHECK(policy_load_error{}.render().empty());
}

TEST_CASE("policy: unknown fields are warnings, not failures") {
  policy p = load_ok(R"(apiVersion: audit.k8s.io/v1
kind: Policy
metadata:
  name: my-policy
  annotations: {owner: me}
spec: {}
rules:
  - level: Metadata
    color: blue
    resources:
    - group: ""
      resources: [pods]
      kinds: [Pod]
)");
  CHECK(count_errors(p.warnings()) == 0);
  CHECK(p.warnings().size() == 3);
  CHECK_WARNING(p.warnings(), "spec", "unknown field");
  CHECK_WARNING(p.warnings(), "rules[0].color", "unknown field \"color\"");
  CHECK_WARNING(p.warnings(), "rules[0].resources[0].kinds", "unknown field");
  CHECK(first_matches(p, get_pod()));

  // A field name with the wrong case is unknown (decoding is case-sensitive): a hint, and here
  // the missing level is then an error.
  auto e = load_fail(policy_with_rules("- Level: Metadata\n"));
  CHECK_WARNING(e.problems, "rules[0].Level", "did you mean \"level\"");
  CHECK_ERROR(e.problems, "rules[0].level", "required");

  // A rule field at the top level.
  policy top = load_ok(policy_with_rules("- level: None\n", "level: Metadata\n"));
  CHECK_WARNING(top.warnings(), "level", "inside an entry of \"rules\"");
}

TEST_CASE("policy: a verbs: indented into a resources entry is ignored with a warning (spec 5.1)") {
  policy p = load_ok(R"(apiVersion: audit.k8s.io/v1
kind: Policy
rules:
  - level: None
    resources:
    - group: ""
      resources: ["pods"]
      verbs: ["get"]
  - level: Metadata
)");
  CHECK_WARNING(p.warnings(), "rules[0].resources[0].verbs", "indented too far");
  REQUIRE(p.rules().size() == 2);
  CHECK(p.rules()[0].verbs.empty());
  // The rule applies to every verb.
  req del = get_pod();
  del.verb = "delete";
  CHECK(decide(p, del).level == level::none);
  CHECK(decide(p, get_pod()).level == level::none);
}

TEST_CASE("policy: mis-typed values are errors") {
  auto e = load_fail(R"(apiVersion: audit.k8s.io/v1
kind: Policy
omitManagedFields: "true"
rules:
  - level: [Metadata]
    users: alice
    userGroups: {a: b}
    verbs: [get, 1, true]
    namespaces: [default, yes]
    omitManagedFields: maybe
    resources:
      group: ""
  - level: None
    resources:
    - group: 1
      resources: pods
  - level: 2
  - just-a-string
)");
  CHECK_ERROR(e.problems, "omitManagedFields", "expected true or false");
  CHECK_ERROR(e.problems, "rules[0].level", "expected a string, got a list");
  CHECK_ERROR(e.problems, "rules[0].users", "expected a list of strings, got a string");
  CHECK_ERROR(e.problems, "rules[0].userGroups", "got a mapping");
  CHECK_ERROR(e.problems, "rules[0].verbs[1]", "got a number");
  CHECK_ERROR(e.problems, "rules[0].verbs[2]", "got a boolean");
  CHECK_ERROR(e.problems, "rules[0].namespaces[1]", "got a boolean");
  CHECK_ERROR(e.problems, "rules[0].omitManagedFields", "maybe");
  CHECK_ERROR(e.problems, "rules[0].resources", "got a mapping");
  CHECK_ERROR(e.problems, "rules[1].resources[0].group", "got a number");
  CHECK_ERROR(e.problems, "rules[1].resources[0].resources", "got a string");
  CHECK_ERROR(e.problems, "rules[2].level", "got a number");
  CHECK_ERROR(e.problems, "rules[3]", "expected a mapping (a rule)");
  CHECK(count_errors(e.problems) == 13);

  CHECK_ERROR(load_fail(policy_with_rules("  level: None\n")).problems, "rules", "expected a list of rules");
  CHECK_ERROR(load_fail("- a\n- b\n").problems, "", "expected a Policy mapping");
  CHECK_ERROR(load_fail("").problems, "", "empty");
  CHECK_ERROR(load_fail("# nothing\n").problems, "", "empty");

  // Quoted values are strings; YAML 1.1 booleans are booleans.
  policy ok = load_ok(policy_with_rules(
      "- level: None\n  verbs: [\"1\", 'yes']\n  omitManagedFields: yes\n- level: Metadata\n  omitManagedFields: off\n"));
  CHECK(ok.rules()[0].verbs == std::vector<std::string>{"1", "yes"});
  CHECK(ok.rules()[0].omit_managed_fields == std::optional<bool>(true));
  CHECK(ok.rules()[1].omit_managed_fields == std::optional<bool>(false));
}

TEST_CASE("policy: syntax errors carry yaml-cpp's line and column; nothing escapes load()") {
  auto e = load_fail("apiVersion: audit.k8s.io/v1\nkind: Policy\nrules: [\n  {level: None\n");
  REQUIRE(e.problems.size() == 1);
  CHECK_FALSE(e.problems[0].warning);
  CHECK(e.problems[0].where.find("line ") == 0);
  CHECK(e.problems[0].message.find("syntax error") != std::string::npos);

  auto j = load_fail(R"({"apiVersion": "audit.k8s.io/v1", "rules": [}")");
  REQUIRE(j.problems.size() == 1);
  CHECK(j.problems[0].where == "line 1, column 45");

  auto tabs = load_fail("apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: None\n\t- bad\n");
  CHECK_FALSE(tabs.problems.empty());

  // Binary junk, deep nesting, an unterminated quote: errors, never exceptions.
  CHECK_FALSE(policy::load(std::string_view("\0\xff\xfe{[", 5)).has_value());
  CHECK_FALSE(policy::load(std::string(5000, '[')).has_value());
  CHECK_FALSE(policy::load("apiVersion: \"audit.k8s.io/v1\nkind: Policy\n").has_value());
}

TEST_CASE("policy: duplicate fields warn and the last value wins") {
  policy p = load_ok(policy_with_rules("- level: None\n  level: Metadata\n  verbs: [get]\n", "kind: Policy\n"));
  CHECK_WARNING(p.warnings(), "kind", "duplicate field");
  CHECK_WARNING(p.warnings(), "rules[0].level", "duplicate field \"level\"");
  REQUIRE(p.rules().size() == 1);
  CHECK(p.rules()[0].level == level::metadata);
}

TEST_CASE("policy: anchors, aliases and merge keys are read as YAML defines them") {
  policy p = load_ok(R"(apiVersion: audit.k8s.io/v1
kind: Policy
rules:
  - &base
    level: None
    verbs: &reads [get, list, watch]
  - <<: *base
    level: Metadata
    users: [alice]
  - level: Request
    verbs: *reads
)");
  CHECK(p.warnings().empty());
  REQUIRE(p.rules().size() == 3);
  CHECK(p.rules()[1].level == level::metadata);
  CHECK(p.rules()[1].verbs == std::vector<std::string>{"get", "list", "watch"});
  CHECK(p.rules()[1].users == std::vector<std::string>{"alice"});
  CHECK(p.rules()[2].verbs.size() == 3);
}

TEST_CASE("policy: v1beta1 and v1alpha1 policies load as v1 with a warning") {
  for (const char* v : {"audit.k8s.io/v1beta1", "audit.k8s.io/v1alpha1"}) {
    CAPTURE(v);
    policy p = load_ok(std::string("apiVersion: ") + v +
                       "\nkind: Policy\nrules:\n- level: Request\n  omitManagedFields: true\n");
    CHECK_WARNING(p.warnings(), "apiVersion", "deprecated");
    REQUIRE(p.rules().size() == 1);
    CHECK(p.rules()[0].level == level::request);
    CHECK(p.describe().find(v) != std::string::npos);
  }
}

TEST_CASE("policy: rules after a catch-all are never reached") {
  policy p = load_ok(policy_with_rules(R"(- level: None
  users: [system:kube-proxy]
- level: Metadata
  omitStages: [RequestReceived]
- level: Request
  resources: [{group: ""}]
- level: None
)"));
  CHECK(p.warnings().size() == 2);
  CHECK_WARNING(p.warnings(), "rules[2]", "never reached");
  CHECK_WARNING(p.warnings(), "rules[3]", "rule 1");
  CHECK(decide(p, get_pod()).level == level::metadata);

  // A catch-all that is the last rule is the usual shape: no warning.
  CHECK(load_ok(policy_with_rules("- level: None\n  verbs: [get]\n- level: Metadata\n")).warnings().empty());
}

TEST_CASE("policy: only the first YAML document is read") {
  policy p = load_ok(policy_with_rules("- level: Metadata\n---\napiVersion: audit.k8s.io/v1\nkind: Policy\n"));
  CHECK_WARNING(p.warnings(), "", "document 2 ignored");
  CHECK(p.rules().size() == 1);
}

TEST_CASE("policy: load_file reads a file and reports a missing one") {
  auto missing = policy::load_file("/nonexistent/dir/policy.yaml");
  REQUIRE_FALSE(missing.has_value());
  REQUIRE(missing.error().problems.size() == 1);
  CHECK(missing.error().problems[0].where == "/nonexistent/dir/policy.yaml");
  CHECK(missing.error().render().find("cannot open") != std::string::npos);
  auto dir = policy::load_file("/");
  REQUIRE_FALSE(dir.has_value());
  CHECK(dir.error().render().find("cannot read") != std::string::npos);

  char name[] = "/tmp/k8saudit_policy_testXXXXXX";
  int fd = mkstemp(name);
  REQUIRE(fd >= 0);
  std::string text = policy_with_rules("- level: Metadata\n");
  REQUIRE(write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()));
  close(fd);
  auto p = policy::load_file(name);
  std::remove(name);
  REQUIRE(p.has_value());
  CHECK(p->rules().size() == 1);
}

TEST_CASE("policy: describe renders the policy settings and one line per rule") {
  policy p = load_ok(policy_with_rules(R"(- level: None
  users: [system:kube-proxy]
  verbs: [watch]
  resources:
  - group: ""
    resources: [endpoints, services]
  - group: apps
  - group: ""
    resources: [configmaps]
    resourceNames: [leader]
- level: Metadata
  userGroups: [system:authenticated]
  namespaces: ["", kube-system]
  omitStages: [RequestReceived]
  omitManagedFields: false
- level: Request
  nonResourceURLs: [/healthz*, /version]
- level: RequestResponse
)",
                                       "omitStages: [Panic]\nomitManagedFields: true\n"));
  std::string d = p.describe();
  CAPTURE(d);
  CHECK(d.find("Policy (audit.k8s.io/v1): 4 rules\n") == 0);
  CHECK(d.find("omitStages: Panic\n") != std::string::npos);
  CHECK(d.find("omitManagedFields: true\n") != std::string::npos);
  CHECK(d.find("rule 0: level None; users: system:kube-proxy; verbs: watch; resources: core/endpoints, "
               "core/services, apps/*, core/configmaps (names: leader)\n") != std::string::npos);
  CHECK(d.find("rule 1: level Metadata; userGroups: system:authenticated; namespaces: \"\", kube-system; "
               "omitStages: RequestReceived; omitManagedFields: false\n") != std::string::npos);
  CHECK(d.find("rule 2: level Request; nonResourceURLs: /healthz*, /version\n") != std::string::npos);
  CHECK(d.find("rule 3: level RequestResponse (every request)\n") != std::string::npos);
  CHECK(std::count(d.begin(), d.end(), '\n') == 7);
}

// ---------------------------------------------------------------------------------------------
// A documentation-style policy, end to end.

TEST_CASE("policy: a Kubernetes documentation-style policy decides as documented") {
  policy p = load_ok(R"(# Log pod changes at RequestResponse, everything else at Metadata or less.
apiVersion: audit.k8s.io/v1
kind: Policy
# No events for the RequestReceived stage.
omitStages:
  - "RequestReceived"
rules:
  # Pods in full.
  - level: RequestResponse
    resources:
    - group: ""
      resources: ["pods"]
  # Pod status and logs at Metadata.
  - level: Metadata
    resources:
    - group: ""
      resources: ["pods/log", "pods/status"]
  # Not the leader-election ConfigMap.
  - level: None
    resources:
    - group: ""
      resources: ["configmaps"]
      resourceNames: ["controller-leader"]
  # Not kube-proxy's watches of endpoints and services.
  - level: None
    users: ["system:kube-proxy"]
    verbs: ["watch"]
    resources:
    - group: ""
      resources: ["endpoints", "services"]
  # Not authenticated requests to some non-resource URLs.
  - level: None
    userGroups: ["system:authenticated"]
    nonResourceURLs:
    - "/api*"
    - "/version"
  # ConfigMaps in kube-system with their request bodies.
  - level: Request
    resources:
    - group: ""
      resources: ["configmaps"]
    namespaces: ["kube-system"]
  # Secrets and ConfigMaps elsewhere at Metadata (never their bodies).
  - level: Metadata
    resources:
    - group: ""
      resources: ["secrets", "configmaps"]
  # The rest of the core and extensions groups with request bodies.
  - level: Request
    resources:
    - group: ""
    - group: "extensions"
  # Everything else at Metadata.
  - level: Metadata
    omitStages:
      - "RequestReceived"
)");
  CHECK(p.warnings().empty());
  CHECK(p.omit_stages() == stage_bit(stage::request_received));

  auto level_of = [&](const req& r) { return decide(p, r).level; };
  CHECK(level_of(get_pod()) == level::request_response);
  CHECK(level_of(pod_log()) == level::metadata);

  req leader;
  leader.verb = "update";
  leader.uri = "/api/v1/namespaces/kube-system/configmaps/controller-leader";
  leader.resource = "configmaps";
  leader.ns = "kube-system";
  leader.name = "controller-leader";
  CHECK(level_of(leader) == level::none);
  // Creating it: the name is the body's, the evaluated name is "": not excluded.
  req create = leader;
  create.verb = "create";
  create.uri = "/api/v1/namespaces/kube-system/configmaps";
  CHECK(level_of(create) == level::request);

  req proxy_watch;
  proxy_watch.verb = "watch";
  proxy_watch.user = "system:kube-proxy";
  proxy_watch.groups = {"system:authenticated"};
  proxy_watch.uri = "/api/v1/endpoints?watch=true&resourceVersion=1";
  proxy_watch.resource = "endpoints";
  CHECK(level_of(proxy_watch) == level::none);
  proxy_watch.verb = "list";
  proxy_watch.uri = "/api/v1/endpoints";
  CHECK(level_of(proxy_watch) == level::request);  // the core-group rule

  CHECK(level_of(non_resource("/version")) == level::none);
  CHECK(level_of(non_resource("/apis/apps/v1")) == level::none);
  CHECK(level_of(non_resource("/healthz")) == level::metadata);
  req anonymous_version = non_resource("/version");
  anonymous_version.user = "system:anonymous";
  anonymous_version.groups = {"system:unauthenticated"};
  CHECK(level_of(anonymous_version) == level::metadata);

  req secret;
  secret.uri = "/api/v1/namespaces/default/secrets/s1";
  secret.resource = "secrets";
  secret.ns = "default";
  secret.name = "s1";
  CHECK(level_of(secret) == level::metadata);
  req cm_ks = leader;
  cm_ks.uri = "/api/v1/namespaces/kube-system/configmaps/other";
  cm_ks.name = "other";
  CHECK(level_of(cm_ks) == level::request);

  req svc;
  svc.uri = "/api/v1/namespaces/default/services/s";
  svc.resource = "services";
  svc.ns = "default";
  svc.name = "s";
  CHECK(level_of(svc) == level::request);
  CHECK(level_of(deployment_scale()) == level::metadata);

  policy_decision d = decide(p, secret);
  CHECK(d.rule == std::optional<std::size_t>(6));
  CHECK(d.omits(stage::request_received));
  CHECK_FALSE(d.omits(stage::response_complete));
}

TEST_CASE("policy: YAML merge keys that fan out exponentially fail fast instead of running forever") {
  std::string yaml = "a0: &a0 {x: 1}\n";
  for (int i = 1; i <= 24; ++i) {  // a<i> merges a<i-1> three times: 3^24 visits without a budget
    const std::string me = std::to_string(i), prev = std::to_string(i - 1);
    yaml.append("a").append(me).append(": &a").append(me).append(" {<<: [*a").append(prev);
    yaml.append(", *a").append(prev).append(", *a").append(prev).append("]}\n");
  }
  yaml += "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n  - <<: *a24\n    level: Metadata\n";
  auto p = k8saudit::policy::load(yaml);
  REQUIRE_FALSE(p.has_value());
  CHECK(p.error().render().find("too many merged mappings") != std::string::npos);
}
