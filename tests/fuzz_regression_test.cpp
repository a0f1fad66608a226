// SPDX-License-Identifier: Apache-2.0
// Regressions found by the fuzzers (fuzz/): each test replays the exact input a fuzzer found,
// which is also kept in fuzz/regressions/<fuzzer>/ and replayed through the harness by ctest.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <k8saudit/detail/source.h>

#include "test_util.h"

using namespace k8saudit;

namespace {

const policy_problem* first_error(const policy_load_error& e) {
  for (const policy_problem& p : e.problems) {
    if (!p.warning) return &p;
  }
  return nullptr;
}

}  // namespace

// fuzz_policy_load, fuzz/regressions/policy_load/yaml-stray-top-level-comma: yaml-cpp's LoadAll()
// never returned on a top-level ',' (each round an empty document that does not consume the
// token), allocating until memory ran out. An 18-byte policy took 23 GB.
TEST_CASE("fuzz regression: policy_load, a stray top-level comma is a syntax error, not an endless load") {
  auto r = policy::load(R"(,"apiVersion":"v1")");
  REQUIRE_FALSE(r.has_value());
  const policy_problem* e = first_error(r.error());
  REQUIRE(e != nullptr);
  CHECK(e->where == "line 1, column 1");
  CHECK(e->message.find("syntax error: unexpected ','") != std::string::npos);

  for (std::string_view text :
       {std::string_view(","), std::string_view("{\"apiVersion\":\"audit.k8s.io/v1\"},"),
        std::string_view("apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: None\n---\n,\n")}) {
    CAPTURE(text);
    auto x = policy::load(text);
    REQUIRE_FALSE(x.has_value());
    REQUIRE(first_error(x.error()) != nullptr);
    CHECK(first_error(x.error())->message.find("unexpected ','") != std::string::npos);
  }

  // Documents after the first are still checked and reported, with their place.
  auto ok = policy::load("apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: None\n---\nkind: x\n---\n");
  REQUIRE(ok.has_value());
  REQUIRE(ok->warnings().size() == 1);
  CHECK(ok->warnings()[0].message == "document 2 ignored: only the first YAML document is read (line 6, column 1)");
}

// fuzz_parse_event, fuzz/regressions/parse_event/write-minify-joins-backslash-and-quote: the
// parser keeps raw values it does not check as JSON (here a requestObject with a run of 7
// backslashes outside any string, then a newline, then a quote). write_json minified that
// multi-line text by dropping the newline, which put the backslash against the quote: the quote
// became escaped, and the line written could not be parsed back.
TEST_CASE("fuzz regression: parse_event, minifying a raw value that is not JSON keeps how it tokenizes") {
  const std::string input =
      "{\n  \"kind\": \"Event\",\n  \"verb\": \"delete\",\n  \"user\": {\n    \"userpame\": \"bob\"\n  },\n"
      "  \"requestObject\": {\n    \"a\":1 [, 2]\n " +
      std::string(7, '\\') + "\n  \"kind\": \"Event\",\n  \"verb\": " + std::string(37, '\\') + " }\n}\n";
  parser p;
  auto ev = p.parse(input);
  REQUIRE(ev.has_value());  // accepted: raw values are checked by simdjson's first stage only
  const owned_event first = ev->to_owned();
  std::string out;
  write_json(*first, out);
  CHECK(out.find('\n') == std::string::npos);
  auto again = p.parse(out);
  REQUIRE_MESSAGE(again.has_value(), out);
  CHECK(again->verb == "delete");
  std::string out2;
  write_json(*again, out2);
  CHECK(out2 == out);

  // Smaller: whitespace between two tokens that are not structural is kept as one space, an
  // escaped newline outside strings becomes a space, an escaped quote opens no string.
  auto small = p.parse("{\"verb\":\"get\",\"requestObject\":{\"a\": 1\n 2, \"b\": \\\n\"c\", \"d\": \\\"\n}}");
  REQUIRE(small.has_value());
  out.clear();
  write_json(*small, out);
  CHECK(out.find(R"("requestObject":{"a":1 2,"b":\ "c","d":\"})") != std::string::npos);
  // Valid JSON is minified as before.
  auto valid = p.parse(
      "{\"verb\":\"get\",\"requestObject\": {\n  \"a\" : \"x  y\",\n  \"b\": [ 1, 2 ],\n \"c\": \"\\\\\"\n}\n}");
  REQUIRE(valid.has_value());
  out.clear();
  write_json(*valid, out);
  CHECK(out.find(R"("requestObject":{"a":"x  y","b":[1,2],"c":"\\"})") != std::string::npos);
}

namespace {

// Hands out the given chunks, one per read (each fits the reader's window).
class chunk_source final : public detail::byte_source {
 public:
  explicit chunk_source(std::vector<std::string> chunks) : chunks_(std::move(chunks)) {}
  result<std::size_t> read(char* dst, std::size_t n) override {
    if (next_ == chunks_.size()) return std::size_t{0};
    const std::string& c = chunks_[next_++];
    const std::size_t k = std::min(n, c.size());
    std::memcpy(dst, c.data(), k);
    pos_ += k;
    return k;
  }
  [[nodiscard]] std::uint64_t position() const noexcept override { return pos_; }
  [[nodiscard]] std::uint64_t size() const noexcept override { return 0; }

 private:
  std::vector<std::string> chunks_;
  std::size_t next_{0};
  std::uint64_t pos_{0};
};

std::string error_text(const error& e) {
  return std::string(name(e.code)) + " " + std::to_string(e.line) + ":" + std::to_string(e.offset) + " [" +
         std::string(e.field) + "] " + std::string(e.detail);
}

// Every error of the reading, one per line.
std::string errors_of(reader& r) {
  std::string out;
  batch b;
  while (r.next(b)) {
    for (const record_error& e : b.errors) out += error_text(e.error) + "\n";
  }
  return out;
}

}  // namespace

// fuzz_reader, fuzz/regressions/reader/bad-record-at-end-read-with-stale-padding: simdjson reads
// the padding after a record (the byte after its last token), and a bad record that ends the data
// was reported according to whatever the window held there: stale bytes of earlier input or
// uninitialized memory ("ended early" after a '}', "improper structure" after a space). Reading
// the same bytes at once or a few bytes per read gave different error details and fields.
TEST_CASE("fuzz regression: reader, how a bad last record is reported does not depend on stale window bytes") {
  const std::string junk = std::string(100, '}') + "\n";
  const std::string bad = R"({"verb":"get","user":{"username":"a"})";  // no closing brace, no newline
  reader whole;
  const std::string input = junk + bad;  // open_memory does not copy
  whole.open_memory(input, "mem");
  const std::string want = errors_of(whole);
  REQUIRE(std::count(want.begin(), want.end(), '\n') == 2);
  // Chunked: the bad record is read over the junk line's bytes, which stay after it.
  reader chunked;
  chunked.open_source(std::make_unique<chunk_source>(std::vector<std::string>{junk, bad}), "mem");
  CHECK(errors_of(chunked) == want);

  // The exact input the fuzzer found, without the harness's two option bytes (a blank line,
  // then a bad record at the end of the data): at once and one byte per read.
  const std::string found = "\n{{Y{\"items\":\"im\"]}";
  reader a;
  a.open_memory(found, "mem");
  const std::string at_once = errors_of(a);
  REQUIRE(std::count(at_once.begin(), at_once.end(), '\n') == 1);
  std::vector<std::string> bytes;
  for (char c : found) bytes.emplace_back(1, c);
  reader b;
  b.open_source(std::make_unique<chunk_source>(bytes), "mem");
  CHECK(errors_of(b) == at_once);
}

namespace {

// Reads `input` at once with `opt`: its errors (one per line) and its number of events.
struct at_once {
  std::string errors;
  std::uint64_t events;
};

at_once read_at_once(const std::string& input, const reader_options& opt) {
  reader whole(opt);
  whole.open_memory(input, "mem");
  std::string errors = errors_of(whole);
  return {std::move(errors), whole.stats().events};
}

// Reads `input` `step` bytes at a time for each step: the errors must be `want` (those of a read
// at once) and there must be one event.
void check_trickled_reads_the_same(const std::string& input, const reader_options& opt, const std::string& want,
                                   std::initializer_list<std::size_t> steps) {
  for (std::size_t step : steps) {
    INFO("bytes per read: ", step);
    std::vector<std::string> parts;
    for (std::size_t i = 0; i < input.size(); i += step) parts.push_back(input.substr(i, step));
    reader chunked(opt);
    chunked.open_source(std::make_unique<chunk_source>(parts), "mem");
    CHECK(errors_of(chunked) == want);
    CHECK(chunked.stats().events == 1);
  }
}

}  // namespace

// fuzz_reader, fuzz/regressions/reader/multiline-beyond-max-record-size: a multi-line document
// whose closing bracket lies beyond max_record_size was framed as one record when the whole input
// was at hand (open_memory), but as a truncated first line, its other lines read on their own,
// when a window of at most max_record_size + 1 bytes could not hold it. The scan now looks at no
// more than a window holds, however the bytes arrive.
TEST_CASE("fuzz regression: reader, a multi-line document longer than max_record_size is framed the same at once and trickled") {
  const std::string input = "{\n  \"level\": \"Metadata\",\n  \"auditID\": \"" + std::string(80, 'a') +
                            "\"}\n{\"kind\":\"Event\",\"verb\":\"get\",\"auditID\":\"b\"}\n";
  reader_options opt;
  opt.max_record_size = 64;
  const at_once whole = read_at_once(input, opt);
  CHECK(whole.events == 1);  // the last line, a record of its own
  CHECK(whole.errors.find("truncated_record") != std::string::npos);
  check_trickled_reads_the_same(input, opt, whole.errors, {1, 7, 64});
}

// fuzz_reader, fuzz/regressions/reader/trailing-blanks-beyond-max-record-size: a line whose
// trailing blanks (here carriage returns) took it past max_record_size was read when the whole
// input was at hand (the blanks were trimmed first) but was record_too_large when trickled (the
// window filled before its newline came). The whole line now counts, blanks included.
TEST_CASE("fuzz regression: reader, trailing blanks count toward max_record_size at once and trickled") {
  const std::string input = "{\"kind\":\"Event\",\"verb\":\"get\",\"auditID\":\"a\"}" + std::string(40, '\r') +
                            "\n{\"kind\":\"Event\",\"verb\":\"list\",\"auditID\":\"b\"}\n";
  reader_options opt;
  opt.max_record_size = 64;
  const at_once whole = read_at_once(input, opt);
  CHECK(whole.errors.find("record_too_large") != std::string::npos);
  CHECK(whole.events == 1);
  check_trickled_reads_the_same(input, opt, whole.errors, {1, 5, 64});
}
