// SPDX-License-Identifier: Apache-2.0
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <span>
#include <string>
#include <vector>

#include <k8saudit/k8saudit.h>

#include "test_util.h"

using namespace k8saudit;
using namespace std::string_view_literals;

namespace {

// An apiserver-shaped v1 event with every field.
constexpr std::string_view full_event =
    R"({"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"RequestResponse","auditID":"5e1f1c4a-7c31-4f0e-a4b3-9a1d2b3c4d5e",)"
    R"("stage":"ResponseComplete","requestURI":"/api/v1/namespaces/prod/pods?fieldSelector=spec.nodeName%3Dn1\u0026limit=500",)"
    R"("verb":"list","user":{"username":"system:serviceaccount:kube-system:generic-garbage-collector","uid":"u-1",)"
    R"("groups":["system:serviceaccounts","system:serviceaccounts:kube-system","system:authenticated"],)"
    R"("extra":{"authentication.kubernetes.io/pod-name":["gc-0"]}},)"
    R"("impersonatedUser":{"username":"alice","groups":["devs"]},"authenticationMetadata":{"impersonationConstraint":"x"},)"
    R"~("sourceIPs":["10.0.0.1","fd00::1"],"userAgent":"kube-controller-manager/v1.30.1 (linux/amd64)",)~"
    R"("objectRef":{"resource":"pods","namespace":"prod","name":"web-0","uid":"p-1","apiGroup":"","apiVersion":"v1",)"
    R"("resourceVersion":"42","subresource":"status"},)"
    R"("responseStatus":{"metadata":{},"status":"Failure","message":"pods \"web-0\" is forbidden","reason":"Forbidden",)"
    R"("details":{"name":"web-0","kind":"pods"},"code":403},)"
    R"("requestObject":{"kind":"Pod","metadata":{"name":"web-0"}},"responseObject":{"kind":"Status","code":403},)"
    R"("requestReceivedTimestamp":"2025-10-07T16:19:19.643609Z","stageTimestamp":"2025-10-07T16:19:19.647880Z",)"
    R"("annotations":{"authorization.k8s.io/decision":"forbid","authorization.k8s.io/reason":""},"serviceBuild":"na"})";

std::int64_t ns(const timestamp& t) { return t.time_since_epoch().count(); }

}  // namespace

TEST_CASE("parser: every audit.k8s.io/v1 field") {
  parser p;
  auto r = p.parse(full_event);
  REQUIRE(r.has_value());
  const event& e = *r;
  CHECK(e.kind == "Event");
  CHECK(e.api_version == "audit.k8s.io/v1");
  CHECK(e.level == level::request_response);
  CHECK(e.audit_id == "5e1f1c4a-7c31-4f0e-a4b3-9a1d2b3c4d5e");
  CHECK(e.stage == stage::response_complete);
  CHECK(e.request_uri == "/api/v1/namespaces/prod/pods?fieldSelector=spec.nodeName%3Dn1&limit=500");
  CHECK(e.verb == "list");
  CHECK(e.verb_kind() == verb_kind::list);
  CHECK(e.user.username == "system:serviceaccount:kube-system:generic-garbage-collector");
  CHECK(e.user.uid == "u-1");
  REQUIRE(e.user.groups.size() == 3);
  CHECK(e.user.groups[2] == "system:authenticated");
  CHECK(e.user.extra.text == R"({"authentication.kubernetes.io/pod-name":["gc-0"]})");
  CHECK(e.has_impersonated_user);
  CHECK(e.impersonated_user.username == "alice");
  CHECK(e.authentication_metadata.text == R"({"impersonationConstraint":"x"})");
  REQUIRE(e.source_ips.size() == 2);
  CHECK(e.source_ips[1] == "fd00::1");
  CHECK(e.user_agent == "kube-controller-manager/v1.30.1 (linux/amd64)");
  CHECK(e.object_ref.resource == "pods");
  CHECK(e.object_ref.namespace_ == "prod");
  CHECK(e.object_ref.name == "web-0");
  CHECK(e.object_ref.uid == "p-1");
  CHECK(e.object_ref.api_group.empty());
  CHECK(e.object_ref.api_version == "v1");
  CHECK(e.object_ref.resource_version == "42");
  CHECK(e.object_ref.subresource == "status");
  CHECK(e.response_status.code == 403);
  CHECK(e.response_status.status == "Failure");
  CHECK(e.response_status.message == R"(pods "web-0" is forbidden)");
  CHECK(e.response_status.reason == "Forbidden");
  CHECK(e.response_status.details.text == R"({"name":"web-0","kind":"pods"})");
  CHECK(e.request_object.is_object());
  CHECK(e.request_object.text == R"({"kind":"Pod","metadata":{"name":"web-0"}})");
  CHECK(e.response_object.text == R"({"kind":"Status","code":403})");
  CHECK(ns(e.request_received_timestamp) == 1759853959643609000);
  CHECK(ns(e.stage_timestamp) == 1759853959647880000);
  CHECK(e.request_received_timestamp_text == "2025-10-07T16:19:19.643609Z");
  std::string scratch;
  auto d = e.annotation("authorization.k8s.io/decision", scratch);
  REQUIRE(d.has_value());
  CHECK(*d == "forbid");
  auto missing = e.annotation("nope", scratch);
  REQUIRE(missing.has_value());
  CHECK(missing->empty());
}

TEST_CASE("parser: strings without escapes are views into the input (zero copy)") {
  std::string buf(full_event);
  buf.append(parser::padding(), ' ');
  parser p;
  auto r = p.parse_padded(std::string_view(buf.data(), full_event.size()), buf.size());
  REQUIRE(r.has_value());
  auto inside = [&](std::string_view v) { return v.data() >= buf.data() && v.data() + v.size() <= buf.data() + buf.size(); };
  CHECK(inside(r->verb));
  CHECK(inside(r->user.username));
  CHECK(inside(r->object_ref.namespace_));
  CHECK(inside(r->request_object.text));
  CHECK_FALSE(inside(r->request_uri));  // it had \u0026: unescaped into the arena
  CHECK_FALSE(inside(r->response_status.message));
}

TEST_CASE("parser: escapes, surrogate pairs and non-ASCII") {
  parser p;
  auto r = p.parse(R"({"verb":"get","user":{"username":"jos\u00e9@example.com"},"userAgent":"smile \ud83d\ude00 ok",)"
                   R"("requestURI":"/a?b=1\u0026c=\u003cd\u003e","objectRef":{"name":"h\u00e9llo-日本"}})");
  REQUIRE(r.has_value());
  CHECK(r->user.username == "jos\xC3\xA9@example.com");
  CHECK(r->user_agent == "smile \xF0\x9F\x98\x80 ok");
  CHECK(r->request_uri == "/a?b=1&c=<d>");
  CHECK(r->object_ref.name == "h\xC3\xA9llo-\xE6\x97\xA5\xE6\x9C\xAC");

  auto lone = p.parse(R"({"verb":"get","userAgent":"\ud83d alone"})");
  REQUIRE_FALSE(lone.has_value());
  CHECK(lone.error().code == errc::invalid_string);
  CHECK(lone.error().field == "userAgent");
}

TEST_CASE("parser: AKS puts the string skipped-too-big-size-object where objects were") {
  parser p;
  auto r = p.parse(R"({"verb":"patch","requestObject":"skipped-too-big-size-object","responseObject":"skipped-too-big-size-object"})");
  REQUIRE(r.has_value());
  CHECK(r->request_object.skipped_too_big());
  CHECK(r->response_object.skipped_too_big());
  CHECK_FALSE(r->request_object.is_object());
}

TEST_CASE("parser: v1beta1 shape and events without kind/apiVersion") {
  parser p;
  auto r = p.parse(R"({"auditID":"a","metadata":{"creationTimestamp":"2018-10-26T13:38:34Z"},"level":"Request",)"
                   R"("stage":"ResponseStarted","timestamp":"2018-10-26T13:38:33Z","verb":"create","objectRef":{"resource":"pods","subresource":"exec"}})");
  REQUIRE(r.has_value());
  CHECK(r->kind.empty());
  CHECK(r->api_version.empty());
  CHECK(r->stage == stage::response_started);
  // requestReceivedTimestamp falls back to timestamp, stageTimestamp to metadata.creationTimestamp.
  CHECK(ns(r->request_received_timestamp) == 1540561113LL * 1000000000LL);
  CHECK(ns(r->stage_timestamp) == 1540561114LL * 1000000000LL);
  CHECK(r->stage_timestamp_text == "2018-10-26T13:38:34Z");

  auto only_ts = p.parse(R"({"auditID":"a","verb":"get","timestamp":"2018-10-26T13:38:33Z"})");
  REQUIRE(only_ts.has_value());
  CHECK(only_ts->stage_timestamp == only_ts->request_received_timestamp);
  CHECK(only_ts->has_stage_timestamp());

  auto none = p.parse(R"({"verb":"get"})");
  REQUIRE(none.has_value());
  CHECK_FALSE(none->has_stage_timestamp());
  CHECK(none->stage == stage::absent);
  CHECK(none->level == level::absent);
}

TEST_CASE("parser: enums keep unknown text, never fail") {
  parser p;
  auto r = p.parse(R"({"verb":"impersonate","level":"Verbose","stage":"Later"})");
  REQUIRE(r.has_value());
  CHECK(r->level == level::unknown);
  CHECK(r->level_text == "Verbose");
  CHECK(r->stage == stage::unknown);
  CHECK(r->verb_kind() == verb_kind::other);
  CHECK(classify_verb("deletecollection") == verb_kind::deletecollection);
  CHECK(classify_verb("delete") == verb_kind::delete_);
  CHECK(classify_verb("watch") == verb_kind::watch);
  CHECK(classify_verb("post") == verb_kind::post);
  CHECK(classify_verb("") == verb_kind::absent);
  CHECK(to_string(level::request) == "Request");
  CHECK(to_string(stage::panic) == "Panic");
  CHECK(parse_stage("Panic") == stage::panic);
}

TEST_CASE("parser: unknown and null fields are skipped") {
  parser p;
  auto r = p.parse(R"({"verb":"get","p_any_ip_addresses":["8.8.8.8"],"future":{"deep":[1,2,{"x":null}]},)"
                   R"("annotations":null,"sourceIPs":null,"user":null,"userAgent":null})");
  REQUIRE(r.has_value());
  CHECK(r->verb == "get");
  CHECK(r->annotations.empty());
  CHECK(r->source_ips.empty());
  CHECK(r->user.username.empty());
}

TEST_CASE("parser: string lists of any length are read whole and in order, escapes too") {
  // Lists are written straight into the arena with room for a few items, grown by doubling:
  // every length around the growth points, items with escapes (decoded into the arena between
  // the list's own allocations), and two lists in one event.
  parser p;
  for (const std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{7}, std::size_t{8}, std::size_t{9},
                              std::size_t{16}, std::size_t{17}, std::size_t{100}}) {
    for (const bool escaped : {false, true}) {
      CAPTURE(n);
      CAPTURE(escaped);
      std::string groups = "[", ips = "[";
      std::vector<std::string> want_groups, want_ips;
      for (std::size_t i = 0; i < n; ++i) {
        const std::string g = "group-" + std::to_string(i);
        groups += (i == 0 ? "\"" : ",\"") + (escaped && i % 3 == 1 ? g + "\\u0021" : g) + "\"";
        want_groups.push_back(escaped && i % 3 == 1 ? g + "!" : g);
        ips += (i == 0 ? "\"10.0.0." : ",\"10.0.0.") + std::to_string(i % 256) + "\"";
        want_ips.push_back("10.0.0." + std::to_string(i % 256));
      }
      groups += "]";
      ips += "]";
      const std::string json = R"({"verb":"get","user":{"username":"u","groups":)" + groups +
                               R"(},"impersonatedUser":{"username":"v","groups":)" + groups + R"(},"sourceIPs":)" +
                               ips + "}";
      auto r = p.parse(json);
      REQUIRE(r.has_value());
      const auto same = [](std::span<const std::string_view> got, const std::vector<std::string>& want) {
        return got.size() == want.size() && std::equal(got.begin(), got.end(), want.begin());
      };
      CHECK(same(r->user.groups, want_groups));
      CHECK(same(r->impersonated_user.groups, want_groups));
      CHECK(same(r->source_ips, want_ips));
    }
  }
}

TEST_CASE("parser: the field mask skips what is not asked for") {
  parser_options o;
  o.fields = part::verb | part::object_ref;
  parser p(o);
  auto r = p.parse(full_event);
  REQUIRE(r.has_value());
  CHECK(r->verb == "list");
  CHECK(r->object_ref.resource == "pods");
  CHECK(r->user.username.empty());
  CHECK(r->request_object.empty());
  CHECK_FALSE(r->has_stage_timestamp());
  // Fields outside the mask are not even validated.
  auto bad = p.parse(R"({"verb":"get","stageTimestamp":"yesterday","user":7})");
  CHECK(bad.has_value());
}

TEST_CASE("parser: keys outside the field mask still say what a record is") {
  // The scan passes over masked-out keys without reading them; they must still make the record
  // an event, a Log Analytics row or a skip, exactly as with every field read.
  struct one {
    std::string rec;
    record_format format;  // unknown: a skip
  };
  const one records[] = {
      {R"({"auditID":"a","stage":"ResponseComplete"})", record_format::native},  // native event keys only
      {R"({"level":"Metadata","x":1})", record_format::native},
      {R"({"AuditId":"a","Verb":"get","Stage":"ResponseComplete"})", record_format::loganalytics_row},
      {R"({"x":1,"SourceIps":["1.2.3.4"]})", record_format::loganalytics_row},
      {R"({"x":1,"y":{"z":2}})", record_format::unknown},
      {R"({"protoPayload":{"a":1},"verb":"get"})", record_format::unknown},  // a GKE entry
  };
  const field_mask masks[] = {field_mask::none(), field_mask(part::user_agent), field_mask(part::annotations),
                              field_mask::all()};
  for (const one& r : records) {
    CAPTURE(r.rec);
    for (const field_mask m : masks) {
      CAPTURE(m.bits());
      reader_options o;
      o.fields = m;
      const auto got = test::read_all(r.rec + "\n" + r.rec + "\n", o);
      CHECK(got.adds_up());
      CHECK(got.stats.errors == 0);
      if (r.format == record_format::unknown) {
        CHECK(got.stats.skipped == 2);
        continue;
      }
      REQUIRE(got.events.size() == 2);
      for (const owned_event& e : got.events) CHECK(e->origin.format == r.format);
    }
  }
}

TEST_CASE("parser: bad input is an error naming the field") {
  parser p;
  struct bad_case {
    std::string_view json;
    errc code;
    std::string_view field;
  };
  const bad_case cases[] = {
      {R"({"verb":42})", errc::wrong_type, "verb"},
      {R"({"verb":"get","user":"bob"})", errc::wrong_type, "user"},
      {R"({"verb":"get","user":{"groups":"g"}})", errc::wrong_type, "user"},
      {R"({"verb":"get","responseStatus":{"code":"abc"}})", errc::wrong_type, "responseStatus.code"},
      {R"({"verb":"get","responseStatus":{"code":99999999999}})", errc::number_out_of_range, "responseStatus.code"},
      {R"({"verb":"get","stageTimestamp":"2025-13-01T00:00:00Z"})", errc::bad_timestamp, "stageTimestamp"},
      {R"({"verb":"get","requestReceivedTimestamp":"now"})", errc::bad_timestamp, "requestReceivedTimestamp"},
      {R"({"verb":"get","timestamp":"2018-10-26 13:38"})", errc::bad_timestamp, "timestamp"},
      {R"({"verb":"get","requestObject":12})", errc::wrong_type, "requestObject"},
      {R"({"verb":"get","sourceIPs":[1]})", errc::wrong_type, "sourceIPs"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.json);
    auto r = p.parse(c.json);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == c.code);
    CHECK(r.error().field == c.field);
    CHECK_FALSE(message(r.error()).empty());
  }
}

TEST_CASE("parser: invalid JSON, invalid UTF-8, trailing content") {
  parser p;
  CHECK(p.parse(R"({"verb":"get")").error().code == errc::invalid_json);
  CHECK(p.parse(R"({"verb":"get",})").error().code == errc::invalid_json);
  CHECK(p.parse("{\"verb\":\"g\xff\xfe\"}").error().code == errc::invalid_utf8);
  CHECK(p.parse(R"({"verb":"get"} {"verb":"list"})").error().code == errc::trailing_content);
  CHECK(p.parse(R"({"a":1})").error().code == errc::format_mismatch);
  CHECK(p.parse("").error().code == errc::invalid_json);
  // A control character inside a string is not JSON.
  CHECK_FALSE(p.parse("{\"verb\":\"g\x01\"}").has_value());
}

TEST_CASE("parser: a 1 MB requestObject") {
  std::string big = R"({"verb":"create","requestObject":{"kind":"ConfigMap","data":{"blob":")";
  big.append(std::size_t{1} << 20, 'x');
  big += R"("}},"stageTimestamp":"2025-01-01T00:00:00Z"})";
  parser p;
  auto r = p.parse(big);
  REQUIRE(r.has_value());
  CHECK(r->request_object.text.size() > (std::size_t{1} << 20));
  CHECK(r->request_object.text.substr(0, 20) == R"({"kind":"ConfigMap",)");
  CHECK(r->has_stage_timestamp());
}

TEST_CASE("parser: to_owned outlives the parser's next call") {
  parser p;
  owned_event keep;
  {
    auto r = p.parse(full_event);
    REQUIRE(r.has_value());
    keep = r->to_owned();
  }
  auto other = p.parse(R"({"verb":"watch","user":{"username":"zed","groups":["a"]}})");
  REQUIRE(other.has_value());
  CHECK(keep->verb == "list");
  CHECK(keep->request_uri == "/api/v1/namespaces/prod/pods?fieldSelector=spec.nodeName%3Dn1&limit=500");
  REQUIRE(keep->user.groups.size() == 3);
  CHECK(keep->user.groups[0] == "system:serviceaccounts");
  CHECK(keep->response_status.code == 403);
  owned_event moved = std::move(keep);
  CHECK(moved->source_ips[0] == "10.0.0.1");
  CHECK(moved->annotations.text == R"({"authorization.k8s.io/decision":"forbid","authorization.k8s.io/reason":""})");
}

// The parser guesses each key from the one before it in the previous record (the order the API
// server writes them). A guess must only ever stand for the very same key: records that follow
// an established order with keys that extend it, stop short of it, spell it with an escape, or
// are too long to guess, read as they would alone.
TEST_CASE("parser: keys guessed from the previous record's order are the same keys") {
  const std::string base = R"({"kind":"Event","level":"Metadata","verb":"get","stage":"ResponseComplete","user":{"username":"a"}})";
  const std::string long_key(40, 'k');
  const std::string variants[] = {
      R"({"kind":"Event","level":"Metadata","verbs":"x","stage":"ResponseComplete"})",    // extends "verb"
      R"({"kind":"Event","level":"Metadata","ver":"x","stage":"ResponseComplete"})",      // stops short
      R"({"kind":"Event","level":"Metadata","ver\u0062":"list","stage":"ResponseComplete"})",  // "verb", escaped
      R"({"kind":"Event","level":"Metadata","verb\"":"x","stage":"ResponseComplete"})",   // a quote after it
      R"({"kind":"Event","level":"Metadata",")" + long_key + R"(":"x","verb":"watch","stage":"ResponseComplete"})",
      R"({"kind":"Event","level":"Metadata","Verb":"x","verb":"patch","stage":"ResponseComplete"})",
      R"({"kind":"Event", "level" : "Metadata" ,"verb":"create","stage":"ResponseComplete"})",
  };
  for (const std::string& v : variants) {
    CAPTURE(v);
    const std::string input = base + "\n" + base + "\n" + v + "\n" + v + "\n" + base + "\n";
    const auto together = test::read_all(input);
    const auto alone = test::read_all(v);
    REQUIRE(together.events.size() == 5);
    REQUIRE(alone.events.size() == 1);
    for (const std::size_t i : {std::size_t{2}, std::size_t{3}}) {
      const event& e = together.events[i].view();
      const event& a = alone.events[0].view();
      CHECK(e.verb == a.verb);
      CHECK(e.stage == a.stage);
      CHECK(e.level == a.level);
    }
    CHECK(together.events[4].view().verb == "get");
    CHECK(together.events[4].view().user.username == "a");
  }
  // What each variant's verb is, read alone.
  CHECK(test::read_all(variants[0]).events[0].view().verb.empty());
  CHECK(test::read_all(variants[2]).events[0].view().verb == "list");
  CHECK(test::read_all(variants[4]).events[0].view().verb == "watch");
  CHECK(test::read_all(variants[5]).events[0].view().verb == "patch");
}

TEST_CASE("parser: keys of user, objectRef and responseStatus are matched as written, or decoded") {
  // The nested readers compare a key's bytes and closing quote with each name they know, and
  // decode the key only when that fails. Every variant of every key must read as the JSON says:
  // an escaped key is the same key; a key one byte longer or shorter is another (skipped) key.
  struct member {
    std::string key, value;
  };
  const std::vector<member> user = {{"username", R"("alice")"}, {"uid", R"("u-1")"}, {"groups", R"(["g1","g2"])"},
                                    {"extra", R"({"x":["y"]})"}};
  const std::vector<member> ref = {{"resource", R"("pods")"},      {"namespace", R"("ns")"},
                                   {"name", R"("web-0")"},        {"apiVersion", R"("v1")"},
                                   {"apiGroup", R"("apps")"},      {"subresource", R"("log")"},
                                   {"uid", R"("o-1")"},           {"resourceVersion", R"("77")"}};
  const std::vector<member> status = {{"metadata", "{}"},         {"code", "404"},
                                      {"status", R"("Failure")"}, {"message", R"("not there")"},
                                      {"reason", R"("NotFound")"}, {"details", R"({"name":"x"})"}};
  const auto object = [](const std::vector<member>& ms) {
    std::string o = "{";
    for (const member& m : ms) {
      if (o.size() > 1) o += ',';
      o += test::json_quote(m.key);
      o += ':';
      o += m.value;
    }
    o += '}';
    return o;
  };
  const auto record = [&](const std::vector<member>& u, const std::vector<member>& r, const std::vector<member>& s) {
    return R"({"kind":"Event","level":"Metadata","verb":"get","user":)" + object(u) + R"(,"objectRef":)" + object(r) +
           R"(,"responseStatus":)" + object(s) + "}";
  };
  const auto written = [](const std::string& rec) {
    const auto r = test::read_all(rec + "\n");
    REQUIRE(r.errors.empty());
    REQUIRE(r.events.size() == 1);
    return r.cat;
  };
  const std::string expected = written(record(user, ref, status));
  CHECK(expected.find("alice") != std::string::npos);
  CHECK(expected.find("resourceVersion") != std::string::npos);
  // Escape the key's first byte and its last one: \u00XX
  const auto escaped = [](const std::string& k, std::size_t at) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(k[at]));
    return k.substr(0, at) + buf + k.substr(at + 1);
  };
  std::size_t variants = 0;
  for (int which = 0; which < 3; ++which) {
    const std::vector<member>& base = which == 0 ? user : which == 1 ? ref : status;
    for (std::size_t i = 0; i < base.size(); ++i) {
      CAPTURE(base[i].key);
      const auto with_key = [&](const std::string& raw_key) {
        std::vector<member> ms = base;
        ms[i].key = raw_key;
        return record(which == 0 ? ms : user, which == 1 ? ms : ref, which == 2 ? ms : status);
      };
      const auto with_raw_key = [&](const std::string& raw_key) {
        const std::string rec = with_key("\x01");  // a placeholder, replaced by the raw text
        const std::string quoted = test::json_quote("\x01");
        std::string out = rec;
        out.replace(out.find(quoted), quoted.size(), "\"" + raw_key + "\"");
        return out;
      };
      const std::string& k = base[i].key;
      // the same key, escaped at its start and at its end
      CHECK(written(with_raw_key(escaped(k, 0))) == expected);
      CHECK(written(with_raw_key(escaped(k, k.size() - 1))) == expected);
      // another key: longer, shorter, different case (the member is then absent)
      const std::string absent = written(with_key("zzz"));
      CHECK(absent != expected);
      CHECK(written(with_key(k + "s")) == absent);
      if (k.size() > 1) CHECK(written(with_key(k.substr(0, k.size() - 1))) == absent);
      std::string upper = k;
      upper[0] = static_cast<char>(upper[0] - 'a' + 'A');
      CHECK(written(with_key(upper)) == absent);
      variants += 5;
    }
  }
  CHECK(variants == 5 * (user.size() + ref.size() + status.size()));
}

TEST_CASE("parser: each part of the field mask alone reads its own fields, and only those") {
  // Catches a part mapped to the wrong key in the parser's skip set or its member readers.
  using getter = std::string (*)(const event&);
  struct one {
    part p;
    getter get;
  };
  const one parts[] = {
      {part::api_version, [](const event& e) { return std::string(e.api_version); }},
      {part::level, [](const event& e) { return std::string(e.level_text); }},
      {part::audit_id, [](const event& e) { return std::string(e.audit_id); }},
      {part::stage, [](const event& e) { return std::string(e.stage_text); }},
      {part::request_uri, [](const event& e) { return std::string(e.request_uri); }},
      {part::verb, [](const event& e) { return std::string(e.verb); }},
      {part::user, [](const event& e) { return std::string(e.user.username) + "|" + std::string(e.user.uid); }},
      {part::impersonated_user, [](const event& e) { return std::string(e.impersonated_user.username); }},
      {part::authentication_metadata, [](const event& e) { return std::string(e.authentication_metadata.text); }},
      {part::source_ips,
       [](const event& e) { return e.source_ips.empty() ? std::string() : std::string(e.source_ips.back()); }},
      {part::user_agent, [](const event& e) { return std::string(e.user_agent); }},
      {part::object_ref,
       [](const event& e) { return std::string(e.object_ref.resource) + "|" + std::string(e.object_ref.subresource); }},
      {part::response_status,
       [](const event& e) { return std::to_string(e.response_status.code) + "|" + std::string(e.response_status.reason); }},
      {part::request_object, [](const event& e) { return std::string(e.request_object.text); }},
      {part::response_object, [](const event& e) { return std::string(e.response_object.text); }},
      {part::request_received_timestamp, [](const event& e) { return std::string(e.request_received_timestamp_text); }},
      {part::stage_timestamp, [](const event& e) { return std::string(e.stage_timestamp_text); }},
      {part::annotations, [](const event& e) { return std::string(e.annotations.text); }},
  };
  parser all;
  const auto full = all.parse(full_event);
  REQUIRE(full.has_value());
  // What an event read with no field at all holds for each part.
  parser_options none_opt;
  none_opt.fields = field_mask::none();
  parser none(none_opt);
  const auto bare = none.parse(full_event);
  REQUIRE(bare.has_value());
  for (const one& p : parts) {
    CAPTURE(static_cast<std::uint32_t>(p.p));
    REQUIRE(p.get(*full) != p.get(*bare));  // the sample has the field
    for (const bool strict : {false, true}) {
      parser_options o;
      o.fields = p.p;
      o.validate_all = strict;
      parser one_part(o);
      const auto got = one_part.parse(full_event);
      REQUIRE(got.has_value());
      CHECK(p.get(*got) == p.get(*full));
      for (const one& q : parts) {
        if (q.p != p.p) CHECK(q.get(*got) == q.get(*bare));
      }
    }
  }
}
