// SPDX-License-Identifier: Apache-2.0
// The prefilter and the projection never change what a filter matches: every filter below is
// run over every input of the test corpus (../shared/corpus when present, examples/data, and
// hostile in-memory inputs) three ways, and the matching events must be identical:
//   1. every field parsed, no prefilter (the reference);
//   2. only filter::fields() parsed, no prefilter;
//   3. only filter::fields() parsed, with filter::required_literals() as the prefilter.
#include <doctest/doctest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "test_util.h"

using namespace k8saudit;
namespace fs = std::filesystem;

namespace {

const char* const filters[] = {
    R"(verb == "delete")",
    R"(verb == "get" and objectRef.resource == "pods")",
    R"(verb in ("create", "update", "patch", "delete"))",
    R"(verb in~ ("CREATE", "Delete"))",
    R"(verb =~ "LIST")",
    R"(Verb == "watch" or ObjectRef.resource == "leases")",
    R"(objectRef.namespace == "kube-system")",
    R"(objectRef.resource in ("secrets", "configmaps") and verb != "watch")",
    R"(user.username startswith "system:serviceaccount:")",
    R"(user.username startswith_cs "system:node")",
    R"(user.username endswith "controller")",
    R"(user.username has "kube")",
    R"(user.username has_cs "admin")",
    R"(user.groups has "masters")",
    R"(user.groups == "system:authenticated")",
    R"(User.groups contains "SERVICEACCOUNTS")",
    R"(userAgent contains "kubectl")",
    R"(userAgent contains_cs "Mozilla")",
    R"(userAgent hasprefix "kube")",
    R"(requestURI contains "/api/v1/namespaces/default")",
    R"(requestURI has "healthz")",
    R"(requestURI endswith "/status")",
    R"(stage == "ResponseComplete" and level == "RequestResponse")",
    R"(Stage == "ResponseStarted")",
    R"(level == "Metadata")",
    R"(annotations["authorization.k8s.io/decision"] == "allow")",
    R"(annotations["authorization.k8s.io/decision"] == "forbid")",
    R"(Annotations["authorization.k8s.io/reason"] contains "RBAC")",
    R"(requestObject.kind == "Pod")",
    R"(requestObject.metadata.name startswith "kube")",
    R"(requestObject.spec.containers[*].securityContext.privileged == true)",
    R"(responseObject.metadata.namespace == "default")",
    R"(responseObject.kind has "Status")",
    R"(responseStatus.code >= 400 and verb == "get")",
    R"(responseStatus.reason == "NotFound" or responseStatus.reason == "Forbidden")",
    R"(sourceIPs == "172.17.0.1" or sourceIPs has "10")",
    R"(ipv4_is_in_range(sourceIPs, "10.0.0.0/8"))",
    R"(category == "kube-audit-admin")",
    R"(category == "kube-audit" and verb == "get")",
    R"(cluster has "aks")",
    R"(pod startswith "kube-apiserver")",
    R"(auditID == "4b3b6e4f-0000-0000-0000-000000000000")",
    R"(not(verb == "get") and objectRef.resource == "pods")",
    R"(objectRef.subresource == "exec" or objectRef.subresource == "attach")",
    R"(impersonatedUser.username has "admin")",
    R"(objectRef.apiGroup == "rbac.authorization.k8s.io")",
    R"(user.extra["authentication.kubernetes.io/pod-name"][*] startswith "kube")",
    R"(verb matches regex "^(create|delete)$")",
    R"(isnotempty(objectRef.name) and objectRef.resource == "leases")",
    R"(latency > 100ms and verb == "list")",
};

struct outcome {
  std::string matches;  // one line per matching event
  std::uint64_t prefiltered{0};
  std::uint64_t count{0};
};

outcome run(const filter& f, const std::string& path, std::string_view memory, field_mask fields, bool prefilter) {
  reader_options opt;
  opt.fields = fields;
  if (prefilter) opt.prefilter = &f.required_literals();
  reader r(opt);
  if (path.empty()) {
    r.open_memory(memory, "mem");
  } else {
    REQUIRE(r.open(path).has_value());
  }
  outcome o;
  batch b;
  // Events are told apart by their record's place and their index within the record (the
  // projected runs do not read auditID).
  std::uint64_t last_offset = UINT64_MAX;
  std::uint64_t item = 0;
  while (r.next(b)) {
    for (const event& e : b.events) {
      item = e.origin.offset == last_offset ? item + 1 : 0;
      last_offset = e.origin.offset;
      if (!f.matches(e)) continue;
      o.matches += std::to_string(e.origin.line) + ":" + std::to_string(e.origin.offset) + ":" +
                   std::to_string(item) + "\n";
      ++o.count;
    }
  }
  const counters& c = r.stats();
  CHECK(c.records == c.events + c.skipped + c.errors);
  o.prefiltered = c.skipped_by_reason[static_cast<std::size_t>(skip_reason::prefiltered)];
  return o;
}

struct totals {
  std::uint64_t matched{0};
  std::uint64_t prefiltered{0};
};

void compare_all(const std::string& label, const std::string& path, std::string_view memory, totals& t) {
  for (const char* text : filters) {
    CAPTURE(label);
    const std::string expression = text;
    CAPTURE(expression);
    auto f = filter::compile(text);
    REQUIRE_MESSAGE(f.has_value(), f.error().render());
    const outcome reference = run(*f, path, memory, field_mask::all(), false);
    const outcome projected = run(*f, path, memory, f->fields(), false);
    const outcome prefiltered = run(*f, path, memory, f->fields(), true);
    CHECK(projected.matches == reference.matches);
    CHECK(prefiltered.matches == reference.matches);
    t.matched += reference.count;
    t.prefiltered += prefiltered.prefiltered;
  }
}

// Inputs written to trip a prefilter: values spelled with \u escapes, an escaped key, a
// pretty-printed event, a line that opens a multi-line document, envelopes, broken lines.
std::string hostile_input() {
  return std::string(
             R"({"kind":"Event","auditID":"h1","stage":"ResponseComplete","verb":"\u0064elete","objectRef":{"resource":"secrets"}})"
             "\n"
             R"({"kind":"Event","auditID":"h2","stage":"ResponseComplete","verb":"get","objectRef":{"resource":"pods"},"user":{"username":"system:serviceaccount:kube-system:x","groups":["system:masters"]}})"
             "\n"
             R"({"kind":"Event","auditID":"h3","stage":"ResponseComplete","verb":"create","requestObject":{"kind":"Pod","spec":{"containers":[{"securityContext":{"privil\u0065ged":true}}]}}})"
             "\n"
             "{\n  \"kind\": \"Event\",\n  \"auditID\": \"h4\",\n  \"stage\": \"ResponseComplete\",\n  \"verb\": \"delete\",\n"
             "  \"objectRef\": {\"resource\": \"pods\", \"namespace\": \"kube-system\"}\n}\n"
             R"({"kind":"EventList","items":[{"kind":"Event","auditID":"h5","verb":"get"})"
             "\n"
             R"(,{"kind":"Event","auditID":"h6","verb":"delete","objectRef":{"resource":"configmaps"}}]})"
             "\n"
             R"({"records":[{"category":"kube-audit-admin","resourceId":"/SUBSCRIPTIONS/X/MANAGEDCLUSTERS/MY-AKS","properties":{"pod":"kube-apiserver-1","log":"{\"kind\":\"Event\",\"auditID\":\"h7\",\"stage\":\"ResponseComplete\",\"verb\":\"delete\",\"objectRef\":{\"resource\":\"secrets\",\"namespace\":\"kube-system\"}}"}}]})"
             "\n"
             R"({"kind":"Event","auditID":"h8","verb":"delete")"
             "\n"
             // A Log Analytics row whose category comes from its Type, not from its bytes.
             R"({"TimeGenerated":"2024-05-01T10:00:02Z","Type":"AKSAudit","AuditId":"h10","Verb":"get","ObjectRef":{"resource":"pods"}})"
             "\n"
             R"({"TimeGenerated":"2024-05-01T10:00:02Z","Type":"AKSAuditAdmin","AuditId":"h11","Verb":"delete","ObjectRef":{"resource":"pods"}})"
             "\n"
             R"({"kind":"Event","auditID":"h9","stage":"ResponseComplete","verb":"DELETE","userAgent":"KUBECTL/v1.30","annotations":{"authorization.k8s.io/decision":"forbid"}})") +
         "\n";
}

}  // namespace

TEST_CASE("prefilter: on or off, projection or not, every filter matches the same events") {
  totals t;
  std::size_t inputs = 0;
  const fs::path shared = fs::path(K8SAUDIT_SHARED_DIR) / "corpus";
  if (fs::is_directory(shared)) {
    for (const auto& entry : fs::recursive_directory_iterator(shared)) {
      if (!entry.is_regular_file()) continue;
      const std::string name = entry.path().filename().string();
      if (name == "README.md" || name.ends_with(".tsv")) continue;
      compare_all(entry.path().string(), entry.path().string(), {}, t);
      ++inputs;
    }
  } else {
    MESSAGE("SKIPPED: " << shared.string() << " not found; prefilter equality runs on examples/data only");
  }
  for (const auto& entry : fs::directory_iterator(fs::path(K8SAUDIT_DATA_DIR))) {
    if (entry.path().extension() == ".md") continue;
    compare_all(entry.path().string(), entry.path().string(), {}, t);
    ++inputs;
  }
  const std::string hostile = hostile_input();
  compare_all("hostile", {}, hostile, t);
  // The comparison is only worth something if filters match and the prefilter does skip.
  CHECK(inputs >= 4);
  CHECK(t.matched > 100);
  CHECK(t.prefiltered > 100);
}

TEST_CASE("prefilter: escaped spellings of a literal are never skipped") {
  const std::string hostile = hostile_input();
  for (const char* text : {R"(verb == "delete")", R"(requestObject.spec.containers[*].securityContext.privileged == true)"}) {
    const std::string expression = text;
    CAPTURE(expression);
    auto f = filter::compile(text);
    REQUIRE(f.has_value());
    reader_options opt;
    opt.prefilter = &f->required_literals();
    auto r = test::read_all(hostile, opt);
    std::vector<std::string> ids;
    for (const owned_event& e : r.events) {
      if (f->matches(*e)) ids.emplace_back(e->audit_id);
    }
    if (std::string_view(text).starts_with("verb")) {
      CHECK(ids == std::vector<std::string>{"h1", "h4", "h6", "h7", "h11"});
    } else {
      CHECK(ids == std::vector<std::string>{"h3"});
    }
  }
}
