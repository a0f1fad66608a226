// SPDX-License-Identifier: Apache-2.0
// Every real wire format, detected per record and forced.
#include <doctest/doctest.h>

#include <string>

#include "test_util.h"

using namespace k8saudit;
using k8saudit::test::json_quote;
using k8saudit::test::read_all;

namespace {

const std::string event_a =
    R"({"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"aaa","stage":"ResponseComplete",)"
    R"("requestURI":"/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/x?timeout=5s\u0026a=b","verb":"update",)"
    R"("user":{"username":"aksService","groups":["system:masters","system:authenticated"]},"sourceIPs":["172.31.35.83"],)"
    R"~("userAgent":"csi-resizer/v0.0.0 (linux/amd64) kubernetes/$Format","objectRef":{"resource":"leases",)~"
    R"("namespace":"kube-system","name":"x","apiGroup":"coordination.k8s.io","apiVersion":"v1"},)"
    R"("responseStatus":{"metadata":{},"code":200},"requestReceivedTimestamp":"2025-10-07T16:19:19.643609Z",)"
    R"("stageTimestamp":"2025-10-07T16:19:19.647880Z","annotations":{"authorization.k8s.io/decision":"allow"}})";
const std::string event_b =
    R"({"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Request","auditID":"bbb","stage":"ResponseComplete",)"
    R"("requestURI":"/api/v1/namespaces/default/configmaps","verb":"create","user":{"username":"jos\u00e9@example.com"},)"
    R"("objectRef":{"resource":"configmaps","namespace":"default","name":"cm"},"responseStatus":{"metadata":{},"code":201},)"
    R"("requestObject":{"kind":"ConfigMap","data":{"k":"h\u00e9llo \"quoted\""}},)"
    R"("requestReceivedTimestamp":"2025-10-07T16:19:20.000001Z","stageTimestamp":"2025-10-07T16:19:20.000002Z"})";

const std::string resource_id =
    "/SUBSCRIPTIONS/0000/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.CONTAINERSERVICE/MANAGEDCLUSTERS/prod-aks";

std::string aks_record(const std::string& event, std::string_view category = "kube-audit") {
  return R"({"category":")" + std::string(category) +
         R"(","operationName":"Microsoft.ContainerService/managedClusters/diagnosticLogs/Read","properties":{"containerID":"abc","log":)" +
         json_quote(event + "\n") + R"(,"pod":"kube-apiserver-57b5944b45-94w49","stream":"stdout"},"resourceId":")" +
         resource_id + R"(","time":"2025-10-07T16:19:20.647880072Z","serviceBuild":"na"})";
}

const std::string klog = "I1007 16:19:19.643609       1 trace.go:236] Trace[1]: \"List\" url:/api/v1/pods";

}  // namespace

TEST_CASE("formats: AKS PT1H.json lines, properties.log as an escaped string") {
  std::string in = aks_record(event_a) + "\n" + aks_record(klog, "kube-apiserver") + "\n" + aks_record(event_b, "kube-audit-admin") + "\n";
  auto r = read_all(in);
  CHECK(r.adds_up());
  REQUIRE(r.events.size() == 2);
  CHECK(r.stats.skipped_by_reason[static_cast<std::size_t>(skip_reason::not_audit_category)] == 1);
  const event& a = *r.events[0];
  CHECK(a.origin.format == record_format::aks_record);
  CHECK(a.origin.category == "kube-audit");
  CHECK(a.origin.cluster() == "prod-aks");
  CHECK(a.origin.pod == "kube-apiserver-57b5944b45-94w49");
  CHECK(a.origin.time == "2025-10-07T16:19:20.647880072Z");
  CHECK(a.origin.line == 1);
  CHECK(a.request_uri == "/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/x?timeout=5s&a=b");
  CHECK(a.user.groups.size() == 2);
  const event& b = *r.events[1];
  CHECK(b.origin.category == "kube-audit-admin");
  CHECK(b.origin.line == 3);
  CHECK(b.user.username == "jos\xC3\xA9@example.com");
  CHECK(b.request_object.text == R"({"kind":"ConfigMap","data":{"k":"h\u00e9llo \"quoted\""}})");
  CHECK(b.origin.record == aks_record(event_b, "kube-audit-admin"));
}

TEST_CASE("formats: AKS properties.log already decoded as an object") {
  std::string in = R"({"category":"kube-audit","properties":{"log":)" + event_a + R"(,"pod":"p"},"time":"t"})";
  auto r = read_all(in);
  CHECK(r.adds_up());
  REQUIRE(r.events.size() == 1);
  CHECK(r.events[0]->audit_id == "aaa");
  CHECK(r.events[0]->origin.pod == "p");
}

TEST_CASE("formats: Event Hub messages mixing categories") {
  std::string msg = R"({"records":[)" + aks_record(event_a) + "," + aks_record(klog, "guard") + "," + aks_record(event_b) + "]}";
  std::string in = msg + "\n" + msg;
  auto r = read_all(in);
  CHECK(r.adds_up());
  CHECK(r.stats.records == 6);
  REQUIRE(r.events.size() == 4);
  CHECK(r.stats.skipped == 2);
  CHECK(r.events[0]->origin.format == record_format::aks_eventhub_record);
  CHECK(r.events[0]->origin.offset == std::string(R"({"records":[)").size());
  CHECK(r.events[1]->origin.offset == in.find(aks_record(event_b)));
  CHECK(r.events[2]->origin.line == 2);
  CHECK(r.events[1]->origin.record == aks_record(event_b));
  // Pretty-printed over several lines: item lines are counted within the message.
  std::string pretty = "{\n\"records\": [\n" + aks_record(event_a) + ",\n" + aks_record(event_b) + "\n]\n}\n";
  auto p = read_all(pretty);
  REQUIRE(p.events.size() == 2);
  CHECK(p.events[0]->origin.line == 3);
  CHECK(p.events[1]->origin.line == 4);
}

TEST_CASE("formats: a kube-audit record whose log is not an audit event is an error") {
  std::string in = aks_record(klog) + "\n" + aks_record(R"({"verb":"get","stageTimestamp":"x"})") + "\n" +
                   aks_record(R"({"verb":"get")") + "\n" + aks_record(event_a);
  auto r = read_all(in);
  CHECK(r.adds_up());
  CHECK(r.events.size() == 1);
  REQUIRE(r.errors.size() == 3);
  CHECK(r.errors[0].code == errc::bad_envelope);
  CHECK(r.errors[0].field == "properties.log");
  CHECK(r.errors[0].line == 1);
  CHECK(r.errors[1].code == errc::bad_timestamp);
  CHECK(r.errors[1].line == 2);
  CHECK(r.errors[2].line == 3);
}

TEST_CASE("formats: webhook EventList (items without kind) and bare arrays") {
  std::string a_item = event_a;
  a_item.erase(1, std::string(R"("kind":"Event","apiVersion":"audit.k8s.io/v1",)").size());
  std::string list = R"({"kind":"EventList","apiVersion":"audit.k8s.io/v1","metadata":{},"items":[)" + a_item + "," + event_b + "]}";
  auto r = read_all(list);
  CHECK(r.adds_up());
  REQUIRE(r.events.size() == 2);
  CHECK(r.events[0]->origin.format == record_format::eventlist_item);
  CHECK(r.events[0]->kind.empty());
  CHECK(r.events[0]->audit_id == "aaa");

  auto arr = read_all("[" + event_a + ",\n" + event_b + "]");
  CHECK(arr.adds_up());
  REQUIRE(arr.events.size() == 2);
  CHECK(arr.events[1]->origin.format == record_format::array_item);
  CHECK(arr.events[1]->origin.line == 2);
  CHECK(arr.cat == r.cat);
}

TEST_CASE("formats: Log Analytics AKSAudit rows, dynamic columns as objects or JSON strings") {
  std::string row_obj =
      R"({"TimeGenerated":"2025-10-07T16:19:21.000Z","AuditId":"aaa","Level":"Metadata","Stage":"ResponseComplete",)"
      R"("RequestUri":"/api/v1/pods","Verb":"list","UserAgent":"kubectl","User":{"username":"masterclient","groups":["system:masters"]},)"
      R"("ObjectRef":{"resource":"pods","namespace":"default"},"ResponseStatus":{"code":200},"SourceIps":["10.1.2.3"],)"
      R"("Annotations":{"authorization.k8s.io/decision":"allow"},"RequestObject":"skipped-too-big-size-object",)"
      R"("RequestReceivedTime":"2025-10-07T16:19:19.6436090Z","StageReceivedTime":"2025-10-07T16:19:19.6478800Z",)"
      R"("PodName":"kube-apiserver-1","_ResourceId":"/subscriptions/s/resourcegroups/rg/providers/microsoft.containerservice/managedclusters/c1","Type":"AKSAuditAdmin"})";
  std::string row_str =
      R"({"AuditId":"bbb","Verb":"get","User":"{\"username\":\"u2\",\"groups\":[\"g1\",\"g2\"]}",)"
      R"("ObjectRef":"{\"resource\":\"secrets\",\"name\":\"s\"}","ResponseStatus":"{\"code\":403}","SourceIps":"[\"10.9.9.9\"]",)"
      R"("Annotations":"{\"a\":\"b\"}","ResponseObject":"{\"kind\":\"Status\"}","Type":"AKSAudit"})";
  auto r = read_all("[" + row_obj + ",\n" + row_str + "]");
  CHECK(r.adds_up());
  REQUIRE(r.events.size() == 2);
  const event& a = *r.events[0];
  CHECK(a.origin.format == record_format::loganalytics_row);
  CHECK(a.origin.category == "kube-audit-admin");
  CHECK(a.origin.cluster() == "c1");
  CHECK(a.origin.pod == "kube-apiserver-1");
  CHECK(a.verb == "list");
  CHECK(a.user.username == "masterclient");
  CHECK(a.object_ref.namespace_ == "default");
  CHECK(a.response_status.code == 200);
  CHECK(a.source_ips[0] == "10.1.2.3");
  CHECK(a.request_object.skipped_too_big());
  CHECK(a.stage_timestamp.time_since_epoch().count() == 1759853959647880000);
  const event& b = *r.events[1];
  CHECK(b.origin.category == "kube-audit");
  CHECK(b.user.username == "u2");
  REQUIRE(b.user.groups.size() == 2);
  CHECK(b.user.groups[1] == "g2");
  CHECK(b.object_ref.resource == "secrets");
  CHECK(b.response_status.code == 403);
  REQUIRE(b.source_ips.size() == 1);
  CHECK(b.source_ips[0] == "10.9.9.9");
  CHECK(b.annotations.text == R"({"a":"b"})");
  CHECK(b.response_object.text == R"({"kind":"Status"})");
}

TEST_CASE("formats: legacy AzureDiagnostics rows with log_s") {
  std::string row = R"({"TimeGenerated":"2025-10-07T16:19:21Z","Category":"kube-audit","ResourceId":")" + resource_id +
                    R"(","log_s":)" + json_quote(event_a) + R"(,"pod_s":"kube-apiserver-x"})";
  std::string other = R"({"Category":"kube-scheduler","log_s":)" + json_quote(klog) + "}";
  auto r = read_all(row + "\n" + other + "\n");
  CHECK(r.adds_up());
  REQUIRE(r.events.size() == 1);
  CHECK(r.stats.skipped == 1);
  CHECK(r.events[0]->origin.format == record_format::azure_diagnostics_row);
  CHECK(r.events[0]->origin.pod == "kube-apiserver-x");
  CHECK(r.events[0]->origin.cluster() == "prod-aks");
  CHECK(r.events[0]->audit_id == "aaa");
}

TEST_CASE("formats: forcing a format makes other shapes format_mismatch errors") {
  std::string in = event_a + "\n" + aks_record(event_b) + "\n" + R"({"items":[)" + event_a + "]}\n";
  reader_options o;
  o.format = input_format::jsonl;
  auto j = read_all(in, o);
  CHECK(j.adds_up());
  CHECK(j.events.size() == 1);
  REQUIRE(j.errors.size() == 2);
  CHECK(j.errors[0].code == errc::format_mismatch);
  CHECK(j.errors[0].line == 2);
  CHECK(j.errors[1].line == 3);

  o.format = input_format::aks;
  auto k = read_all(in, o);
  CHECK(k.events.size() == 1);
  CHECK(k.events[0]->audit_id == "bbb");
  CHECK(k.errors.size() == 2);

  o.format = input_format::eventlist;
  auto l = read_all(in, o);
  CHECK(l.events.size() == 2);  // the bare event and the list's item; the AKS record is not one
  CHECK(l.errors.size() == 1);

  // jsonl framing is strictly one record per line: no multi-line documents.
  o.format = input_format::jsonl;
  auto strict = read_all("{\n\"verb\":\"get\"\n}\n", o);
  CHECK(strict.events.empty());
  CHECK(strict.stats.errors == 3);
  CHECK(parse_input_format("loganalytics") == input_format::loganalytics);
  CHECK_FALSE(parse_input_format("xml").has_value());
  CHECK(to_string(input_format::aks) == "aks");
}

TEST_CASE("formats: cat of AKS-wrapped events equals cat of the same events as JSON lines") {
  std::string sample = test::slurp(std::filesystem::path(K8SAUDIT_DATA_DIR) / "sample.jsonl");
  REQUIRE(sample.size() > 1000);
  auto native = read_all(sample);
  REQUIRE(native.events.size() >= 50);
  CHECK(native.stats.errors == 0);

  // Wrap every line four ways: PT1H lines, Event Hub messages of 7, EventLists of 5 (items
  // without kind/apiVersion), and AzureDiagnostics rows.
  std::string pt1h, hub, lists, diag;
  std::vector<std::string> evs;
  std::size_t pos = 0;
  while (pos < sample.size()) {
    std::size_t nl = sample.find('\n', pos);
    if (nl == std::string::npos) nl = sample.size();
    if (nl > pos) evs.push_back(sample.substr(pos, nl - pos));
    pos = nl + 1;
  }
  for (std::size_t i = 0; i < evs.size(); ++i) {
    pt1h += aks_record(evs[i]) + "\n";
    if (i % 7 == 0) hub += i ? "]}\n{\"records\":[" : "{\"records\":[";
    else hub += ",";
    hub += aks_record(evs[i]);
    if (i % 5 == 0) lists += i ? "]}\n{\"kind\":\"EventList\",\"items\":[" : "{\"kind\":\"EventList\",\"items\":[";
    else lists += ",";
    std::string item = evs[i];
    const std::string tm = R"("kind":"Event","apiVersion":"audit.k8s.io/v1",)";
    if (item.compare(1, tm.size(), tm) == 0) item.erase(1, tm.size());
    lists += item;
    diag += R"({"Category":"kube-audit","log_s":)" + json_quote(evs[i]) + "}\n";
  }
  hub += "]}\n";
  lists += "]}\n";
  for (const std::string* wrapped : {&pt1h, &hub, &lists, &diag}) {
    auto w = read_all(*wrapped);
    CHECK(w.adds_up());
    CHECK(w.stats.errors == 0);
    CHECK(w.events.size() == native.events.size());
    CHECK(w.cat == native.cat);
  }
}
