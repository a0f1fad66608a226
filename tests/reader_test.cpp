// SPDX-License-Identifier: Apache-2.0
// Framing, streaming, counters and bad records.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstring>
#include <string>

#include <k8saudit/detail/source.h>

#include "test_util.h"

using namespace k8saudit;
using k8saudit::test::read_all;

namespace {

std::string ev(int i, std::string_view verb = "get") {
  return R"({"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"id-)" + std::to_string(i) +
         R"(","stage":"ResponseComplete","requestURI":"/api/v1/pods","verb":")" + std::string(verb) +
         R"(","user":{"username":"u)" + std::to_string(i) +
         R"("},"responseStatus":{"metadata":{},"code":200},"stageTimestamp":"2025-10-07T16:19:19.647880Z"})";
}

std::string lines(int n) {
  std::string s;
  for (int i = 0; i < n; ++i) s += ev(i) + "\n";
  return s;
}

// A source that hands out at most `step` bytes per read: exercises every refill path.
class trickle_source final : public detail::byte_source {
 public:
  trickle_source(std::string_view d, std::size_t step) : data_(d), step_(step) {}
  result<std::size_t> read(char* dst, std::size_t n) override {
    std::size_t k = std::min({n, step_, data_.size() - pos_});
    std::memcpy(dst, data_.data() + pos_, k);
    pos_ += k;
    return k;
  }
  std::uint64_t position() const noexcept override { return pos_; }
  std::uint64_t size() const noexcept override { return data_.size(); }

 private:
  std::string_view data_;
  std::size_t step_;
  std::size_t pos_{0};
};

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
