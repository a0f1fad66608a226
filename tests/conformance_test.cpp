// SPDX-License-Identifier: Apache-2.0
// JSON conformance: every case of JSONTestSuite (../shared/jsontestsuite/test_parsing; skipped
// with a message when the folder is absent: the cases are never copied into this project).
//
// Each file is read as one record, both by the reader (from memory and from the file) and by
// parser::parse. `y_` (valid JSON) must never be an error: the reader reports a skip (none of
// them is an audit event), parser::parse says format_mismatch ("not an audit event"). `n_`
// (invalid JSON) must be an error: at least one from the reader (a stream reader may split the
// file's lines into several records, see docs/formats.md), and an error other than
// format_mismatch from parser::parse. The exception is a file with no JSON text at all (empty,
// blank, a byte order mark alone): for a stream that is zero records, for parser::parse an error.
// `i_` (either way) must just not crash, with counters that add up.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "test_util.h"

using namespace k8saudit;
using namespace std::string_view_literals;
namespace fs = std::filesystem;

namespace {

fs::path suite_dir() { return fs::path(K8SAUDIT_SHARED_DIR) / "jsontestsuite" / "test_parsing"; }

// No JSON text at all: only JSON whitespace, after an optional UTF-8 byte order mark.
bool blank(std::string_view s) {
  if (s.starts_with("\xEF\xBB\xBF")) s.remove_prefix(3);
  return std::all_of(s.begin(), s.end(), [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; });
}

struct outcome {
  test::read_result memory;
  test::read_result file;
  result<event> parsed;
};

outcome run(const fs::path& path, const std::string& bytes, parser& p) {
  outcome o{test::read_all(bytes), {}, p.parse(bytes)};
  reader rd;
  REQUIRE(rd.open(path.string()).has_value());
  o.file = test::drain(rd);
  CHECK_FALSE(rd.failed());
  return o;
}

std::vector<fs::path> cases() {
  std::vector<fs::path> v;
  for (const auto& entry : fs::directory_iterator(suite_dir())) {
    if (entry.is_regular_file() && entry.path().extension() == ".json") v.push_back(entry.path());
  }
  std::sort(v.begin(), v.end());
  return v;
}

}  // namespace

TEST_CASE("conformance: JSONTestSuite, y_ accepted, n_ rejected, i_ never crash") {
  if (!fs::is_directory(suite_dir())) {
    MESSAGE("SKIPPED: " << suite_dir().string() << " not found; JSON conformance tests not run");
    return;
  }
  parser p;
  std::size_t y = 0, n = 0, i = 0;
  for (const fs::path& path : cases()) {
    const std::string name = path.filename().string();
    const std::string bytes = test::slurp(path);
    CAPTURE(name);
    const outcome o = run(path, bytes, p);
    // Whatever the verdict: counters add up, and a file reads the same from memory and from disk.
    CHECK(o.memory.adds_up());
    CHECK(o.file.adds_up());
    CHECK(o.memory.stats.records == o.file.stats.records);
    CHECK(o.memory.stats.errors == o.file.stats.errors);
    CHECK(o.memory.stats.skipped_by_reason == o.file.stats.skipped_by_reason);
    if (name.starts_with("y_")) {
      ++y;
      // One record, or one per element for a top-level array (each element is a record).
      CHECK(o.memory.stats.errors == 0);
      CHECK(o.memory.stats.records >= 1);
      CHECK(o.memory.stats.skipped == o.memory.stats.records);
      for (const error& e : o.memory.errors) FAIL_CHECK(message(e));
      REQUIRE_FALSE(o.parsed.has_value());
      CHECK(o.parsed.error().code == errc::format_mismatch);
    } else if (name.starts_with("n_")) {
      ++n;
      CHECK(o.memory.stats.events == 0);
      if (blank(bytes)) {
        CHECK(o.memory.stats.records == 0);
      } else {
        CHECK(o.memory.stats.errors >= 1);
        REQUIRE_FALSE(o.memory.errors.empty());
        CHECK(o.memory.errors.front().line >= 1);
      }
      REQUIRE_FALSE(o.parsed.has_value());
      CHECK(o.parsed.error().code != errc::format_mismatch);
      CHECK(o.parsed.error().code != errc::ok);
    } else if (name.starts_with("i_")) {
      ++i;
      // Either verdict, but a definite one for each record (adds_up above), none an event.
      CHECK(o.memory.stats.events == 0);
      if (!o.parsed) CHECK(o.parsed.error().code != errc::ok);
    }
  }
  // The suite as published (nst/JSONTestSuite 1ef36fa): a missing file is a lost check.
  CHECK(y == 95);
  CHECK(n == 188);
  CHECK(i == 35);
}

TEST_CASE("conformance: input without any JSON text") {
  // The n_ cases without data, and their neighbours: a stream of nothing is zero records, a
  // document of nothing is an error.
  parser p;
  for (std::string_view s : {""sv, " "sv, "\n\n"sv, "\xEF\xBB\xBF"sv, "\xEF\xBB\xBF \n"sv}) {
    CAPTURE(s.size());
    auto r = test::read_all(s);
    CHECK(r.stats.records == 0);
    CHECK(r.adds_up());
    auto d = p.parse(s);
    REQUIRE_FALSE(d.has_value());
    CHECK(d.error().code == errc::invalid_json);
  }
}

TEST_CASE("conformance: a record that is not an event is validated in full before it is a skip") {
  // Values of keys the scan does not need are skipped by simdjson without validation; a record
  // that turns out not to be an event is walked again, so invalid JSON in it is an error.
  for (std::string_view s : {R"({"a":/*comment*/"b"})"sv, R"({"a":tru})"sv, R"({"a":{"b":1]})"sv,
                             R"({"a":[1,}})"sv, R"({"category":"guard","properties":{"log":"x"},"x":nul})"sv,
                             R"({"protoPayload":{"a":01}})"sv, R"({"items":[],"x":"\x"})"sv, R"({"\u12":1})"sv}) {
    CAPTURE(s);
    auto r = test::read_all(std::string(s) + "\n{\"verb\":\"get\"}\n");
    CHECK(r.adds_up());
    CHECK(r.stats.skipped == 0);
    REQUIRE(r.errors.size() == 1);
    CHECK(r.errors[0].line == 1);
    CHECK(r.events.size() == 1);  // the next line reads fine
    parser p;
    auto d = p.parse(s);
    REQUIRE_FALSE(d.has_value());
    CHECK(d.error().code != errc::format_mismatch);
  }
  // The same inside containers: one bad non-event item is one error for the whole container.
  auto r = test::read_all(R"({"records":[{"verb":"get"},{"category":"guard","x":[1,]}]})"
                          "\n" R"([{"verb":"get"},{"a":"b","c":nul}])"
                          "\n" R"({"records":[{"verb":"get"},{"category":"guard","properties":{"log":"x"}}]})");
  CHECK(r.adds_up());
  REQUIRE(r.errors.size() == 2);
  CHECK(r.errors[0].line == 1);
  CHECK(r.errors[1].line == 2);
  CHECK(r.stats.events == 1);
  CHECK(r.stats.skipped_by_reason[static_cast<std::size_t>(skip_reason::not_audit_category)] == 1);
  // Valid non-events stay skips.
  auto ok = test::read_all(R"({"a":{"b":[1,2.5e3,true,null,"\u00e9"]}})"
                           "\n" R"({"records":[{"category":"guard","properties":{"log":"x"}}]})"
                           "\n[1,[2],{\"k\":\"v\"}]");
  CHECK(ok.stats.errors == 0);
  CHECK(ok.stats.skipped == 5);
}

// ----- strict mode ---------------------------------------------------------------------------

namespace {

constexpr std::string_view bad_bodies[] = {
    // {record, field at fault in strict mode}
    R"({"verb":"get","requestObject":{"spec":{"replicas":tru}}})",
    R"({"verb":"get","responseObject":{"items":[1,]}})",
    R"({"verb":"get","requestObject":{"a":{"b":1]}})",
    R"({"verb":"get","annotations":{"k":"\x"}})",
    R"({"verb":"get","user":{"username":"u","extra":{"k":[nul]}}})",
    R"({"verb":"get","responseStatus":{"code":200,"details":{"a":-}}})",
    R"({"verb":"get","unknownField":{"a":01}})",
    R"({"verb":"get","objectRef":{"resource":"pods","future":[1 2]}})",
};
constexpr std::string_view bad_fields[] = {"requestObject", "responseObject",         "requestObject", "annotations",
                                           "user",          "responseStatus.details", "",              "objectRef"};

}  // namespace

TEST_CASE("conformance: validate_all checks the values the parser skips") {
  for (std::size_t k = 0; k < std::size(bad_bodies); ++k) {
    const std::string_view rec = bad_bodies[k];
    CAPTURE(rec);
    // Default: the body is kept as raw text, unchecked beyond simdjson's first stage.
    parser fast;
    auto a = fast.parse(rec);
    CHECK(a.has_value());
    auto ra = test::read_all(std::string(rec) + "\n");
    CHECK(ra.stats.events == 1);
    // Strict: an error naming the field.
    parser_options po;
    po.validate_all = true;
    parser strict(po);
    auto b = strict.parse(rec);
    REQUIRE_FALSE(b.has_value());
    CHECK(b.error().code != errc::format_mismatch);
    CHECK(b.error().field == bad_fields[k]);
    reader_options ro;
    ro.validate_all = true;
    auto rb = test::read_all(std::string(rec) + "\n" + R"({"verb":"list"})" + "\n", ro);
    CHECK(rb.adds_up());
    REQUIRE(rb.errors.size() == 1);
    CHECK(rb.errors[0].line == 1);
    CHECK(rb.errors[0].field == bad_fields[k]);
    REQUIRE(rb.events.size() == 1);
    CHECK(rb.events[0]->verb == "list");
  }
  // Fields outside the projection are skipped unread, and checked in strict mode.
  parser_options po;
  po.fields = part::verb;
  parser proj(po);
  constexpr std::string_view masked = R"({"verb":"get","user":{"username":[1,]},"stage":tru})";
  CHECK(proj.parse(masked).has_value());
  po.validate_all = true;
  parser proj_strict(po);
  CHECK_FALSE(proj_strict.parse(masked).has_value());
  // Strict mode keeps the same text for raw bodies, and accepts everything valid.
  constexpr std::string_view good =
      R"({"verb":"get","requestObject":{"a":[1,2.5,-3e9,true,false,null,"\u00e9\n"]} ,"x":{"y":[]},)"
      R"("responseObject":"skipped-too-big-size-object","annotations":{"k":"v"}})";
  parser fast;
  parser_options so;
  so.validate_all = true;
  parser strict(so);
  auto f = fast.parse(good);
  REQUIRE(f.has_value());
  const std::string req = std::string(f->request_object.text), resp = std::string(f->response_object.text);
  auto s = strict.parse(good);
  REQUIRE(s.has_value());
  CHECK(s->request_object.text == req);
  CHECK(s->response_object.text == resp);
  CHECK(s->response_object.skipped_too_big());
  CHECK(s->annotations.text == R"({"k":"v"})");
}

TEST_CASE("conformance: validate_all on AKS and Log Analytics records") {
  reader_options ro;
  ro.validate_all = true;
  // properties.log holds an event with a bad literal in its request body.
  const std::string aks = R"({"category":"kube-audit","properties":{"log":)" +
                          test::json_quote(R"({"verb":"get","requestObject":{"a":fals}})") + R"(,"pod":"p"}})";
  auto fast = test::read_all(aks);
  CHECK(fast.stats.events == 1);
  auto strict = test::read_all(aks, ro);
  REQUIRE(strict.errors.size() == 1);
  CHECK(strict.errors[0].field == "requestObject");
  // A Log Analytics dynamic column that holds JSON as a string.
  const std::string la = R"({"AuditId":"a","Verb":"get","RequestObject":"{\"a\":[1,}","Type":"AKSAudit"})";
  CHECK(test::read_all(la).stats.events == 1);
  auto la_strict = test::read_all(la, ro);
  REQUIRE(la_strict.errors.size() == 1);
  CHECK(la_strict.errors[0].field == "requestObject");
  // Valid ones are events in both modes.
  const std::string la_ok = R"({"AuditId":"a","Verb":"get","RequestObject":"{\"a\":[1]}","Type":"AKSAudit"})";
  auto ok = test::read_all(la_ok, ro);
  REQUIRE(ok.events.size() == 1);
  CHECK(ok.events[0]->request_object.text == R"({"a":[1]})");
}
