// SPDX-License-Identifier: Apache-2.0
// drops / effective_level / apply (docs/audit-policy.md section 4). Decisions are built by hand
// so that these tests do not depend on policy loading or evaluation.
#include <doctest/doctest.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <k8saudit/policy.h>

#include "test_util.h"

using namespace k8saudit;

namespace {

policy_decision decide(level l, bool omit_managed_fields = false, std::uint8_t omit_stages = 0) {
  policy_decision d;
  d.level = l;
  d.omit_managed_fields = omit_managed_fields;
  d.omit_stages = omit_stages;
  d.rule = 0;
  return d;
}

struct line_parts {
  std::string level{"RequestResponse"};
  std::string stage{"ResponseComplete"};
  std::string verb{"create"};
  std::string request_object{};   // raw JSON, empty = absent
  std::string response_object{};  // raw JSON, empty = absent
};

// A line in the API server's field order, so that write_json reproduces it byte for byte.
std::string make_line(const line_parts& p) {
  std::string s = R"({"kind":"Event","apiVersion":"audit.k8s.io/v1",)";
  if (!p.level.empty()) s += R"("level":")" + p.level + R"(",)";
  s += R"("auditID":"0f3c1a2b-aaaa-bbbb-cccc-1234567890ab",)";
  if (!p.stage.empty()) s += R"("stage":")" + p.stage + R"(",)";
  s += R"("requestURI":"/api/v1/namespaces/ns/pods","verb":")" + p.verb + R"(",)";
  s += R"("user":{"username":"alice","groups":["dev","system:authenticated"]},)";
  s += R"("impersonatedUser":{"username":"bob","groups":["ops"]},)";
  s += R"("sourceIPs":["10.0.0.7"],"userAgent":"kubectl/v1.31.0",)";
  s += R"("objectRef":{"resource":"pods","namespace":"ns","name":"p1","apiVersion":"v1"},)";
  s += R"("responseStatus":{"metadata":{},"code":201},)";
  if (!p.request_object.empty()) s += R"("requestObject":)" + p.request_object + ",";
  if (!p.response_object.empty()) s += R"("responseObject":)" + p.response_object + ",";
  s += R"("requestReceivedTimestamp":"2025-10-07T16:19:19.643609Z","stageTimestamp":"2025-10-07T16:19:19.647880Z",)";
  s += R"("annotations":{"authorization.k8s.io/decision":"allow","authorization.k8s.io/reason":""}})";
  return s;
}

// Parses `line`, applies `d`; returns the output ("<dropped>" when apply returned false).
std::string run(const policy_decision& d, const std::string& line) {
  parser p;
  auto ev = p.parse(line);
  REQUIRE(ev.has_value());
  std::string out;
  if (!apply(d, *ev, out)) return "<dropped>";
  // Always valid: the output parses again and keeps the identity of the request.
  parser q;
  auto again = q.parse(out);
  REQUIRE(again.has_value());
  CHECK(again->audit_id == ev->audit_id);
  CHECK(again->verb == ev->verb);
  CHECK(again->user.username == ev->user.username);
  CHECK(again->level == effective_level(d, *ev));
  return out;
}

// The managedFields of the bodies below.
constexpr std::string_view mf =
    R"([{"manager":"kubectl","operation":"Update","apiVersion":"v1","time":"2025-10-07T16:19:19Z",)"
    R"("fieldsType":"FieldsV1","fieldsV1":{"f:metadata":{"f:labels":{".":{},"f:app":{}}}}}])";

std::string with_mf(std::string_view before, std::string_view after) {
  return std::string(before) + std::string(mf) + std::string(after);
}

// The body of a response: the object with `metadata` given.
std::string pod(std::string_view metadata) {
  return R"({"kind":"Pod","apiVersion":"v1","metadata":)" + std::string(metadata) + R"(,"spec":{"nodeName":"n1"}})";
}

std::string replace_once(std::string s, std::string_view from, std::string_view to) {
  auto i = s.find(from);
  REQUIRE(i != std::string::npos);
  s.replace(i, from.size(), to);
  return s;
}

}  // namespace

TEST_CASE("policy apply: a None decision drops the event at every stage") {
  for (const char* st : {"RequestReceived", "ResponseStarted", "ResponseComplete", "Panic", ""}) {
    line_parts p;
    p.stage = st;
    CHECK(run(decide(level::none), make_line(p)) == "<dropped>");
  }
  parser ps;
  auto ev = ps.parse(make_line({}));
  REQUIRE(ev.has_value());
  CHECK(drops(decide(level::none), *ev));
  CHECK_FALSE(drops(decide(level::metadata), *ev));
}

TEST_CASE("policy apply: omitted stages drop the event; ResponseComplete omitted keeps Panic") {
  const auto omit_rc = stage_bit(stage::response_complete);
  line_parts p;
  p.stage = "ResponseComplete";
  CHECK(run(decide(level::metadata, false, omit_rc), make_line(p)) == "<dropped>");
  p.stage = "Panic";
  CHECK(run(decide(level::metadata, false, omit_rc), make_line(p)) != "<dropped>");
  p.stage = "RequestReceived";
  CHECK(run(decide(level::metadata, false, omit_rc), make_line(p)) != "<dropped>");
  const auto omit_rr = static_cast<std::uint8_t>(stage_bit(stage::request_received) | stage_bit(stage::response_started));
  CHECK(run(decide(level::request, false, omit_rr), make_line(p)) == "<dropped>");
  p.stage = "ResponseStarted";
  CHECK(run(decide(level::request, false, omit_rr), make_line(p)) == "<dropped>");
  p.stage = "ResponseComplete";
  CHECK(run(decide(level::request, false, omit_rr), make_line(p)) != "<dropped>");
}

TEST_CASE("policy apply: absent or unknown stages are never dropped by omitStages") {
  // Every bit set, including the ones of stage::absent and stage::unknown.
  const policy_decision d = decide(level::metadata, false, 0xFF);
  line_parts p;
  p.stage = "";
  CHECK(run(d, make_line(p)) != "<dropped>");
  p.stage = "SomethingNew";
  CHECK(run(d, make_line(p)) != "<dropped>");
  p.stage = "Panic";
  CHECK(run(d, make_line(p)) == "<dropped>");
}

TEST_CASE("policy apply: effective_level is min(decision, recorded), the decision when unrecorded") {
  struct row {
    level decision;
    const char* recorded;
    level expected;
  };
  const row rows[] = {
      {level::metadata, "RequestResponse", level::metadata},
      {level::request, "RequestResponse", level::request},
      {level::request_response, "RequestResponse", level::request_response},
      {level::request_response, "Metadata", level::metadata},
      {level::request_response, "Request", level::request},
      {level::request, "Metadata", level::metadata},
      {level::metadata, "Metadata", level::metadata},
      {level::metadata, "None", level::none},
      {level::request, "", level::request},                   // absent
      {level::metadata, "Verbose", level::metadata},          // unknown
      {level::request_response, "requestresponse", level::request_response},  // case matters
  };
  parser p;
  for (const row& r : rows) {
    line_parts lp;
    lp.level = r.recorded;
    auto ev = p.parse(make_line(lp));
    REQUIRE(ev.has_value());
    CAPTURE(r.recorded);
    CHECK(effective_level(decide(r.decision), *ev) == r.expected);
  }
}

TEST_CASE("policy apply: downgrade RequestResponse -> Metadata removes both bodies, keeps the rest") {
  line_parts p;
  p.request_object = R"({"kind":"Pod","apiVersion":"v1","metadata":{"name":"p1"}})";
  p.response_object = pod(R"({"name":"p1","uid":"u1"})");
  const std::string in = make_line(p);
  const std::string out = run(decide(level::metadata), in);
  std::string expected = replace_once(in, R"("level":"RequestResponse")", R"("level":"Metadata")");
  expected = replace_once(expected, R"("requestObject":)" + p.request_object + ",", "");
  expected = replace_once(expected, R"("responseObject":)" + p.response_object + ",", "");
  CHECK(out == expected);
  CHECK(out.find(R"("impersonatedUser":{"username":"bob","groups":["ops"]})") != std::string::npos);
  CHECK(out.find(R"("objectRef":{"resource":"pods","namespace":"ns","name":"p1","apiVersion":"v1"})") != std::string::npos);
  CHECK(out.find(R"("responseStatus":{"metadata":{},"code":201})") != std::string::npos);
  CHECK(out.find(R"("annotations":{"authorization.k8s.io/decision":"allow")") != std::string::npos);
  CHECK(out.find("requestObject") == std::string::npos);
  CHECK(out.find("responseObject") == std::string::npos);
}

TEST_CASE("policy apply: downgrade RequestResponse -> Request removes only responseObject") {
  line_parts p;
  p.request_object = R"({"kind":"Pod","apiVersion":"v1","metadata":{"name":"p1"}})";
  p.response_object = pod(R"({"name":"p1","uid":"u1"})");
  const std::string in = make_line(p);
  const std::string out = run(decide(level::request), in);
  std::string expected = replace_once(in, R"("level":"RequestResponse")", R"("level":"Request")");
  expected = replace_once(expected, R"("responseObject":)" + p.response_object + ",", "");
  CHECK(out == expected);
  CHECK(out.find(R"("requestObject":)" + p.request_object) != std::string::npos);
}

TEST_CASE("policy apply: a decision above the recorded level caps at it and adds nothing") {
  line_parts p;
  p.level = "Metadata";
  const std::string in = make_line(p);
  CHECK(run(decide(level::request_response), in) == in);
  CHECK(run(decide(level::request_response, true), in) == in);

  p.level = "Request";
  p.request_object = R"({"kind":"Pod","metadata":{"name":"p1"}})";
  const std::string in2 = make_line(p);
  const std::string out2 = run(decide(level::request_response), in2);
  CHECK(out2 == in2);
  CHECK(out2.find(R"("level":"Request")") != std::string::npos);
}

TEST_CASE("policy apply: an absent or unknown recorded level is set to the decision's") {
  line_parts p;
  p.level = "";
  p.request_object = R"({"kind":"Pod"})";
  p.response_object = R"({"kind":"Pod"})";
  const std::string in = make_line(p);
  std::string out = run(decide(level::request), in);
  CHECK(out.find(R"("level":"Request")") != std::string::npos);
  CHECK(out.find("requestObject") != std::string::npos);
  CHECK(out.find("responseObject") == std::string::npos);

  p.level = "Verbose";
  out = run(decide(level::metadata), make_line(p));
  CHECK(out.find(R"("level":"Metadata")") != std::string::npos);
  CHECK(out.find("Verbose") == std::string::npos);
  CHECK(out.find("requestObject") == std::string::npos);
}

TEST_CASE("policy apply: the untouched case is byte-identical to the input line") {
  line_parts p;
  p.request_object = pod(R"({"name":"p1","labels":{"managedFields":"a label, not the field"}})");
  p.response_object = pod(R"({"name":"p1","uid":"u1","resourceVersion":"7"})");
  const std::string in = make_line(p);
  CHECK(run(decide(level::request_response), in) == in);
  CHECK(run(decide(level::request_response, true), in) == in);  // nothing to strip

  // apply appends, as write_json does.
  parser ps;
  auto ev = ps.parse(in);
  REQUIRE(ev.has_value());
  std::string out = "prefix\n";
  CHECK(apply(decide(level::request_response, true), *ev, out));
  CHECK(out == "prefix\n" + in);
  std::string direct;
  write_json(*ev, direct);
  CHECK(direct == in);
}

TEST_CASE("policy apply: managedFields removed from the object wherever it is in metadata") {
  struct row {
    std::string metadata;
    std::string stripped;
  };
  const row rows[] = {
      {with_mf(R"({"managedFields":)", R"(,"name":"p1","namespace":"ns"})"), R"({"name":"p1","namespace":"ns"})"},
      {with_mf(R"({"name":"p1","managedFields":)", R"(,"namespace":"ns"})"), R"({"name":"p1","namespace":"ns"})"},
      {with_mf(R"({"name":"p1","namespace":"ns","managedFields":)", "}"), R"({"name":"p1","namespace":"ns"})"},
      {with_mf(R"({"managedFields":)", "}"), "{}"},
      // whitespace between other members is kept as it was
      {with_mf(R"({ "name" : "p1" ,  "managedFields" : )", R"( , "uid":"u" })"), R"({ "name" : "p1" , "uid":"u" })"},
      {with_mf(R"({ "managedFields" : )", R"( ,  "uid":"u" })"), R"({ "uid":"u" })"},
      // an escaped key is the same key; duplicates all go
      {with_mf(R"({"managed\u0046ields":)", R"(,"name":"p1"})"), R"({"name":"p1"})"},
      {with_mf(R"({"managedFields":[],"name":"p1","managedFields":)", R"(,"uid":"u","managedFields":null})"),
       R"({"name":"p1","uid":"u"})"},
  };
  for (const row& r : rows) {
    CAPTURE(r.metadata);
    line_parts p;
    p.request_object = pod(r.metadata);
    p.response_object = pod(r.metadata);
    const std::string in = make_line(p);
    const std::string out = run(decide(level::request_response, true), in);
    std::string expected = replace_once(in, p.request_object, pod(r.stripped));
    expected = replace_once(expected, p.response_object, pod(r.stripped));
    CHECK(out == expected);
    // without omitManagedFields nothing changes
    CHECK(run(decide(level::request_response, false), in) == in);
  }
}

TEST_CASE("policy apply: managedFields removed from each item of a list, not deeper") {
  const std::string list =
      R"({"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"42"},"items":[)" +
      with_mf(R"({"metadata":{"name":"a","managedFields":)", R"(},"spec":{"nodeName":"n1"}},)") +
      R"({"metadata":{"name":"b"}},)" +
      with_mf(R"({"metadata":{"managedFields":)", R"(,"name":"c"},"spec":{"template":{"metadata":{"managedFields":[]}}}},)") +
      R"("a string item",{"spec":{}},{"metadata":"odd"}]})";
  const std::string stripped =
      R"({"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"42"},"items":[)"
      R"({"metadata":{"name":"a"},"spec":{"nodeName":"n1"}},)"
      R"({"metadata":{"name":"b"}},)"
      R"({"metadata":{"name":"c"},"spec":{"template":{"metadata":{"managedFields":[]}}}},)"
      R"("a string item",{"spec":{}},{"metadata":"odd"}]})";
  line_parts p;
  p.verb = "list";
  p.response_object = list;
  const std::string in = make_line(p);
  CHECK(run(decide(level::request_response, true), in) == replace_once(in, list, stripped));
}

TEST_CASE("policy apply: managedFields removed from each Table row object; rows without object skipped") {
  const std::string table =
      R"({"kind":"Table","apiVersion":"meta.k8s.io/v1","metadata":{"resourceVersion":"9"},)"
      R"("columnDefinitions":[{"name":"Name","type":"string","format":"name"}],"rows":[)" +
      with_mf(R"({"cells":["a"],"object":{"kind":"PartialObjectMetadata","metadata":{"name":"a","managedFields":)",
              R"(}}},)") +
      R"({"cells":["b"]},{"cells":["c"],"object":null},)" +
      with_mf(R"({"cells":["d"],"object":{"metadata":{"managedFields":)", R"(},"spec":{"x":{"metadata":{"managedFields":[]}}}}}]})");
  const std::string stripped =
      R"({"kind":"Table","apiVersion":"meta.k8s.io/v1","metadata":{"resourceVersion":"9"},)"
      R"("columnDefinitions":[{"name":"Name","type":"string","format":"name"}],"rows":[)"
      R"({"cells":["a"],"object":{"kind":"PartialObjectMetadata","metadata":{"name":"a"}}},)"
      R"({"cells":["b"]},{"cells":["c"],"object":null},)"
      R"({"cells":["d"],"object":{"metadata":{},"spec":{"x":{"metadata":{"managedFields":[]}}}}}]})";
  line_parts p;
  p.verb = "list";
  p.response_object = table;
  const std::string in = make_line(p);
  CHECK(run(decide(level::request_response, true), in) == replace_once(in, table, stripped));

  // `rows` before `kind` is still a Table; `rows` in an object of another kind is not touched.
  const std::string rows_first = R"({"rows":[{"object":{"metadata":{"managedFields":[],"name":"a"}}}],"kind":"Table"})";
  p.response_object = rows_first;
  const std::string in2 = make_line(p);
  CHECK(run(decide(level::request_response, true), in2) ==
        replace_once(in2, rows_first, R"({"rows":[{"object":{"metadata":{"name":"a"}}}],"kind":"Table"})"));
  const std::string not_table = R"({"kind":"Other","rows":[{"object":{"metadata":{"managedFields":[],"name":"a"}}}]})";
  p.response_object = not_table;
  const std::string in3 = make_line(p);
  CHECK(run(decide(level::request_response, true), in3) == in3);
}

TEST_CASE("policy apply: patch request bodies are not stripped, their responses are") {
  const std::string patch_body = with_mf(R"({"metadata":{"managedFields":)", R"(,"labels":{"a":"b"}}})");
  const std::string response = pod(with_mf(R"({"name":"p1","managedFields":)", "}"));
  line_parts p;
  p.verb = "patch";
  p.request_object = patch_body;
  p.response_object = response;
  const std::string in = make_line(p);
  const std::string out = run(decide(level::request_response, true), in);
  CHECK(out == replace_once(in, response, pod(R"({"name":"p1"})")));
  CHECK(out.find(R"("requestObject":)" + patch_body) != std::string::npos);

  // A JSON-Patch array is left alone too (and would be for any verb: not an object).
  p.request_object = R"([{"op":"remove","path":"/metadata/managedFields"}])";
  p.response_object = "";
  const std::string in2 = make_line(p);
  CHECK(run(decide(level::request_response, true), in2) == in2);
  p.verb = "update";
  const std::string in3 = make_line(p);
  CHECK(run(decide(level::request_response, true), in3) == in3);

  // The same body on update is stripped.
  p.request_object = patch_body;
  const std::string in4 = make_line(p);
  CHECK(run(decide(level::request_response, true), in4) ==
        replace_once(in4, patch_body, R"({"metadata":{"labels":{"a":"b"}}})"));
}

TEST_CASE("policy apply: bodies without object metadata and non-object bodies are unchanged") {
  const std::string status =
      R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Success","details":{"name":"p1","kind":"pods","uid":"u"}})";
  const std::string delete_options = R"({"kind":"DeleteOptions","apiVersion":"v1","propagationPolicy":"Background"})";
  line_parts p;
  p.verb = "delete";
  p.request_object = delete_options;
  p.response_object = status;
  const std::string in = make_line(p);
  CHECK(run(decide(level::request_response, true), in) == in);

  p.verb = "create";
  p.request_object = R"("skipped-too-big-size-object")";
  p.response_object = R"("skipped-too-big-size-object")";
  const std::string in2 = make_line(p);
  CHECK(run(decide(level::request_response, true), in2) == in2);
  const std::string out2 = run(decide(level::request, true), in2);
  CHECK(out2.find(R"("requestObject":"skipped-too-big-size-object")") != std::string::npos);
  CHECK(out2.find("responseObject") == std::string::npos);
}

TEST_CASE("policy apply: managedFields nested deeper than the object's own metadata is kept") {
  const std::string deployment =
      R"({"kind":"Deployment","apiVersion":"apps/v1","metadata":{"name":"d"},"spec":{"template":{"metadata":)" +
      with_mf(R"({"labels":{"app":"x"},"managedFields":)", R"(},"spec":{}}},"status":{"managedFields":[]}})");
  line_parts p;
  p.request_object = deployment;
  p.response_object = deployment;
  const std::string in = make_line(p);
  CHECK(run(decide(level::request_response, true), in) == in);
  // The top-level `managedFields` outside metadata is not the field either.
  const std::string top = R"({"kind":"X","managedFields":[],"metadata":{"name":"x"}})";
  p.request_object = top;
  p.response_object = "";
  const std::string in2 = make_line(p);
  CHECK(run(decide(level::request_response, true), in2) == in2);
}

TEST_CASE("policy apply: a multi-line event is written as one line, stripped") {
  const std::string in =
      "{\n  \"kind\": \"Event\",\n  \"apiVersion\": \"audit.k8s.io/v1\",\n  \"level\": \"RequestResponse\",\n"
      "  \"auditID\": \"x1\",\n  \"stage\": \"ResponseComplete\",\n  \"requestURI\": \"/api/v1/namespaces/ns/pods/p\",\n"
      "  \"verb\": \"get\",\n  \"user\": {\"username\": \"alice\"},\n"
      "  \"responseObject\": {\n    \"kind\": \"Pod\",\n    \"metadata\": {\n      \"name\": \"p\",\n"
      "      \"managedFields\": [\n        {\"manager\": \"kubectl\"}\n      ],\n      \"uid\": \"u\"\n    }\n  }\n}\n";
  const std::string out = run(decide(level::request_response, true), in);
  CHECK(out.find('\n') == std::string::npos);
  CHECK(out.find(R"("responseObject":{"kind":"Pod","metadata":{"name":"p","uid":"u"}})") != std::string::npos);
}

TEST_CASE("policy apply: malformed body text never crashes and is left unchanged") {
  // Bodies that did not come through simdjson (hand-built views, Log Analytics strings holding
  // JSON): every prefix and a few mutations of a body with managedFields.
  const std::string body =
      R"({"kind":"List","metadata":{"managedFields":[{"a":"}"}],"name":"x\"y"},"items":[{"metadata":{"name":"i",)"
      R"("managedFields":[1]}}],"rows":[{"object":{"metadata":{"managedFields":{}}}}]})";
  event ev;
  ev.level = level::request_response;
  ev.level_text = "RequestResponse";
  ev.audit_id = "a";
  ev.verb = "create";
  const policy_decision d = decide(level::request_response, true);
  for (std::size_t n = 0; n <= body.size(); ++n) {
    const std::string text = body.substr(0, n);
    ev.request_object.text = text;
    ev.response_object.text = text;
    std::string out;
    CHECK(apply(d, ev, out));
    if (n < body.size() && !text.empty()) {
      CAPTURE(text);
      CHECK(out.find(R"("requestObject":)" + text) != std::string::npos);  // unchanged
    }
  }
  for (std::size_t i = 0; i < body.size(); ++i) {
    for (char c : {'{', '}', '[', ']', '"', ',', ':', '\\', ' ', 'x'}) {
      std::string text = body;
      text[i] = c;
      ev.request_object.text = text;
      ev.response_object.text = text;
      std::string out;
      CHECK(apply(d, ev, out));
    }
  }
  // The complete body is stripped in all three places.
  ev.request_object.text = body;
  ev.response_object = {};
  std::string out;
  CHECK(apply(d, ev, out));
  CHECK(out.find(R"("requestObject":{"kind":"List","metadata":{"name":"x\"y"},"items":[{"metadata":{"name":"i"}}],)"
                 R"("rows":[{"object":{"metadata":{"managedFields":{}}}}]})") != std::string::npos);
}

TEST_CASE("policy apply: a stripped body is valid JSON the parser reads back") {
  line_parts p;
  p.request_object = pod(with_mf(R"({"managedFields":)", "}"));
  p.response_object = R"({"kind":"PodList","items":[)" + pod(with_mf(R"({"name":"a","managedFields":)", "}")) + "]}";
  const std::string out = run(decide(level::request_response, true), make_line(p));
  parser ps;
  auto ev = ps.parse(out);
  REQUIRE(ev.has_value());
  CHECK(ev->request_object.text == pod("{}"));
  CHECK(ev->response_object.text == R"({"kind":"PodList","items":[)" + pod(R"({"name":"a"})") + "]}");
  CHECK(ev->object_ref.name == "p1");
  CHECK(ev->impersonated_user.username == "bob");
  CHECK(ev->response_status.code == 201);
}
