// SPDX-License-Identifier: Apache-2.0
// Hostile inputs: nesting bombs, huge lines, gzip bombs, bad bytes, bad numbers, wrong types,
// duplicate keys, broken envelopes, floods of bad records. Each must end as events, counted
// skips or errors with their line, in bounded memory and time, and reading must go on.
#include <doctest/doctest.h>

#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include <k8saudit/detail/source.h>

#include "event_parser.h"
#include "test_util.h"

using k8saudit::test::trickle_source;

using namespace k8saudit;
using namespace std::string_view_literals;
using k8saudit::test::read_all;
using k8saudit::test::ev;

namespace {

std::string repeat(std::string_view s, std::size_t n) {
  std::string out;
  out.reserve(s.size() * n);
  for (std::size_t i = 0; i < n; ++i) out += s;
  return out;
}

// `{"verb":"get","requestObject":` + n nested arrays + `}`: the deepest array is at level n + 1.
std::string deep_request(std::size_t n) {
  return R"({"verb":"get","requestObject":)" + std::string(n, '[') + std::string(n, ']') + "}";
}

// parser::parse with options. The event is valid until the next call (one parser, replaced).
result<event> parse_with(std::string_view json, parser_options o) {
  static parser p;
  p = parser(o);
  return p.parse(json);
}

parser_options strict_parser() {
  parser_options o;
  o.validate_all = true;
  return o;
}

reader_options strict_reader() {
  reader_options o;
  o.validate_all = true;
  return o;
}

// A byte source that streams a generated input (pieces, one of them repeated many times)
// without holding it, and records the largest read the reader asks for: the reader reads into
// its window, so that is the bound on the window.
class generated_source final : public detail::byte_source {
 public:
  struct piece {
    std::string text;
    std::uint64_t times{1};
  };
  explicit generated_source(std::vector<piece> pieces, std::uint64_t* max_request)
      : pieces_(std::move(pieces)), max_request_(max_request) {
    for (const piece& p : pieces_) size_ += p.text.size() * p.times;
  }
  result<std::size_t> read(char* dst, std::size_t n) override {
    *max_request_ = std::max<std::uint64_t>(*max_request_, n);
    std::size_t done = 0;
    while (done < n && idx_ < pieces_.size()) {
      const piece& p = pieces_[idx_];
      const std::size_t k = std::min(n - done, p.text.size() - off_);
      std::memcpy(dst + done, p.text.data() + off_, k);
      done += k;
      off_ += k;
      pos_ += k;
      if (off_ == p.text.size()) {
        off_ = 0;
        if (++rep_ == p.times) {
          rep_ = 0;
          ++idx_;
        }
      }
    }
    return done;
  }
  std::uint64_t position() const noexcept override { return pos_; }
  std::uint64_t size() const noexcept override { return size_; }

 private:
  std::vector<piece> pieces_;
  std::uint64_t* max_request_;
  std::size_t idx_{0}, off_{0};
  std::uint64_t rep_{0}, pos_{0}, size_{0};
};

// Forwards to another source and records the largest read asked for.
class watching_source final : public detail::byte_source {
 public:
  watching_source(std::unique_ptr<detail::byte_source> inner, std::uint64_t* max_request)
      : inner_(std::move(inner)), max_request_(max_request) {}
  result<std::size_t> read(char* dst, std::size_t n) override {
    *max_request_ = std::max<std::uint64_t>(*max_request_, n);
    return inner_->read(dst, n);
  }
  std::uint64_t position() const noexcept override { return inner_->position(); }
  std::uint64_t size() const noexcept override { return inner_->size(); }

 private:
  std::unique_ptr<detail::byte_source> inner_;
  std::uint64_t* max_request_;
};

// A single-member gzip stream that inflates to `copies` times `block`, built without ever
// holding the inflated bytes: `block` is deflated once and ends with a full flush (byte-aligned,
// no back-reference across it), so the compressed block can be repeated; the CRC-32 of the
// whole is combined from the block's.
std::string gzip_bomb(const std::string& block, std::uint64_t copies) {
  z_stream zs{};
  REQUIRE(deflateInit2(&zs, 9, Z_DEFLATED, -15, 9, Z_DEFAULT_STRATEGY) == Z_OK);
  std::string body(deflateBound(&zs, block.size()) + 64, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(block.data()));
  zs.avail_in = static_cast<uInt>(block.size());
  zs.next_out = reinterpret_cast<Bytef*>(body.data());
  zs.avail_out = static_cast<uInt>(body.size());
  REQUIRE(deflate(&zs, Z_FULL_FLUSH) == Z_OK);
  REQUIRE(zs.avail_in == 0);
  body.resize(body.size() - zs.avail_out);
  char tail[64];
  zs.next_out = reinterpret_cast<Bytef*>(tail);
  zs.avail_out = sizeof tail;
  REQUIRE(deflate(&zs, Z_FINISH) == Z_STREAM_END);
  const std::string last(tail, sizeof tail - zs.avail_out);
  deflateEnd(&zs);

  const uLong block_crc = crc32(0, reinterpret_cast<const Bytef*>(block.data()), static_cast<uInt>(block.size()));
  uLong crc = crc32(0, nullptr, 0);
  for (std::uint64_t i = 0; i < copies; ++i) crc = crc32_combine(crc, block_crc, static_cast<z_off_t>(block.size()));
  const std::uint64_t total = block.size() * copies;

  std::string gz("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03", 10);
  gz.reserve(10 + body.size() * copies + last.size() + 8);
  for (std::uint64_t i = 0; i < copies; ++i) gz += body;
  gz += last;
  for (int i = 0; i < 4; ++i) gz += static_cast<char>((crc >> (8 * i)) & 0xff);
  for (int i = 0; i < 4; ++i) gz += static_cast<char>((total >> (8 * i)) & 0xff);
  return gz;
}

}  // namespace

TEST_CASE("hostile: nesting deeper than max_depth") {
  // The limit is checked wherever the parser walks. Raw bodies are skipped unread by default
  // (iteratively: no recursion, so no risk however deep) and kept as text; strict mode walks
  // them and applies the limit. Default max_depth 256: the event object is level 1.
  SUBCASE("a deep requestObject: raw text by default, depth_exceeded in strict mode") {
    for (std::size_t n : {std::size_t{255}, std::size_t{256}, std::size_t{1000000}}) {
      CAPTURE(n);
      const std::string rec = deep_request(n);
      auto fast = parse_with(rec, {});
      REQUIRE(fast.has_value());
      CHECK(fast->request_object.text.size() == 2 * n);
      auto strict = parse_with(rec, strict_parser());
      if (n + 1 <= 256) {
        CHECK(strict.has_value());
      } else {
        REQUIRE_FALSE(strict.has_value());
        CHECK(strict.error().code == errc::depth_exceeded);
        CHECK(strict.error().field == "requestObject");
      }
    }
    auto r = read_all(deep_request(300) + "\n" + ev(1) + "\n", strict_reader());
    CHECK(r.adds_up());
    REQUIRE(r.errors.size() == 1);
    CHECK(r.errors[0].code == errc::depth_exceeded);
    CHECK(r.errors[0].line == 1);
    CHECK(r.errors[0].field == "requestObject");
    REQUIRE(r.events.size() == 1);
    CHECK(r.events[0]->origin.line == 2);
  }
  SUBCASE("records that are not events are walked: the limit always applies") {
    for (std::size_t n : {std::size_t{257}, std::size_t{100000}}) {
      CAPTURE(n);
      const std::string arrays = std::string(n, '[') + std::string(n, ']');
      std::string objects;
      for (std::size_t i = 0; i < n; ++i) objects += R"({"a":)";
      objects += '1';
      objects.append(n, '}');
      auto r = read_all(arrays + "\n" + objects + "\n" + ev(1) + "\n");
      CHECK(r.adds_up());
      REQUIRE(r.errors.size() == 2);
      CHECK(r.errors[0].code == errc::depth_exceeded);
      CHECK(r.errors[0].line == 1);
      CHECK(r.errors[1].code == errc::depth_exceeded);
      CHECK(r.errors[1].line == 2);
      CHECK(r.events.size() == 1);
    }
    // 256 levels are fine.
    auto ok = read_all(std::string(256, '[') + std::string(256, ']'));
    CHECK(ok.stats.errors == 0);
    CHECK(ok.stats.skipped == 1);
  }
  SUBCASE("a small max_depth applies to the event's own structure and to containers") {
    reader_options o;
    o.max_depth = 2;
    // user is an object at level 2: fine. An EventList's items are at level 3: too deep.
    auto r = read_all(R"({"verb":"get","user":{"username":"u"}})"
                      "\n" R"({"kind":"EventList","items":[{"verb":"get"}]})"
                      "\n" R"({"verb":"get","user":{"username":"u","groups":["a"]}})",
                      o);
    CHECK(r.adds_up());
    CHECK(r.events.size() == 1);
    REQUIRE(r.errors.size() == 2);
    CHECK(r.errors[0].line == 2);
    CHECK(r.errors[0].code == errc::depth_exceeded);
    CHECK(r.errors[1].line == 3);  // user.groups is an array at level 3
    CHECK(r.errors[1].code == errc::depth_exceeded);
    o.max_depth = 1;
    auto one = read_all(R"({"verb":"get","user":{"username":"u"}})", o);
    REQUIRE(one.errors.size() == 1);
    CHECK(one.errors[0].code == errc::depth_exceeded);
    CHECK(one.errors[0].field == "user");
    // Larger limits than the cap act as the cap (1024): deeper stays an error, never a crash.
    reader_options big;
    big.max_depth = std::size_t{1} << 40;
    auto capped = read_all(std::string(1025, '[') + std::string(1025, ']') + "\n" + std::string(1024, '[') +
                               std::string(1024, ']'),
                           big);
    CHECK(capped.adds_up());
    REQUIRE(capped.errors.size() == 1);
    CHECK(capped.errors[0].code == errc::depth_exceeded);
    CHECK(capped.stats.skipped == 1);
  }
  SUBCASE("a document spanning lines deeper than max_depth") {
    const std::string pretty = "{\n\"verb\": \"get\",\n\"requestObject\":\n" + repeat("[\n", 300) + repeat("]\n", 300) + "}\n";
    auto r = read_all(ev(1) + "\n" + pretty + ev(2) + "\n");
    CHECK(r.adds_up());
    REQUIRE(r.errors.size() >= 1);
    CHECK(r.errors[0].code == errc::depth_exceeded);
    CHECK(r.errors[0].line == 2);
    REQUIRE(r.events.size() == 2);
    CHECK(r.events[1]->origin.line == 2 + 3 + 600 + 1);
    // The same document 250 deep is one record.
    const std::string fits = "{\n\"verb\": \"get\",\n\"requestObject\":\n" + repeat("[\n", 250) + repeat("]\n", 250) + "}\n";
    auto ok = read_all(ev(1) + "\n" + fits + ev(2) + "\n");
    CHECK(ok.stats.errors == 0);
    CHECK(ok.stats.events == 3);
  }
}

TEST_CASE("hostile: a single 100 MB line is an error in bounded memory, and the next record reads") {
  const std::string head = ev(1) + "\n" + R"({"verb":"get","requestObject":{"x":")";
  const std::string tail = "\"}}\n" + ev(2) + "\n";
  const std::uint64_t chunk = std::uint64_t{1} << 20, chunks = 100;
  for (bool defaults : {false, true}) {
    CAPTURE(defaults);
    reader_options o;
    if (!defaults) {
      o.window_size = std::size_t{64} << 10;
      o.max_record_size = std::size_t{1} << 20;
    }
    std::uint64_t max_request = 0;
    reader rd(o);
    rd.open_source(std::make_unique<generated_source>(
                       std::vector<generated_source::piece>{{head}, {std::string(chunk, 'a'), chunks}, {tail}}, &max_request),
                   "big");
    auto r = test::drain(rd);
    CHECK_FALSE(rd.failed());
    CHECK(r.adds_up());
    CHECK(r.stats.bytes == head.size() + chunk * chunks + tail.size());
    REQUIRE(r.errors.size() == 1);
    CHECK(r.errors[0].code == errc::record_too_large);
    CHECK(r.errors[0].line == 2);
    CHECK(r.errors[0].offset == ev(1).size() + 1);
    REQUIRE(r.events.size() == 2);
    CHECK(r.events[1]->user.username == "u2");
    CHECK(r.events[1]->origin.line == 3);
    // The window never grew past the largest record allowed (+1 byte to see that it is larger).
    CHECK(max_request <= std::max(o.window_size, o.max_record_size + 1));
  }
}

TEST_CASE("hostile: invalid UTF-8 and NUL bytes") {
  // Decisions (docs/formats.md): bytes that are not UTF-8 anywhere in a record make it
  // invalid_utf8 (simdjson's first stage checks the whole record, read or skipped), naming the
  // audit field whose value holds the first bad byte (none for a key or an unknown member); a raw control character (NUL included) inside a string is invalid_string, as
  // JSON requires it escaped; an escaped \u0000 is valid JSON and kept as a NUL byte in the
  // view (views are not NUL-terminated); an escaped lone surrogate is invalid_string where the
  // string is read (default: raw bodies keep their escapes unchecked; strict mode checks them).
  struct bad_case {
    std::string text;
    errc code;
    std::string_view field{};  // for invalid_utf8
  };
  const std::vector<bad_case> bad = {
      {"{\"verb\":\"g\xff" "et\"}", errc::invalid_utf8, "verb"},
      {"{\"verb\":\"get\",\"requestObject\":{\"a\":\"\xC0\xAF\"}}", errc::invalid_utf8, "requestObject"},  // overlong
      {"{\"verb\":\"get\",\"x\":\"\xED\xA0\x80\"}", errc::invalid_utf8, ""},       // surrogate as UTF-8, unknown member
      {"{\"verb\":\"get\",\"userAgent\":\"\xE2\x82\"}", errc::invalid_utf8, "userAgent"},  // cut sequence
      {"{\"a\":\"\xF8\x88\x80\x80\x80\"}", errc::invalid_utf8, ""},                 // not an event
      {"{\"verb\":\"get\",\"user\":{\"username\":\"\xF4\x90\x80\x80\"}}", errc::invalid_utf8, "user"},  // > U+10FFFF
      {"{\"verb\":\"get\",\"us\xE9r\":{}}", errc::invalid_utf8, ""},                  // in a key
      {"{\"objectRef\":{\"name\":\"\xC3\xA9\"},\"verb\":\"\xC3\"}", errc::invalid_utf8, "verb"},  // é is valid
      {std::string("{\"verb\":\"g\0et\"}", 15), errc::invalid_string},
      {std::string("{\"verb\":\"get\",\"requestObject\":{\"a\":\"\0\"}}", 40), errc::invalid_string},
      {std::string("{\"verb\":\"get\"}\0", 15), errc::invalid_json},
      {R"({"verb":"\ud800"})", errc::invalid_string},
      {R"({"verb":"\udc00\ud800"})", errc::invalid_string},
  };
  std::string in;
  for (const bad_case& b : bad) in += b.text + "\n" + ev(1) + "\n";
  auto r = read_all(in);
  CHECK(r.adds_up());
  CHECK(r.events.size() == bad.size());
  REQUIRE(r.errors.size() == bad.size());
  parser p;
  for (std::size_t i = 0; i < bad.size(); ++i) {
    CAPTURE(i);
    CHECK(r.errors[i].line == 2 * i + 1);
    CHECK(r.errors[i].code == bad[i].code);
    auto d = p.parse(bad[i].text);
    REQUIRE_FALSE(d.has_value());
    CHECK(d.error().code == bad[i].code);
    if (bad[i].code == errc::invalid_utf8) {
      CHECK(r.errors[i].field == bad[i].field);
      CHECK(d.error().field == bad[i].field);
    }
  }
  // Envelopes: the AKS log (fast path and general path alike), a record of an Event Hub message,
  // an EventList item, an item of a top-level array.
  const std::string bad_log = "{\"category\":\"kube-audit\",\"properties\":{\"log\":\"{\\\"verb\\\":\\\"g\xFF\\\"}\"}}";
  const std::string bad_pod = "{\"category\":\"kube-audit\",\"properties\":{\"pod\":\"\xFF\",\"log\":\"{}\"}}";
  const std::vector<std::pair<std::string, std::string_view>> wrapped = {
      {bad_log, "properties.log"},
      {bad_pod, "properties.pod"},
      {"{\"records\":[" + bad_log + "]}", "properties.log"},
      {"{\"kind\":\"EventList\",\"items\":[{\"verb\":\"get\"},{\"verb\":\"get\",\"stage\":\"\xFF\"}]}", "stage"},
      {"[{\"verb\":\"get\"},{\"level\":\"\xFF\"}]", "level"},
      {"{\"records\":[\"\xFF\"]}", ""},
  };
  for (const auto& item : wrapped) {  // not a structured binding: clang 14 cannot CAPTURE one
    const std::string& text = item.first;
    CAPTURE(text);
    for (bool fast : {true, false}) {
      k8saudit::detail::fast_paths.enabled = fast;
      auto w = read_all(text);
      REQUIRE(w.errors.size() == 1);
      CHECK(w.errors[0].code == errc::invalid_utf8);
      CHECK(w.errors[0].field == item.second);
    }
    k8saudit::detail::fast_paths.enabled = true;
  }
  // Escaped NUL: accepted, kept.
  auto nul = p.parse(R"({"verb":"g\u0000et","user":{"username":"\u0000"}})");
  REQUIRE(nul.has_value());
  CHECK(nul->verb == std::string_view("g\0et", 4));
  CHECK(nul->user.username == std::string_view("\0", 1));
  // A lone surrogate escape in a raw body: kept by default, an error in strict mode.
  constexpr std::string_view lone = R"({"verb":"get","requestObject":{"a":"\ud800"}})";
  CHECK(parse_with(lone, {}).has_value());
  auto strict = parse_with(lone, strict_parser());
  REQUIRE_FALSE(strict.has_value());
  CHECK(strict.error().code == errc::invalid_string);
  CHECK(strict.error().field == "requestObject");
  // Inside an AKS envelope's escaped payload.
  auto aks = read_all(R"({"category":"kube-audit","properties":{"log":"{\"verb\":\"\\ud800\"}"}})");
  REQUIRE(aks.errors.size() == 1);
  CHECK(aks.errors[0].code == errc::invalid_string);
  CHECK(aks.errors[0].field == "verb");
}

TEST_CASE("hostile: a truncated last record is an error at its line") {
  const std::string last = ev(3, "delete");
  const std::string before = ev(1) + "\n\n" + ev(2) + "\n";
  // Cut anywhere: every proper prefix of an object is an error at line 4, the events before
  // it are read.
  for (std::size_t k = 1; k < last.size(); ++k) {
    CAPTURE(k);
    auto r = read_all(before + last.substr(0, k));
    CHECK(r.adds_up());
    CHECK(r.events.size() == 2);
    REQUIRE(r.errors.size() == 1);
    CHECK(r.errors[0].code == errc::truncated_record);
    CHECK(r.errors[0].line == 4);
    CHECK(r.errors[0].offset == before.size());
  }
  // After 1000 lines, and in a pretty-printed document.
  std::string many;
  for (int i = 0; i < 1000; ++i) many += ev(i) + "\n";
  auto r = read_all(many + R"({"kind":"Event","verb":"get","user":{"username":"x","groups":["a",)");
  CHECK(r.events.size() == 1000);
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0].line == 1001);
  auto pretty = read_all(many + "{\n  \"verb\": \"get\",\n  \"user\": {\n    \"username\": \"x\"\n");
  CHECK(pretty.events.size() == 1000);
  REQUIRE_FALSE(pretty.errors.empty());
  CHECK(pretty.errors[0].line == 1001);
  CHECK(pretty.errors[0].code == errc::truncated_record);
  CHECK(pretty.adds_up());
}

TEST_CASE("hostile: gzip bombs inflate in the fixed window") {
  // 256 MiB of NUL bytes from 266 KB (one line, no newline), and 64 MiB of 4 KiB lines of '{'.
  // The test never holds the inflated bytes; the reader must not either.
  reader_options o;
  o.max_record_size = std::size_t{1} << 20;
  SUBCASE("zeros") {
    const std::string gz = gzip_bomb(std::string(std::size_t{1} << 20, '\0'), 256);
    CHECK(gz.size() < 300000);
    std::uint64_t max_request = 0;
    reader rd(o);
    rd.open_source(std::make_unique<watching_source>(detail::auto_decompress(detail::memory_source(gz)), &max_request),
                   "bomb.gz");
    auto r = test::drain(rd);
    CHECK_FALSE(rd.failed());
    CHECK(r.stats.bytes == std::uint64_t{256} << 20);
    CHECK(r.adds_up());
    CHECK(r.stats.records == 1);
    REQUIRE(r.errors.size() == 1);
    CHECK(r.errors[0].code == errc::record_too_large);
    CHECK(r.errors[0].line == 1);
    CHECK(max_request <= o.max_record_size + 1);
  }
  SUBCASE("lines of '{'") {
    const std::string block = repeat(std::string(4095, '{') + "\n", 256);
    const std::string gz = gzip_bomb(block, 64);
    std::uint64_t max_request = 0;
    reader rd(o);
    rd.open_source(std::make_unique<watching_source>(detail::auto_decompress(detail::memory_source(gz)), &max_request),
                   "bomb.gz");
    std::uint64_t errors = 0, next_line = 1;
    bool lines_in_order = true;
    batch b;
    while (rd.next(b)) {
      for (const record_error& e : b.errors) {
        lines_in_order = lines_in_order && e.error.line == next_line;
        ++next_line;
        ++errors;
      }
      CHECK(b.events.empty());
    }
    CHECK_FALSE(rd.failed());
    CHECK(lines_in_order);
    CHECK(errors == 64 * 256);
    CHECK(rd.stats().records == errors);
    CHECK(rd.stats().bytes == block.size() * 64);
    CHECK(max_request <= o.max_record_size + 1);
  }
}

TEST_CASE("hostile: numbers out of range where a code is expected") {
  // responseStatus.code is an int32 (metav1.Status.Code). An integer beyond it, or a number no
  // double holds, is number_out_of_range; a fraction or an exponent is wrong_type (as Go's
  // encoding/json refuses them for an int32); any int32, negative ones too, is accepted.
  struct num_case {
    std::string_view code;
    errc expect;
    std::int32_t value;
  };
  const num_case cases[] = {
      {"1e400", errc::number_out_of_range, 0},
      {"-1e400", errc::number_out_of_range, 0},
      {"99999999999999999999", errc::number_out_of_range, 0},
      {"-99999999999999999999", errc::number_out_of_range, 0},
      {"2147483648", errc::number_out_of_range, 0},
      {"-2147483649", errc::number_out_of_range, 0},
      {"3.5", errc::wrong_type, 0},
      {"2e2", errc::wrong_type, 0},
      {"200.0", errc::wrong_type, 0},
      {"\"200\"", errc::wrong_type, 0},
      {"true", errc::wrong_type, 0},
      {"-1", errc::ok, -1},
      {"2147483647", errc::ok, 2147483647},
      {"-2147483648", errc::ok, -2147483647 - 1},
      {"-0", errc::ok, 0},
      {"null", errc::ok, 0},
  };
  std::string in;
  for (const num_case& c : cases) {
    in += R"({"verb":"get","responseStatus":{"status":"x","code":)" + std::string(c.code) + R"(,"reason":"y"}})" + "\n";
  }
  auto r = read_all(in);
  CHECK(r.adds_up());
  std::size_t ei = 0, vi = 0;
  parser p;
  for (std::size_t i = 0; i < std::size(cases); ++i) {
    const num_case& c = cases[i];
    CAPTURE(c.code);
    auto d = p.parse(R"({"verb":"get","responseStatus":{"code":)" + std::string(c.code) + "}}");
    if (c.expect == errc::ok) {
      REQUIRE(d.has_value());
      CHECK(d->response_status.code == c.value);
      REQUIRE(vi < r.events.size());
      CHECK(r.events[vi]->response_status.code == c.value);
      CHECK(r.events[vi]->origin.line == i + 1);
      ++vi;
    } else {
      REQUIRE_FALSE(d.has_value());
      CHECK(d.error().code == c.expect);
      CHECK(d.error().field == "responseStatus.code");
      REQUIRE(ei < r.errors.size());
      CHECK(r.errors[ei].code == c.expect);
      CHECK(r.errors[ei].field == "responseStatus.code");
      CHECK(r.errors[ei].line == i + 1);
      ++ei;
    }
  }
  CHECK(ei == r.errors.size());
  CHECK(vi == r.events.size());
  // Numbers in raw bodies are JSON numbers, whatever their size, even in strict mode.
  auto raw = parse_with(R"({"verb":"get","requestObject":{"a":1e400,"b":99999999999999999999999}})", strict_parser());
  CHECK(raw.has_value());
}

TEST_CASE("hostile: duplicate keys, the last one wins") {
  // Scalars, lists and raw bodies: the last occurrence replaces the earlier ones. Nested audit
  // objects (user, objectRef, responseStatus) are merged member by member, the last occurrence
  // of each member winning, as Go's encoding/json decodes a struct twice.
  constexpr std::string_view rec =
      R"({"verb":"get","verb":"delete","user":{"username":"a","groups":["g1"]},"user":{"username":"b"},)"
      R"("sourceIPs":["1.1.1.1"],"sourceIPs":["2.2.2.2","3.3.3.3"],"requestObject":{"a":1},"requestObject":{"b":2},)"
      R"("responseStatus":{"code":200,"code":404},"stageTimestamp":"2025-01-01T00:00:00Z",)"
      R"("stageTimestamp":"2025-01-02T00:00:00Z","objectRef":{"resource":"pods","name":"x"},"objectRef":{"name":"y"}})";
  parser p;
  auto d = p.parse(rec);
  REQUIRE(d.has_value());
  auto r = read_all(std::string(rec));
  REQUIRE(r.events.size() == 1);
  for (const event* e : {static_cast<const event*>(&*d), &*r.events[0]}) {
    CHECK(e->verb == "delete");
    CHECK(e->user.username == "b");
    REQUIRE(e->user.groups.size() == 1);
    CHECK(e->user.groups[0] == "g1");
    REQUIRE(e->source_ips.size() == 2);
    CHECK(e->source_ips[0] == "2.2.2.2");
    CHECK(e->request_object.text == R"({"b":2})");
    CHECK(e->response_status.code == 404);
    CHECK(e->stage_timestamp_text == "2025-01-02T00:00:00Z");
    CHECK(e->object_ref.resource == "pods");
    CHECK(e->object_ref.name == "y");
  }
  // In envelopes: the last properties.log and the last category decide.
  const std::string log1 = test::json_quote(R"({"verb":"get"})"), log2 = test::json_quote(R"({"verb":"patch"})");
  auto aks = read_all(R"({"category":"kube-audit","properties":{"log":)" + log1 + R"(,"log":)" + log2 + "}}\n" +
                      R"({"category":"kube-audit","category":"guard","properties":{"log":)" + log1 + "}}\n");
  CHECK(aks.adds_up());
  REQUIRE(aks.events.size() == 1);
  CHECK(aks.events[0]->verb == "patch");
  CHECK(aks.stats.skipped_by_reason[static_cast<std::size_t>(skip_reason::not_audit_category)] == 1);
  // Duplicates in a record that is not an event: valid JSON, a skip.
  CHECK(read_all(R"({"a":1,"a":2})").stats.skipped == 1);
}

TEST_CASE("hostile: strings where objects are expected and objects where strings are") {
  struct type_case {
    std::string_view rec;
    std::string_view field;
  };
  const type_case cases[] = {
      {R"({"verb":"get","user":"x"})", "user"},
      {R"({"verb":{}})", "verb"},
      {R"({"verb":"get","objectRef":[]})", "objectRef"},
      {R"({"verb":"get","objectRef":{"resource":{"a":1}}})", "objectRef"},
      {R"({"verb":"get","sourceIPs":"1.2.3.4"})", "sourceIPs"},
      {R"({"verb":"get","sourceIPs":[{}]})", "sourceIPs"},
      {R"({"verb":"get","responseStatus":"Success"})", "responseStatus"},
      {R"({"verb":"get","requestObject":5})", "requestObject"},
      {R"({"verb":"get","annotations":true})", "annotations"},
      {R"({"verb":"get","user":{"username":"u","groups":"g"}})", "user"},
      {R"({"verb":"get","stageTimestamp":{}})", "stageTimestamp"},
      {R"({"verb":"get","auditID":12})", "auditID"},
      {R"({"verb":["get"]})", "verb"},
      {R"({"AuditId":"a","Verb":"get","User":"not json"})", "user"},
      {R"({"category":"kube-audit","properties":"x"})", "properties"},
  };
  std::string in;
  for (const type_case& c : cases) in += std::string(c.rec) + "\n";
  in += ev(1) + "\n";
  auto r = read_all(in);
  CHECK(r.adds_up());
  REQUIRE(r.errors.size() == std::size(cases));
  REQUIRE(r.events.size() == 1);
  parser p;
  for (std::size_t i = 0; i < std::size(cases); ++i) {
    CAPTURE(cases[i].rec);
    CHECK(r.errors[i].code == errc::wrong_type);
    CHECK(r.errors[i].field == cases[i].field);
    CHECK(r.errors[i].line == i + 1);
  }
  auto d = p.parse(cases[0].rec);
  REQUIRE_FALSE(d.has_value());
  CHECK(d.error().code == errc::wrong_type);
  CHECK(d.error().field == "user");
  // Inside an EventList the bad item is an error, its siblings are events.
  auto list = read_all(R"({"kind":"EventList","items":[)" + ev(1) + R"(,{"verb":"get","user":"x"},)" + ev(2) + "]}");
  CHECK(list.events.size() == 2);
  REQUIRE(list.errors.size() == 1);
  CHECK(list.errors[0].field == "user");
}

TEST_CASE("hostile: an AKS properties.log holding invalid JSON") {
  const auto record = [](std::string_view log_json_text) {
    return R"({"category":"kube-audit","properties":{"log":)" + test::json_quote(log_json_text) +
           R"(,"pod":"kube-apiserver-1"},"time":"2025-10-07T16:19:20Z"})";
  };
  const std::string bad[] = {
      record(R"({"verb":"get",})"),
      record(R"({"verb":"get" "user":{}})"),
      record(R"({"verb":"get"} trailing)"),
      record(R"({"verb":"get")"),
      record(R"({"verb":"get","user":{"username":"u",}})"),
      std::string(R"({"category":"kube-audit","properties":{"log":{"verb":"get",}}})"),
      std::string(R"({"Category":"kube-audit","log_s":"{\"verb\":\"get\",}"})"),
  };
  const std::string_view fields[] = {"properties.log", "properties.log", "properties.log", "properties.log",
                                     "properties.log", "properties.log", "log_s"};
  std::string in;
  for (const std::string& b : bad) in += b + "\n";
  in += record(ev(7)) + "\n";
  auto r = read_all(in);
  CHECK(r.adds_up());
  REQUIRE(r.events.size() == 1);
  CHECK(r.events[0]->user.username == "u7");
  REQUIRE(r.errors.size() == std::size(bad));
  for (std::size_t i = 0; i < std::size(bad); ++i) {
    CAPTURE(bad[i]);
    CHECK(r.errors[i].line == i + 1);
    CHECK(r.errors[i].field == fields[i]);
    CHECK(r.errors[i].code != errc::ok);
  }
  // In an Event Hub message the broken record is one error; its siblings are events.
  auto hub = read_all(R"({"records":[)" + record(ev(1)) + "," + bad[0] + "," + record(ev(2)) + "]}");
  CHECK(hub.adds_up());
  CHECK(hub.events.size() == 2);
  REQUIRE(hub.errors.size() == 1);
  CHECK(hub.errors[0].field == "properties.log");
  // Invalid JSON inside a value the payload's scan skips (as in a native event): accepted as
  // raw text by default, an error naming properties.log in strict mode.
  const std::string skipped = record(R"({"verb":"get","x":nul})");
  CHECK(read_all(skipped).stats.events == 1);
  auto strict = read_all(skipped, strict_reader());
  REQUIRE(strict.errors.size() == 1);
  CHECK(strict.errors[0].field == "properties.log");
}

TEST_CASE("hostile: 10,000 invalid records in a row, then a valid one") {
  const std::string kinds[] = {
      "not json at all",
      R"({"verb":})",
      R"({"verb":"get",})",
      "[1,2",
      R"({"verb":"get"}})",
      R"({"a":[1,)",
      "{bad",
      R"({"verb":"get","responseStatus":{"code":"x"}})",
      "\"\xff\"",
      R"({"verb":"get","stageTimestamp":"yesterday"})",
      "[1,",
      "{\"verb\":\"get\",\"requestObject\":{\"a\":\"b\"}",
  };
  std::string in;
  for (int i = 0; i < 10000; ++i) in += kinds[static_cast<std::size_t>(i) % std::size(kinds)] + "\n";
  in += ev(1) + "\n";
  auto r = read_all(in);
  CHECK(r.adds_up());
  CHECK(r.stats.records == 10001);
  REQUIRE(r.errors.size() == 10000);
  bool lines_ok = true;
  for (std::size_t i = 0; i < r.errors.size(); ++i) lines_ok = lines_ok && r.errors[i].line == i + 1;
  CHECK(lines_ok);
  REQUIRE(r.events.size() == 1);
  CHECK(r.events[0]->origin.line == 10001);
  CHECK(r.stats.lines == 10001);
}

TEST_CASE("hostile: framing stays linear on lines that open brackets they never close") {
  // Each of these lines alone opens a document that never closes; scanning ahead from each of
  // them in turn would be quadratic (100,000 lines: minutes). Known from the first scan.
  for (std::string_view line : {"[1,"sv, R"({"a":[)"sv, "[{\"a\":1},"sv}) {
    CAPTURE(line);
    std::string in = repeat(std::string(line) + "\n", 100000) + ev(1) + "\n";
    auto r = read_all(in);
    CHECK(r.adds_up());
    CHECK(r.stats.errors == 100000);
    REQUIRE(r.events.size() == 1);
    CHECK(r.events[0]->origin.line == 100001);
  }
  // Nested blocks that balance but never parse: only a few levels are tried again.
  const std::size_t n = 20000;
  std::string nested = repeat("[\n", n) + "x\n" + repeat("]\n", n) + ev(2) + "\n";
  auto r = read_all(nested);
  CHECK(r.adds_up());
  CHECK(r.stats.errors == 2 * n + 1);
  REQUIRE(r.events.size() == 1);
}

TEST_CASE("hostile: framing results do not depend on how the bytes arrive") {
  const std::string doc = "{\n  \"verb\": \"create\",\n  \"user\": {\"username\": \"d\"}\n}\n";
  const std::string in = repeat("[1,\n", 300) + doc + "{\"a\":[\n" + doc + doc + repeat("[\n", 40) + "x\n" +
                         repeat("]\n", 40) + ev(1) + "\n" + repeat(R"({"a":[)" "\n", 50) + ev(2) + "\n" + "{\n" +
                         std::string(300, '[') + "\n" + doc + ev(3);
  auto whole = read_all(in);
  CHECK(whole.adds_up());
  CHECK(whole.events.size() == 7);  // every doc, ev(1), ev(2), ev(3)
  reader_options small;
  small.window_size = 256;
  small.max_batch_events = 3;
  for (std::size_t step : {1u, 7u, 64u, 1000u}) {
    CAPTURE(step);
    reader rd(small);
    rd.open_source(std::make_unique<trickle_source>(in, step), "trickle");
    auto t = test::drain(rd);
    CHECK(t.adds_up());
    CHECK(t.cat == whole.cat);
    CHECK(t.stats.records == whole.stats.records);
    CHECK(t.stats.lines == whole.stats.lines);
    REQUIRE(t.errors.size() == whole.errors.size());
    for (std::size_t i = 0; i < t.errors.size(); ++i) {
      CHECK(t.errors[i].line == whole.errors[i].line);
      CHECK(t.errors[i].code == whole.errors[i].code);
    }
  }
}

TEST_CASE("hostile: recovery after a broken line still finds the documents after it") {
  const std::string doc1 = "{\n  \"verb\": \"create\",\n  \"user\": {\"username\": \"d1\"}\n}\n";
  const std::string doc2 = "{\n  \"verb\": \"delete\",\n  \"user\": {\"username\": \"d2\"}\n}\n";
  // A truncated document whose cut leaves an array open where a value may come: the scan from
  // it runs through doc1 (a valid value there), and stops at doc2.
  const std::string cut = "{\n  \"verb\": \"get\",\n  \"user\": {\"username\": \"x\", \"groups\": [\n";
  auto r = read_all(cut + doc1 + doc2);
  CHECK(r.adds_up());
  REQUIRE(r.events.size() == 2);
  CHECK(r.events[0]->user.username == "d1");
  CHECK(r.events[0]->origin.line == 4);
  CHECK(r.events[1]->user.username == "d2");
  CHECK(r.errors.size() == 3);  // the three lines of the cut document
  // A pretty-printed EventList with one broken item: the list is one error per line, except
  // its last item, which closes on a line of its own and is read as a document (the others end
  // with `},`: a document must end its line).
  const std::string list = "{\n\"kind\": \"EventList\",\n\"items\": [\n" + doc1.substr(0, doc1.size() - 1) + ",\n" +
                           "{\n  \"verb\": \"get\",\n  \"user\": {\"username\": \"x\",}\n},\n" + doc2 + "]\n}\n";
  auto l = read_all(list);
  CHECK(l.adds_up());
  REQUIRE(l.events.size() == 1);
  CHECK(l.events[0]->user.username == "d2");
  CHECK(l.errors.size() == 13);
}
