// SPDX-License-Identifier: Apache-2.0
// Fuzzer: filter expressions.
//
// Input: the expression, optionally followed by a NUL byte and events (any input format) to
// evaluate it on; a fixed set of events of every format is always used.
// Checked, besides "no crash, no sanitizer report":
//   - a compile error carries a message and a column within [1, length + 1], and renders;
//   - a compiled filter gives the same answer on an event parsed with every field and on the
//     same event parsed with only filter::fields() (the projection never changes a match);
//   - select() (batch evaluation) agrees with matches();
//   - the prefilter is sound: an event that matches has a record that may_match() accepts.
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fuzz_common.h"

using namespace k8saudit;
using k8saudit_fuzz::printable;

namespace {

// Events of every shape the reader knows, with the fields filters look at.
const std::string& fixed_events() {
  static const std::string text = std::string(
      // native, everything set
      R"({"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"RequestResponse","auditID":"a1","stage":"ResponseComplete",)"
      R"("requestURI":"/api/v1/namespaces/kube-system/pods/p1?dryRun=All\u0026limit=5","verb":"create",)"
      R"("user":{"username":"system:serviceaccount:kube-system:admin-controller","uid":"u-1","groups":["system:masters","system:authenticated"],)"
      R"("extra":{"authentication.kubernetes.io/pod-name":["kube-proxy-x"],"scopes":["a","b"]}},)"
      R"("impersonatedUser":{"username":"admin","groups":["system:masters"]},"sourceIPs":["10.0.0.1","2001:db8::1"],)"
      R"("userAgent":"kubectl/v1.30.0 (linux/amd64) kubernetes/abc","objectRef":{"resource":"pods","namespace":"kube-system",)"
      R"("name":"p1","uid":"o-1","apiGroup":"","apiVersion":"v1","resourceVersion":"42","subresource":"exec"},)"
      R"("responseStatus":{"metadata":{},"status":"Failure","message":"forbidden: \"p1\"","reason":"Forbidden","code":403},)"
      R"("requestObject":{"kind":"Pod","metadata":{"name":"p1","labels":{"app":"web"}},"spec":{"containers":[)"
      R"({"name":"c","image":"nginx:1.25","securityContext":{"privileged":true},"ports":[{"containerPort":80}]},)"
      R"({"name":"d","image":"busybox","securityContext":{"privileged":false}}]}},)"
      R"("responseObject":{"kind":"Status","code":403,"items":[1,2.5,-3,true,null,"x"]},)"
      R"("requestReceivedTimestamp":"2025-10-07T16:19:19.643609Z","stageTimestamp":"2025-10-07T16:19:20.647880Z",)"
      R"("annotations":{"authorization.k8s.io/decision":"forbid","authorization.k8s.io/reason":"RBAC: no"}})"
      "\n"
      // native, sparse, escapes
      R"({"kind":"Event","auditID":"a2","stage":"RequestReceived","verb":"\u0064elete","requestURI":"/healthz",)"
      R"("user":{"username":"jos\u00e9"},"objectRef":{"resource":"secrets"},"level":"Metadata"})"
      "\n"
      // v1beta1 shape
      R"({"kind":"Event","apiVersion":"audit.k8s.io/v1beta1","metadata":{"creationTimestamp":"2018-10-26T13:38:34Z"},)"
      R"("level":"Request","timestamp":"2018-10-26T13:38:33Z","auditID":"b1","stage":"ResponseStarted","verb":"watch",)"
      R"("requestURI":"/apis/apps/v1/deployments?watch=1","user":{"username":"system:node:n1","groups":["system:nodes"]},)"
      R"("objectRef":{"resource":"deployments","apiGroup":"apps"},"sourceIPs":["172.17.0.1"]})"
      "\n"
      // EventList
      R"({"kind":"EventList","apiVersion":"audit.k8s.io/v1","items":[{"level":"None","auditID":"c1","stage":"Panic","verb":"patch",)"
      R"("objectRef":{"resource":"configmaps","namespace":"default","name":"cm"}},{"auditID":"c2","verb":"get","responseStatus":{"code":200}}]})"
      "\n"
      // AKS PT1H.json line, the event as an escaped string
      R"({"category":"kube-audit-admin","operationName":"Microsoft.ContainerService/managedClusters/diagnosticLogs/Read",)"
      R"("properties":{"log":"{\"kind\":\"Event\",\"apiVersion\":\"audit.k8s.io/v1\",\"level\":\"Metadata\",\"auditID\":\"d1\",)"
      R"(\"stage\":\"ResponseComplete\",\"verb\":\"update\",\"user\":{\"username\":\"aksService\",\"groups\":[\"system:masters\"]},)"
      R"(\"objectRef\":{\"resource\":\"leases\",\"namespace\":\"kube-node-lease\"},\"annotations\":{\"authorization.k8s.io/decision\":\"allow\"},)"
      R"(\"requestReceivedTimestamp\":\"2025-10-07T16:00:00.000000Z\",\"stageTimestamp\":\"2025-10-07T16:00:00.250000Z\"}\n",)"
      R"("pod":"kube-apiserver-abc"},"resourceId":"/SUBSCRIPTIONS/S/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.CONTAINERSERVICE/MANAGEDCLUSTERS/AKS-PROD",)"
      R"("time":"2025-10-07T16:00:00.002464959Z"})"
      "\n"
      // Event Hub message, one record with properties.log as an object
      R"({"records":[{"category":"kube-audit","properties":{"log":{"kind":"Event","auditID":"e1","verb":"list","stage":"ResponseComplete",)"
      R"("user":{"username":"alice@example.com"},"objectRef":{"resource":"pods","namespace":"default"},"responseStatus":{"code":200}},)"
      R"("pod":"kube-apiserver-2"},"resourceId":"/subscriptions/s/resourcegroups/rg/providers/microsoft.containerservice/managedclusters/c2"}]})"
      "\n"
      // Log Analytics rows: AKSAudit with stringified dynamic columns, category from Type
      R"({"TimeGenerated":"2025-10-07T16:19:21.000Z","AuditId":"f1","Level":"Metadata","Stage":"ResponseComplete",)"
      R"("RequestUri":"/api/v1/namespaces/default/secrets/s","Verb":"get","UserAgent":"kubectl",)"
      R"("User":"{\"username\":\"u2\",\"groups\":[\"g1\",\"system:authenticated\"]}","ObjectRef":"{\"resource\":\"secrets\",\"name\":\"s\"}",)"
      R"("ResponseStatus":"{\"code\":404}","SourceIps":"[\"10.9.9.9\"]","Annotations":"{\"authorization.k8s.io/decision\":\"allow\"}",)"
      R"("PodName":"kube-apiserver-1","_ResourceId":"/subscriptions/s/resourcegroups/rg/providers/microsoft.containerservice/managedclusters/c1","Type":"AKSAudit"})"
      "\n"
      // AzureDiagnostics row
      R"({"Category":"kube-audit","log_s":"{\"kind\":\"Event\",\"auditID\":\"g1\",\"verb\":\"deletecollection\",\"stage\":\"ResponseComplete\",)"
      R"(\"objectRef\":{\"resource\":\"events\",\"namespace\":\"kube-system\"}}","pod_s":"kube-apiserver-x","ResourceId":"/x/y/aks-dev"})"
      "\n");
  return text;
}

struct read_events {
  std::vector<owned_event> events;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> keys;  // (offset, index within the record)
};

read_events read_all(std::string_view data, field_mask fields) {
  reader_options opt;
  opt.fields = fields;
  reader r(opt);
  r.open_memory(data, "mem");
  read_events out;
  batch b;
  k8saudit_fuzz::item_counter items;
  while (r.next(b)) {
    for (const event& e : b.events) {
      out.events.push_back(e.to_owned());
      out.keys.emplace_back(e.origin.offset, items.next(e));
    }
  }
  k8saudit_fuzz::check_counters(r.stats());
  return out;
}

void check_on(const filter& f, std::string_view data, const read_events* full_cached) {
  read_events full_local;
  if (full_cached == nullptr) full_local = read_all(data, field_mask::all());
  const read_events& full = full_cached != nullptr ? *full_cached : full_local;
  const read_events proj = read_all(data, f.fields());

  std::map<std::pair<std::uint64_t, std::uint64_t>, bool> full_match;
  std::vector<event> views;
  views.reserve(full.events.size());
  for (std::size_t i = 0; i < full.events.size(); ++i) {
    const event& e = full.events[i].view();
    views.push_back(e);
    const bool m = f.matches(e);
    full_match[full.keys[i]] = m;
    if (m) {
      FUZZ_CHECK(f.required_literals().may_match(e.origin.record),
                 "the prefilter " + f.required_literals().to_string() + " rejects a record that matches '" +
                     printable(f.text()) + "': " + printable(e.origin.record));
    }
  }
  for (std::size_t i = 0; i < proj.events.size(); ++i) {
    auto it = full_match.find(proj.keys[i]);
    if (it == full_match.end()) continue;  // the full parse reported an error in a field f does not read
    FUZZ_CHECK(f.matches(proj.events[i].view()) == it->second, "the projection changed the match of '" +
                                                                   printable(f.text()) + "' on " +
                                                                   printable(proj.events[i]->origin.record));
  }
  // Batch evaluation agrees with matches().
  std::vector<std::uint32_t> sel;
  f.select(views, sel);
  std::size_t k = 0;
  for (std::size_t i = 0; i < views.size(); ++i) {
    const bool m = f.matches(views[i]);
    const bool s = k < sel.size() && sel[k] == i;
    FUZZ_CHECK(m == s, "select() and matches() disagree on '" + printable(f.text()) + "'");
    if (s) ++k;
  }
  FUZZ_CHECK(k == sel.size(), "select() returned indexes out of order or range");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::size_t nul = input.find('\0');
  const std::string_view text = input.substr(0, nul);
  const std::string_view events = nul == std::string_view::npos ? std::string_view{} : input.substr(nul + 1);

  auto f = filter::compile(text);
  if (!f) {
    const expression_error& e = f.error();
    FUZZ_CHECK(!e.message.empty(), "a compile error without a message: " + printable(text));
    FUZZ_CHECK(
        e.column >= 1 && e.column <= text.size() + 1,
        "column " + std::to_string(e.column) + " out of range for '" + printable(text) + "' (" + e.message + ")");
    FUZZ_CHECK(e.expression == text, "the error's expression is not the text compiled");
    const std::string r = e.render();
    FUZZ_CHECK(r.find('^') != std::string::npos, "render() without a caret");
    return 0;
  }
  FUZZ_CHECK(f->text() == text, "text() is not the text compiled");
  (void)f->required_literals().to_string();

  static const read_events fixed_full = read_all(fixed_events(), field_mask::all());
  check_on(*f, fixed_events(), &fixed_full);
  if (!events.empty()) check_on(*f, events, nullptr);

  // A copy shares the program and answers alike.
  const filter g = *f;
  for (const owned_event& e : fixed_full.events)
    FUZZ_CHECK(g.matches(*e) == f->matches(*e), "a copy answers differently");
  return 0;
}
