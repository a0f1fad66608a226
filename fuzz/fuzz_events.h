// SPDX-License-Identifier: Apache-2.0
// Events shared by the fuzz harnesses that evaluate expressions (fuzz_filter, fuzz_query): a
// fixed set of every input format, and a reading of any bytes keyed by the events' places.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fuzz_common.h"

namespace k8saudit_fuzz {

/// Events of every shape the reader knows, with the fields filters and queries look at.
inline const std::string& fixed_events() {
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

/// Events as read, each keyed by where it was: events of two readings of the same bytes with
/// different field masks are matched by key (a field error may drop an event from one reading).
struct read_events {
  std::vector<k8saudit::owned_event> events;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> keys;  // (offset, index within the record)
};

/// Every event of `data` read with `fields`, owned, with its key (record offset, item).
inline read_events read_all(std::string_view data, k8saudit::field_mask fields) {
  k8saudit::reader_options opt;
  opt.fields = fields;
  k8saudit::reader r(opt);
  r.open_memory(data, "mem");
  read_events out;
  k8saudit::batch b;
  item_counter items;
  while (r.next(b)) {
    for (const k8saudit::event& e : b.events) {
      out.events.push_back(e.to_owned());
      out.keys.emplace_back(e.origin.offset, items.next(e));
    }
  }
  check_counters(r.stats());
  return out;
}

}  // namespace k8saudit_fuzz
