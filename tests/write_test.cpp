// SPDX-License-Identifier: Apache-2.0
#include <doctest/doctest.h>

#include <string>

#include "test_util.h"

using namespace k8saudit;

TEST_CASE("write: an API server line is reproduced byte for byte") {
  const std::string line =
      R"({"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"RequestResponse","auditID":"a1","stage":"ResponseComplete",)"
      R"("requestURI":"/api/v1/pods?labelSelector=a%3Db\u0026limit=500","verb":"list","user":{"username":"system:node:n1",)"
      R"("groups":["system:nodes","system:authenticated"],"extra":{"k":["v"]}},"impersonatedUser":{"username":"x"},)"
      R"("sourceIPs":["10.0.0.4"],"userAgent":"kubelet/v1.30 \u003cbeta\u003e","objectRef":{"resource":"pods","namespace":"ns",)"
      R"("name":"p","uid":"u","apiGroup":"apps","apiVersion":"v1","resourceVersion":"9","subresource":"status"},)"
      R"("responseStatus":{"metadata":{},"status":"Failure","message":"no \"p\"","reason":"NotFound","details":{"name":"p"},"code":404},)"
      R"("requestObject":{"kind":"Pod","spec":{"x":[1,2.5,true,null]}},"responseObject":{"kind":"Status"},)"
      R"("requestReceivedTimestamp":"2025-10-07T16:19:19.643609Z","stageTimestamp":"2025-10-07T16:19:19.647880Z",)"
      R"("annotations":{"authorization.k8s.io/decision":"allow"}})";
  parser p;
  auto e = p.parse(line);
  REQUIRE(e.has_value());
  std::string out;
  write_json(*e, out);
  CHECK(out == line);
}

TEST_CASE("write: write-then-reparse gives the same event") {
  parser p;
  const std::string in =
      R"({"verb":"create","user":{"username":"jos\u00e9 \ud83d\ude00 \u2028 tab\t"},"userAgent":"a\"b\\c\u0001",)"
      R"("timestamp":"2018-10-26T13:38:33Z","metadata":{"creationTimestamp":"2018-10-26T13:38:34Z"},)"
      R"("requestReceivedTimestamp":"2022-11-29 00:09:04.38"})";
  auto a = p.parse(in);
  REQUIRE(a.has_value());
  owned_event first = a->to_owned();
  std::string out;
  write_json(*first, out);
  CHECK(out.find('\n') == std::string::npos);
  CHECK(out.find(R"("requestReceivedTimestamp":"2022-11-29T00:09:04.380000Z")") != std::string::npos);
  CHECK(out.find(R"("stageTimestamp":"2018-10-26T13:38:34Z")") != std::string::npos);
  CHECK(out.find(R"(\u2028)") != std::string::npos);
  auto b = p.parse(out);
  REQUIRE(b.has_value());
  CHECK(b->user.username == first->user.username);
  CHECK(b->user_agent == first->user_agent);
  CHECK(b->request_received_timestamp == first->request_received_timestamp);
  CHECK(b->stage_timestamp == first->stage_timestamp);
  CHECK(b->kind == "Event");
  CHECK(b->api_version == "audit.k8s.io/v1");
}

TEST_CASE("write: JSON string escaping follows Go's encoding/json") {
  std::string s;
  write_json_string("a<b>&c\"d\\e\nf\rg\th\x01i\xE2\x80\xA9j", s);
  CHECK(s == R"("a\u003cb\u003e\u0026c\"d\\e\nf\rg\th\u0001i\u2029j")");
  s.clear();
  write_json_string("", s);
  CHECK(s == R"("")");
  s.clear();
  write_json_string("h\xC3\xA9llo \xE2\x82\xAC", s);  // non-ASCII other than U+2028/9 stays raw
  CHECK(s == "\"h\xC3\xA9llo \xE2\x82\xAC\"");
}

TEST_CASE("write: multi-line raw objects are minified, strings inside kept") {
  parser p;
  auto e = p.parse("{\"verb\":\"get\",\"requestObject\": {\n  \"a\" : \"x  y\",\n  \"b\": [ 1, 2 ]\n}\n}");
  REQUIRE(e.has_value());
  std::string out;
  write_json(*e, out);
  CHECK(out.find(R"("requestObject":{"a":"x  y","b":[1,2]})") != std::string::npos);
}
