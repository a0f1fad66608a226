// SPDX-License-Identifier: Apache-2.0
// Framing, streaming, counters and bad records.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstring>
#include <string>

#include <k8saudit/detail/source.h>

#include "test_util.h"

using k8saudit::test::trickle_source;

using namespace k8saudit;
using k8saudit::test::read_all;
using k8saudit::test::ev;

namespace {

std::string lines(int n) {
  std::string s;
  for (int i = 0; i < n; ++i) s += ev(i) + "\n";
  return s;
}

test::read_result read_trickle(std::string_view data, std::size_t step, reader_options opt = {}) {
  reader rd(opt);
  rd.open_source(std::make_unique<trickle_source>(data, step), "trickle");
  return test::drain(rd);
}

}  // namespace

TEST_CASE("reader: JSON lines with blank lines, CRLF and no final newline") {
  std::string in = ev(1) + "\r\n\r\n" + ev(2) + "\n\n\n" + "   " + ev(3) + "  \r\n" + ev(4);
  auto r = read_all(in);
  CHECK(r.adds_up());
  REQUIRE(r.events.size() == 4);
  CHECK(r.stats.errors == 0);
  CHECK(r.events[0]->origin.line == 1);
  CHECK(r.events[1]->origin.line == 3);
  CHECK(r.events[2]->origin.line == 6);
  CHECK(r.events[2]->origin.offset == in.find(ev(3)));
  CHECK(r.events[3]->origin.line == 7);
  CHECK(r.events[3]->user.username == "u4");
  CHECK(r.events[1]->origin.record == ev(2));
  CHECK(r.events[0]->origin.format == record_format::native);
}

TEST_CASE("reader: a UTF-8 byte order mark at the start is ignored") {
  auto r = read_all("\xEF\xBB\xBF" + lines(2));
  CHECK(r.events.size() == 2);
  CHECK(r.stats.errors == 0);
  CHECK(r.events[0]->origin.offset == 3);
}

TEST_CASE("reader: a pretty-printed document spanning lines is one record") {
  std::string pretty = "{\n  \"kind\": \"Event\",\n  \"verb\": \"delete\",\n  \"user\": {\n    \"username\": \"bob\"\n  },\n"
                       "  \"requestObject\": {\n    \"a\": [1, 2]\n  }\n}\n";
  std::string in = ev(1) + "\n" + pretty + ev(2) + "\n";
  auto r = read_all(in);
  CHECK(r.adds_up());
  REQUIRE(r.events.size() == 3);
  CHECK(r.events[1]->verb == "delete");
  CHECK(r.events[1]->origin.line == 2);
  CHECK(r.events[2]->origin.line == 12);
  CHECK(r.stats.errors == 0);
  // Written back as one compact line.
  CHECK(r.cat.find(R"("requestObject":{"a":[1,2]})") != std::string::npos);
}

TEST_CASE("reader: a truncated line loses only itself") {
  std::string bad = R"({"kind":"Event","apiVersion":"audit.k8s.io/v1","verb":"ge)";
  std::string bad2 = R"({"kind":"Event","verb":"get","user":{"username":"x")";
  std::string in = ev(1) + "\n" + bad + "\n" + ev(2) + "\n" + bad2 + "\n" + ev(3) + "\n" + ev(4) + "\n";
  auto r = read_all(in);
  CHECK(r.adds_up());
  CHECK(r.stats.records == 6);
  REQUIRE(r.events.size() == 4);
  REQUIRE(r.errors.size() == 2);
  CHECK(r.errors[0].line == 2);
  CHECK(r.errors[0].offset == ev(1).size() + 1);
  CHECK(r.errors[0].code == errc::truncated_record);
  CHECK(r.errors[1].line == 4);
  CHECK(r.errors[1].offset == in.find(bad2));
  CHECK(r.errors[1].code == errc::truncated_record);
  CHECK(r.events[2]->user.username == "u3");
}

TEST_CASE("reader: invalid records among valid ones, with exact line and offset") {
  std::string in = ev(1) + "\n" + "not json at all\n" + ev(2) + "\n" + R"({"verb":"get","responseStatus":{"code":"x"}})" +
                   "\n" + "{\"verb\":\"\xff\"}\n" + "[1,2,\n" + ev(3) + "\n" + R"({"verb":"get","stageTimestamp":"soon"})";
  auto r = read_all(in);
  CHECK(r.adds_up());
  CHECK(r.events.size() == 3);
  REQUIRE(r.errors.size() == 5);
  CHECK(r.errors[0].line == 2);
  CHECK(r.errors[0].offset == ev(1).size() + 1);
  CHECK(r.errors[0].code == errc::invalid_json);
  CHECK(r.errors[1].line == 4);
  CHECK(r.errors[1].code == errc::wrong_type);
  CHECK(r.errors[1].field == "responseStatus.code");
  CHECK(r.errors[2].line == 5);
  CHECK(r.errors[2].code == errc::invalid_utf8);
  CHECK(r.errors[3].line == 6);
  CHECK(r.errors[4].line == 8);
  CHECK(r.errors[4].code == errc::bad_timestamp);
  CHECK(r.errors[4].field == "stageTimestamp");
  CHECK(r.errors[4].offset == in.rfind('\n') + 1);
  CHECK(r.stats.errors_by_code[static_cast<std::size_t>(errc::invalid_json)] >= 1);
}

TEST_CASE("reader: a truncated last record is reported as such") {
  std::string in = lines(3) + R"({"kind":"Event","verb":"get","user":{)";
  auto r = read_all(in);
  CHECK(r.adds_up());
  CHECK(r.events.size() == 3);
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0].code == errc::truncated_record);
  CHECK(r.errors[0].line == 4);
  // A pretty-printed document cut short at the end of the input.
  auto p = read_all(lines(1) + "{\n  \"verb\": \"get\",\n  \"user\": {\n");
  CHECK(p.adds_up());
  REQUIRE(p.errors.size() >= 1);
  CHECK(p.errors[0].code == errc::truncated_record);
  CHECK(p.errors[0].line == 2);
}

TEST_CASE("reader: oversized records are errors and reading goes on") {
  reader_options o;
  o.max_record_size = 4096;
  o.window_size = 1024;
  std::string huge = R"({"verb":"get","requestObject":{"x":")" + std::string(10000, 'a') + "\"}}";
  std::string in = ev(1) + "\n" + huge + "\n" + ev(2) + "\n" + huge + "\n" + ev(3);
  auto r = read_all(in, o);
  CHECK(r.adds_up());
  CHECK(r.events.size() == 3);
  REQUIRE(r.errors.size() == 2);
  CHECK(r.errors[0].code == errc::record_too_large);
  CHECK(r.errors[0].line == 2);
  CHECK(r.errors[0].offset == ev(1).size() + 1);
  CHECK(r.errors[1].line == 4);
  CHECK(r.events[2]->origin.line == 5);
  // The same record fits with the default maximum.
  auto ok = read_all(in);
  CHECK(ok.events.size() == 5);
  CHECK(ok.errors.empty());
}

TEST_CASE("reader: results do not depend on how the bytes arrive") {
  std::string pretty = "{\n \"verb\": \"patch\",\n \"user\": {\"username\": \"p\"}\n}\n";
  std::string in = lines(50) + "garbage line\n" + pretty + R"({"items":[)" + ev(100) + "," + ev(101) + "]}\n" + lines(20) +
                   R"({"kind":"Event","verb":"ge)";
  auto whole = read_all(in);
  CHECK(whole.adds_up());
  reader_options small;
  small.window_size = 256;  // smaller than one record: forces growth
  small.max_batch_events = 7;
  for (std::size_t step : {1u, 3u, 64u, 1000u}) {
    CAPTURE(step);
    auto t = read_trickle(in, step, small);
    CHECK(t.adds_up());
    CHECK(t.cat == whole.cat);
    CHECK(t.stats.records == whole.stats.records);
    REQUIRE(t.errors.size() == whole.errors.size());
    for (std::size_t i = 0; i < t.errors.size(); ++i) {
      CHECK(t.errors[i].line == whole.errors[i].line);
      CHECK(t.errors[i].offset == whole.errors[i].offset);
    }
  }
  CHECK(whole.events.size() == 73);
}

TEST_CASE("reader: counters add up on mixed input") {
  std::string in = lines(3) + "[]\n" + R"({"items":[]})" + "\n" + R"({"hello":"world"})" + "\n" + "42\n" +
                   R"({"protoPayload":{"serviceName":"k8s.io"},"insertId":"x"})" + "\n" + "{bad\n";
  auto r = read_all(in);
  CHECK(r.adds_up());
  CHECK(r.stats.events == 3);
  CHECK(r.stats.skipped_by_reason[static_cast<std::size_t>(skip_reason::empty_container)] == 2);
  CHECK(r.stats.skipped_by_reason[static_cast<std::size_t>(skip_reason::not_an_event)] == 2);
  CHECK(r.stats.skipped_by_reason[static_cast<std::size_t>(skip_reason::gcp_log_entry)] == 1);
  CHECK(r.stats.errors == 1);
  CHECK(r.stats.records == 9);
  CHECK(r.stats.lines == 9);
}

TEST_CASE("reader: a broken container is one error, never partial items") {
  std::string in = R"({"kind":"EventList","items":[)" + ev(1) + "," + ev(2) + ",{\"verb\":}]}\n" + ev(3) + "\n";
  auto r = read_all(in);
  CHECK(r.adds_up());
  CHECK(r.events.size() == 1);
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0].line == 1);
  CHECK(r.errors[0].offset == 0);
}

TEST_CASE("reader: items with semantic errors do not hurt their siblings") {
  std::string in = R"({"kind":"EventList","items":[)" + ev(1) + R"(,{"verb":"get","stageTimestamp":"bad"},)" + ev(2) + "]}";
  auto r = read_all(in);
  CHECK(r.adds_up());
  CHECK(r.events.size() == 2);
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0].code == errc::bad_timestamp);
  CHECK(r.errors[0].offset == in.find(R"({"verb":"get","stageTimestamp")"));
}

TEST_CASE("reader: files, standard input names and gzip") {
  reader rd;
  auto missing = rd.open("/nonexistent/k8saudit/file.log");
  REQUIRE_FALSE(missing.has_value());
  CHECK(missing.error().code == errc::io_error);
  batch b;
  CHECK_FALSE(rd.next(b));
}

// ----- prefilter ---------------------------------------------------------------------------------

namespace {

constexpr auto prefiltered = static_cast<std::size_t>(skip_reason::prefiltered);

prefilter deletes_only() {
  prefilter pf;
  pf.require_any({{"delete"}});
  return pf;
}

// "auditID line offset" of each event with verb `verb`: where and what was found.
std::vector<std::string> found(const test::read_result& r, std::string_view verb = "delete") {
  std::vector<std::string> out;
  for (const auto& e : r.events) {
    if (e->verb != verb) continue;
    out.push_back(std::string(e->audit_id) + " " + std::to_string(e->origin.line) + " " +
                  std::to_string(e->origin.offset));
  }
  return out;
}

// 50 JSON lines, deletes at lines 8, 24 and 50 (the last one: it has no line after it).
std::string fifty_lines() {
  std::string s;
  for (int i = 0; i < 50; ++i) s += ev(i, i == 7 || i == 23 || i == 49 ? "delete" : "get") + "\n";
  return s;
}

std::string aks_record(const std::string& event) {
  return R"({"category":"kube-audit","operationName":"Microsoft.ContainerService/managedClusters/diagnosticLogs/Read",)"
         R"("properties":{"containerID":"abc","log":)" +
         test::json_quote(event + "\n") +
         R"(,"pod":"kube-apiserver-1","stream":"stdout"},"resourceId":"/SUBSCRIPTIONS/0/RESOURCEGROUPS/RG/PROVIDERS/)"
         R"(MICROSOFT.CONTAINERSERVICE/MANAGEDCLUSTERS/prod","time":"2025-10-07T16:19:20.647880072Z"})";
}

}  // namespace

TEST_CASE("reader: prefilter skips the lines that cannot match, and only those") {
  const prefilter pf = deletes_only();
  reader_options opt;
  opt.prefilter = &pf;
  const std::string base = fifty_lines();
  // With a final newline, without one, and with lines forced to JSON lines.
  for (int variant = 0; variant < 3; ++variant) {
    CAPTURE(variant);
    const std::string in = variant == 1 ? base.substr(0, base.size() - 1) : base;
    reader_options o = opt;
    if (variant == 2) o.format = input_format::jsonl;
    auto plain = read_all(in);
    auto r = read_all(in, o);
    CHECK(r.adds_up());
    CHECK(r.stats.records == 50);
    CHECK(r.stats.events == 3);
    CHECK(r.stats.skipped == 47);
    CHECK(r.stats.skipped_by_reason[prefiltered] == 47);
    CHECK(r.stats.errors == 0);
    CHECK(r.stats.lines == plain.stats.lines);
    CHECK(r.stats.bytes == plain.stats.bytes);
    REQUIRE(found(r).size() == 3);
    CHECK(found(r) == found(plain));
    CHECK(r.events[0]->audit_id == "id-7");
    CHECK(r.events[2]->origin.line == 50);
    CHECK(r.events[2]->origin.record == ev(49, "delete"));
  }
  // Off when absent or empty.
  const prefilter empty;
  reader_options off;
  off.prefilter = &empty;
  auto all = read_all(base, off);
  CHECK(all.stats.events == 50);
  CHECK(all.stats.skipped_by_reason[prefiltered] == 0);
  CHECK(name(skip_reason::prefiltered) == "prefiltered");
}

TEST_CASE("reader: prefilter never touches a document spanning lines") {
  const prefilter pf = deletes_only();
  reader_options opt;
  opt.prefilter = &pf;
  // "delete" only on an inner line.
  const std::string pretty = "{\n  \"kind\": \"Event\",\n  \"auditID\": \"p1\",\n  \"verb\": \"delete\",\n"
                             "  \"user\": {\n    \"username\": \"bob\"\n  }\n}\n";
  // Its first line is `{...}` without "delete": only the `,` after it says it is not a record.
  const std::string opens_like_a_record = R"({"kind":"Event","auditID":"p2","user":{"username":"bob"})"
                                          "\n,\"verb\":\"delete\"}\n";
  // No "delete" at all: multi-line documents are parsed whatever they hold.
  const std::string pretty_patch =
      "{\n \"verb\": \"patch\",\n \"auditID\": \"p3\",\n \"user\": {\"username\": \"p\"}\n}\n";
  const std::string in = ev(1) + "\n" + pretty + ev(2) + "\n" + opens_like_a_record + ev(3) + "\n" + pretty_patch +
                         ev(4, "delete") + "\n" + ev(5) + "\n";
  auto plain = read_all(in);
  auto r = read_all(in, opt);
  CHECK(plain.stats.errors == 0);
  CHECK(r.adds_up());
  CHECK(r.stats.errors == 0);
  CHECK(found(r) == found(plain));
  REQUIRE(found(r).size() == 3);
  CHECK(found(r)[0].starts_with("p1 2 "));
  CHECK(found(r)[1].starts_with("p2 "));
  CHECK(found(r, "patch") == found(plain, "patch"));
  CHECK(found(r, "patch").size() == 1);
  CHECK(r.stats.skipped_by_reason[prefiltered] == 4);  // ev(1), ev(2), ev(3), ev(5)
  CHECK(r.stats.lines == plain.stats.lines);
}

TEST_CASE("reader: prefilter results do not depend on how the bytes arrive") {
  const prefilter pf = deletes_only();
  reader_options opt;
  opt.prefilter = &pf;
  const std::string pretty = "{\n \"verb\": \"delete\",\n \"user\": {\"username\": \"p\"}\n}\n";
  const std::string in = fifty_lines() + "garbage line\n" + pretty + R"({"items":[)" + ev(100) + "," +
                         ev(101, "delete") + "]}\n" + lines(20) + pretty + "\n\n  \n" + ev(200) + "\n   \n" +
                         ev(201, "delete") + "\n\n";
  auto whole = read_all(in, opt);
  CHECK(whole.adds_up());
  CHECK(whole.stats.skipped_by_reason[prefiltered] == 47 + 20 + 1);
  CHECK(found(whole) == found(read_all(in)));
  reader_options small = opt;
  small.window_size = 256;
  small.max_batch_events = 2;
  for (std::size_t step : {1u, 3u, 64u, 1000u}) {
    CAPTURE(step);
    auto t = read_trickle(in, step, small);
    CHECK(t.adds_up());
    CHECK(t.cat == whole.cat);
    CHECK(t.stats.records == whole.stats.records);
    CHECK(t.stats.lines == whole.stats.lines);
    CHECK(t.stats.skipped_by_reason == whole.stats.skipped_by_reason);
    REQUIRE(t.errors.size() == whole.errors.size());
    for (std::size_t i = 0; i < t.errors.size(); ++i) CHECK(t.errors[i].line == whole.errors[i].line);
  }
}

TEST_CASE("reader: prefilter waits for the byte after a line that fills the window") {
  const prefilter pf = deletes_only();
  reader_options opt;
  opt.prefilter = &pf;
  opt.window_size = 4096;
  // A rejected line that is exactly one full window with its newline: seeing what follows
  // needs a refill that grows the window.
  std::string big = ev(1);
  big.insert(big.size() - 1, R"(,"pad":")" + std::string(4095 - big.size() - 9, 'x') + "\"");
  REQUIRE(big.size() == 4095);
  const std::string in = big + "\n" + ev(2) + "\n";
  for (std::size_t step : {1u, 100u, 5000u}) {
    CAPTURE(step);
    auto r = read_trickle(in, step, opt);
    CHECK(r.adds_up());
    CHECK(r.stats.skipped_by_reason[prefiltered] == 2);
    CHECK(r.events.empty());
  }
  // When the window may not grow (max_record_size), the line is parsed instead: never stuck.
  opt.max_record_size = 4095;
  auto r = read_trickle(in, 1, opt);
  CHECK(r.adds_up());
  CHECK(r.stats.errors == 0);
  CHECK(r.stats.records == 2);
}

TEST_CASE("reader: prefilter on AKS Event Hub messages: one line, one record") {
  const prefilter pf = deletes_only();
  reader_options opt;
  opt.prefilter = &pf;
  const std::string with = R"({"records":[)" + aks_record(ev(1)) + "," + aks_record(ev(2, "delete")) + "]}";
  const std::string without = R"({"records":[)" + aks_record(ev(3)) + "," + aks_record(ev(4)) + "]}";
  const std::string in = without + "\n" + with + "\n" + without + "\n";
  auto plain = read_all(in);
  CHECK(plain.stats.events == 6);
  auto r = read_all(in, opt);
  CHECK(r.adds_up());
  CHECK(r.stats.records == 4);  // 2 messages skipped whole + the 2 records of the kept one
  CHECK(r.stats.skipped_by_reason[prefiltered] == 2);
  REQUIRE(r.events.size() == 2);  // the kept message is parsed whole: its "get" too
  CHECK(found(r) == found(plain));
  CHECK(r.events[1]->origin.format == record_format::aks_eventhub_record);
  CHECK(r.events[1]->origin.line == 2);
}

TEST_CASE("reader: prefilter lets \\u escapes through and does not validate what it rejects") {
  const prefilter pf = deletes_only();
  reader_options opt;
  opt.prefilter = &pf;
  std::string escaped = ev(1, "\\u0064elete");
  const std::string in = escaped + "\n" + R"({"verb":"get",})" + "\n" + ev(2) + "\n";
  auto r = read_all(in, opt);
  CHECK(r.adds_up());
  REQUIRE(r.events.size() == 1);
  CHECK(r.events[0]->verb == "delete");
  // The broken line is rejected unparsed: a skip, not an error (without a prefilter: an error).
  CHECK(r.stats.errors == 0);
  CHECK(r.stats.skipped_by_reason[prefiltered] == 2);
  CHECK(read_all(in).stats.errors == 1);
}

TEST_CASE("reader: memory is parsed in place, and the tail after the last padded line break is copied") {
  // Records that end at least padding() bytes before the input's end are views into the
  // caller's bytes; the last few (within padding() of the end) go through the window. Framing
  // across that boundary (a multi-line document, a last line without a newline) is unchanged.
  const std::string pretty = "{\n \"verb\": \"patch\",\n \"user\": {\"username\": \"p\"}\n}\n";
  for (const std::string& in : {lines(40), lines(40) + pretty, lines(40) + pretty + ev(77, "list"),
                                lines(3) + pretty + "  \n" + ev(5), std::string(ev(9)), lines(1)}) {
    CAPTURE(in.size());
    reader rd;
    rd.open_memory(in, "mem");
    batch b;
    std::size_t inside = 0, outside = 0, n = 0;
    while (rd.next(b)) {
      for (const event& e : b.events) {
        ++n;
        const char* p = e.origin.record.data();
        const bool in_place = p >= in.data() && p + e.origin.record.size() <= in.data() + in.size();
        if (in_place) {
          ++inside;
          CHECK(e.origin.record == std::string_view(in).substr(e.origin.offset, e.origin.record.size()));
          CHECK(e.origin.offset + e.origin.record.size() + parser::padding() <= in.size());
        } else {
          ++outside;
        }
      }
    }
    const auto trickled = read_trickle(in, 5);
    CHECK(n == trickled.events.size());
    CHECK(read_all(in).cat == trickled.cat);
    CHECK(rd.stats().bytes == in.size());
    if (in.size() > 2000) CHECK(inside > outside);
    CHECK(outside >= 1);  // the last record is always within padding() of the end
  }
}

TEST_CASE("reader: a batch ends before a record once full, and a container's items come whole") {
  // 3 events, an EventList of 10, 2 events, an EventList of 1, 6 events; batches of 4.
  std::string list10 = R"({"kind":"EventList","items":[)";
  for (int i = 0; i < 10; ++i) {
    if (i > 0) list10 += ',';
    list10 += ev(100 + i);
  }
  list10 += "]}";
  const std::string in = lines(3) + list10 + "\n" + ev(200) + "\n" + ev(201) + "\n" + R"({"items":[)" + ev(300) +
                         "]}\n" + lines(6);
  reader_options small;
  small.max_batch_events = 4;
  reader rd(small);
  rd.open_memory(in, "mem");
  std::vector<std::size_t> sizes;
  batch b;
  while (rd.next(b)) sizes.push_back(b.events.size());
  // 3 + the 10 items (the list is not split); then 200, 201, the list of 1, one line; then 4; then 1.
  CHECK(sizes == std::vector<std::size_t>{13, 4, 4, 1});
  for (const std::size_t n : sizes) CHECK(n <= small.max_batch_events - 1 + 10);
  CHECK(rd.stats().events == 22);
}
