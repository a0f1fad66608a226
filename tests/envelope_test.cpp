// SPDX-License-Identifier: Apache-2.0
// The AKS fast path (src/envelope_scan.h): its string decoder against the reference decoder of
// json_scan.h, and the reader's outcomes with the fast path on and off, on valid AKS records and
// on records damaged by a seeded PRNG. The fast path must be invisible: same events, same
// errors (code, field, line, offset, detail), same counters.
#include <doctest/doctest.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "envelope_scan.h"
#include "event_parser.h"
#include "json_scan.h"
#include "test_util.h"

using namespace k8saudit;
using k8saudit::test::prng;

namespace {

// "<decoded>|<index past the closing quote>", or nullopt when rejected. `rest` follows an
// opening quote.
using decoder = const char* (*)(const char*, const char*, char*, char*&) noexcept;

std::optional<std::string> fast_decode(std::string_view rest, decoder decode = detail::unescape_string) {
  std::string in(rest);
  in.append(64, '"');  // padding the decoder may read: quotes, to tempt it past the end
  std::string out(rest.size() + 64, '\0');
  char* out_end = nullptr;
  const char* after = decode(in.data(), in.data() + rest.size(), out.data(), out_end);
  if (after == nullptr) return std::nullopt;
  return std::string(out.data(), out_end) + "|" + std::to_string(after - in.data());
}

std::optional<std::string> reference_decode(std::string_view rest) {
  std::string t(1, '"');
  t += rest;
  const std::size_t e = detail::skip_string(t, 0);
  if (e == std::string::npos) return std::nullopt;
  const std::string_view content = std::string_view(t).substr(1, e - 2);
  for (const char c : content) {
    if (static_cast<unsigned char>(c) < 0x20) return std::nullopt;
  }
  std::string out;
  if (!detail::unescape(content, out)) return std::nullopt;
  return out + "|" + std::to_string(e - 1);
}

constexpr std::string_view pieces[] = {
    "a", "bcdefgh", R"(\")", R"(\")", R"(\")", R"(\\)", R"(\\)", R"(\/)", "/", R"(\n)", R"(\t)", R"(\u0026)",
    R"(\u00e9)", R"(\uD83D\uDE00)", R"(\ud83d)", R"(\udc00)", R"(\x)", "\\", "\"", "\xC3\xA9", "\x01", "\t",
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", R"(\\\")", R"(\\\\\")", R"(\u12)"};

// An audit event with strings that need escapes (quotes, backslashes, slashes, non-ASCII,
// a raw newline's escape), as an AKS record in one of a few envelope shapes.
std::string event_json(prng& g, int i) {
  constexpr std::string_view verbs[] = {"get", "list", "update", "delete"};
  std::string e = test::ev(i, g.pick(verbs));
  e.pop_back();  // '}'
  e += R"(,"annotations":{"note":"say \"hi\" to C:\\dir / caf\u00e9 )" + std::to_string(g.next() % 1000) +
       R"(","json":"{\"a\":[1,2,{\"b\":\"\\\"\"}]}"},"requestURI":"/api/v1/pods?limit=500\u0026watch=1"})";
  return e;
}

// `common`: the envelope has the shape the fast path takes (shape 4 has an escape in `pod`,
// and shape 5 a number: the general path reads those).
std::string aks_line(prng& g, int i, bool* common = nullptr) {
  const std::string log = test::json_quote(event_json(g, i) + "\n");
  const std::size_t shape = g.below(6);
  if (common != nullptr) *common = shape < 4;
  switch (shape) {
    case 0:
      return R"({"category":"kube-audit","operationName":"Microsoft.ContainerService/managedClusters/diagnosticLogs/Read","properties":{"containerID":"c1","log":)" +
             log + R"(,"pod":"kube-apiserver-1","stream":"stdout"},"resourceId":"/SUBSCRIPTIONS/S/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.CONTAINERSERVICE/MANAGEDCLUSTERS/AKS-1","time":"2025-10-07T16:19:20.647880072Z","serviceBuild":"na"})";
    case 1:
      return R"({ "properties" : { "log" : )" + log + R"( } , "category" : "kube-audit-admin" , "time" : "t" })";
    case 2: return R"({"time":"t","properties":{"pod":"p","log":)" + log + "}}";
    case 3: return R"({"category":"kube-audit","properties":{"log":)" + log + R"(,"pod":"p"},"extra":"é"})";
    case 4: return R"({"category":"kube-audit","properties":{"log":)" + log + R"(,"pod":"p\u0041"}})";
    default: return R"({"category":"kube-audit","properties":{"log":)" + log + R"(},"serviceBuild":3})";
  }
}

struct outcome {
  test::read_result r;
  std::vector<std::string> origins;
  std::uint64_t fast{0};
};

outcome read_with(std::string_view in, bool fast, input_format format) {
  detail::fast_paths.enabled = fast;
  const std::uint64_t before = detail::fast_paths.aks_records;
  reader_options opt;
  opt.format = format;
  reader rd(opt);
  rd.open_memory(in, "aks");
  outcome o;
  batch b;
  while (rd.next(b)) {
    for (const event& e : b.events) {
      const origin& og = e.origin;
      o.origins.push_back(std::string(og.record) + "|" + std::string(og.category) + "|" + std::string(og.resource_id) + "|" +
                          std::string(og.time) + "|" + std::string(og.pod) + "|" + std::to_string(og.line) + "|" +
                          std::to_string(og.offset) + "|" + std::to_string(static_cast<int>(og.format)));
      write_json(e, o.r.cat);
      o.r.cat += '\n';
      o.r.events.push_back(e.to_owned());
    }
    for (const record_error& e : b.errors) o.r.errors.push_back(e.error);
  }
  o.r.stats = rd.stats();
  o.fast = detail::fast_paths.aks_records - before;
  detail::fast_paths.enabled = true;
  return o;
}

void check_same(const outcome& fast, const outcome& general) {
  CHECK(fast.r.adds_up());
  CHECK(test::first_difference(fast.r, general.r) == "");
  CHECK(fast.origins == general.origins);
  CHECK(general.fast == 0);
}

// Reads `in` with the fast path on and off, in aks and auto modes: the same outcomes. Returns
// the fast readings (aks, auto).
std::vector<outcome> fast_same_as_general(std::string_view in) {
  std::vector<outcome> fast;
  for (const input_format f : {input_format::aks, input_format::auto_detect}) {
    CAPTURE(static_cast<int>(f));
    fast.push_back(read_with(in, true, f));
    check_same(fast.back(), read_with(in, false, f));
  }
  return fast;
}

}  // namespace

TEST_CASE("envelope: the block-wise string decoder agrees with the reference decoder") {
  prng g{20261125};
  std::size_t accepted = 0;
  for (int round = 0; round < 20000; ++round) {
    std::string s;
    const std::size_t n = g.below(60);
    for (std::size_t k = 0; k < n; ++k) s += g.pick(pieces);
    s += g.below(8) == 0 ? "" : "\" tail";
    CAPTURE(s);
    const auto fast = fast_decode(s);
    const auto ref = reference_decode(s);
    REQUIRE(fast.has_value() == ref.has_value());
    CHECK(fast_decode(s, detail::unescape_string_baseline) == ref);
    if (fast) {
      ++accepted;
      CHECK(*fast == *ref);
    }
  }
  CHECK(accepted > 2000);  // both outcomes are exercised
  CHECK(accepted < 18000);
  // Runs of backslashes reaching a block's end, at every alignment (32- and 64-byte blocks),
  // followed by a quote, a backslash or another escape.
  for (std::size_t pad = 0; pad < 140; ++pad) {
    for (std::size_t run = 1; run < 6; ++run) {
      for (const std::string_view next : {"\"", "n", "u0041", "/"}) {
        const std::string s = std::string(pad, 'a') + std::string(run, '\\') + std::string(next) +
                              std::string(40, 'b') + R"(\"c\")" + std::string(70, 'd') + "\"";
        CAPTURE(s);
        const auto ref = reference_decode(s);
        CHECK(fast_decode(s) == ref);
        CHECK(fast_decode(s, detail::unescape_string_baseline) == ref);
      }
    }
  }
}

TEST_CASE("envelope: long strings of mostly \\\" escapes decode as the reference does (the 64-byte path)") {
  // The shape of an event held in a string: plain bytes and \" \\ \/ escapes, now and then
  // another escape, a raw control character or the end. Both decoders, whichever this machine runs.
  const std::string path = detail::wide_decoder_available() ? "this machine decodes 64-byte blocks with AVX-512"
                                                             : "no AVX-512 here: unescape_string is the baseline decoder";
  MESSAGE(path);
  constexpr std::string_view common[] = {"a", "bcdefgh", R"(\")", R"(\")", R"(\")", R"(\"x\")", ":", ",", "{", "}",
                                         R"(\\)", R"(\\\")", "/", R"(\/)"};
  constexpr std::string_view rare[] = {R"(\\)", R"(\/)", R"(\n)", R"(\u0026)", "\xC3\xA9", "\x01", R"(\x)", R"(\\\")", "\""};
  prng g{64};
  std::size_t accepted = 0;
  for (int round = 0; round < 5000; ++round) {
    std::string s;
    const std::size_t n = g.below(300);
    for (std::size_t k = 0; k < n; ++k) s += g.below(40) == 0 ? g.pick(rare) : g.pick(common);
    s += "\" tail";
    CAPTURE(s);
    const auto ref = reference_decode(s);
    CHECK(fast_decode(s) == ref);
    CHECK(fast_decode(s, detail::unescape_string_baseline) == ref);
    accepted += ref.has_value() ? 1 : 0;
  }
  CHECK(accepted > 1000);
  CHECK(accepted < 4900);
}

TEST_CASE("envelope: escapes decode to their characters, malformed ones are rejected") {
  // Both decoders decode escapes with json_scan's decode_escape: its answers, checked here
  // against values written out by hand. A trailing lone backslash is malformed too.
  const std::pair<std::string_view, std::string_view> good[] = {
      {R"(\")", "\""},
      {R"(\\)", "\\"},
      {R"(\/)", "/"},
      {R"(\b)", "\b"},
      {R"(\f)", "\f"},
      {R"(\n)", "\n"},
      {R"(\r)", "\r"},
      {R"(\t)", "\t"},
      {R"(\u0026)", "&"},
      {R"(\u00e9)", "\xC3\xA9"},
      {R"(\u20AC)", "\xE2\x82\xAC"},
      {R"(\uD83D\uDE00)", "\xF0\x9F\x98\x80"},
      {R"(a\u0000b)", std::string_view("a\0b", 3)}};
  for (const auto& item : good) {
    const std::string_view in = item.first, want = item.second;
    CAPTURE(in);
    std::string out;
    CHECK(detail::unescape(in, out));
    CHECK(out == want);
    CHECK(fast_decode(std::string(in) + "\"") == std::string(want) + "|" + std::to_string(in.size() + 1));
  }
  for (const std::string_view in :
       {R"(\x)", R"(\u12)", R"(\u12G4)", R"(\uD83D)", R"(\uDE00)", R"(\uD83D\u0041)", R"(\uD83Dx\uDE00)", "\\"}) {
    CAPTURE(in);
    std::string out;
    CHECK_FALSE(detail::unescape(in, out));
    if (in != "\\") CHECK_FALSE(fast_decode(std::string(in) + "\"").has_value());
  }
}

TEST_CASE("envelope: AKS records read the same with the fast path on and off") {
  prng g{7};
  std::string in;
  std::uint64_t common = 0;
  for (int i = 0; i < 400; ++i) {
    bool c = false;
    in += aks_line(g, i, &c) + "\n";
    common += c ? 1 : 0;
  }
  CHECK(common > 200);
  CHECK(common < 400);
  for (const outcome& fast : fast_same_as_general(in)) {
    CHECK(fast.r.events.size() == 400);
    CHECK(fast.fast == common);
  }
}

TEST_CASE("envelope: the envelope's keys are matched as written, or read as any other key") {
  // The fast path finds category, operationName, properties, resourceId, time, log and pod by
  // word compares of the key as written (key_is). Each key, written in ways that must not match
  // (escaped at either end, a byte longer or shorter, another case) or cut by a line break, must
  // read as the general path reads it.
  const std::string log = test::json_quote(test::ev(1, "get"));
  const auto record = [&](std::string_view name, std::string_view as) {
    std::string r = R"({"category":"kube-audit","operationName":"Read","properties":{"log":)" + log +
                    R"(,"pod":"p1"},"resourceId":"/R","time":"t"})";
    std::string quoted(1, '"');
    quoted.append(name).append("\":");
    const std::size_t at = r.find(quoted);
    REQUIRE(at != std::string::npos);
    return r.substr(0, at + 1) + std::string(as) + r.substr(at + 1 + name.size());
  };
  const std::string plain = record("time", "time") + "\n";
  CHECK(read_with(plain, true, input_format::aks).fast == 1);
  CHECK(read_with(plain, true, input_format::aks).r.events.size() == 1);
  for (const std::string_view name : {"category", "operationName", "properties", "resourceId", "time", "log", "pod"}) {
    const std::string_view n = name;
    const auto escaped = [](char c) {  // \u00XX, for the lower-case ASCII letter c
      constexpr char hex[] = "0123456789abcdef";
      return std::string("\\u00") + hex[(c >> 4) & 0xF] + hex[c & 0xF];
    };
    const std::string_view head = n.substr(0, n.size() - 1), tail = n.substr(1);
    const std::vector<std::string> forms = {
        escaped(n.front()) + std::string(tail),                                     // escaped first byte
        std::string(head) + escaped(n.back()),                                      // escaped last byte
        std::string(n) + "s",                                                       // a byte longer
        std::string(head),                                                          // a byte shorter
        std::string(1, static_cast<char>(n.front() - 'a' + 'A')) + std::string(tail),  // another case
        std::string(n.substr(0, n.size() / 2)) + "\n" + std::string(n.substr(n.size() / 2)),  // cut by a line break
    };
    for (const std::string& form : forms) {
      CAPTURE(name);
      CAPTURE(form);
      const std::string in = record(name, form) + "\n" + plain;
      const std::vector<outcome> fast = fast_same_as_general(in);
      // The plain record after it is always taken by the fast path. The altered one is declined
      // when its key is escaped or cut (the fast path reads no escape, and a line break ends
      // the record); a key a byte longer, shorter or in another case may be one the fast path
      // ignores (as the general path does), and then it is taken.
      const bool declined = form.find('\\') != std::string::npos || form.find('\n') != std::string::npos;
      if (declined) CHECK(fast[0].fast == 1);
      CHECK(fast[0].fast >= 1);
      CHECK(fast[0].r.events.size() >= 1);
    }
  }
}

TEST_CASE("envelope: damaged AKS records: every outcome as the general path has it") {
  prng g{11};
  std::string in;
  std::size_t damaged = 0;
  for (int i = 0; i < 3000; ++i) {
    std::string line = aks_line(g, i);
    if (g.below(2) == 0) {
      test::damage(g, line);
      ++damaged;
    }
    in += line + "\n";
  }
  for (const outcome& fast : fast_same_as_general(in)) {
    CHECK(fast.fast > 1000);
    CHECK(fast.r.errors.size() > damaged / 4);  // the damage is seen
  }
}

TEST_CASE("envelope: AKS records over several lines, with bad bytes in the log: as the general path has them") {
  // A record split between envelope members is first tried line by line, then as a multi-line
  // candidate: a log with invalid UTF-8 must fail the candidate as a whole (the lines are then
  // read on their own), not give an error for it.
  prng g{5};
  std::string in;
  for (int i = 0; i < 600; ++i) {
    bool common = false;
    std::string line = aks_line(g, i, &common);
    const std::size_t log_at = line.find('"', line.find(R"("log")") + 5);  // the log's opening quote
    REQUIRE(log_at != std::string::npos);
    const std::size_t log_end = detail::skip_string(line, log_at);
    REQUIRE(log_end != std::string::npos);
    // The damage, inside the log: none, invalid UTF-8, or the event's JSON broken.
    const std::size_t at = log_at + 2 + g.below(log_end - log_at - 3);
    switch (g.below(3)) {
      case 0: break;
      case 1: line.insert(at, 1, g.below(2) == 0 ? '\xFF' : '\xC3'); break;
      default: line.insert(at, 1, '}'); break;
    }
    // The split: after the log, after properties, or nowhere.
    const std::size_t after_log = detail::skip_string(line, log_at);
    switch (g.below(3)) {
      case 0: line.insert(after_log, 1, '\n'); break;
      case 1: line.insert(line.find('}', after_log) + 1, 1, '\n'); break;
      default: break;
    }
    in += line + "\n";
  }
  for (const outcome& fast : fast_same_as_general(in)) {
    CHECK(fast.fast > 100);
    CHECK(fast.r.events.size() > 100);
    CHECK(fast.r.errors.size() > 100);
  }
}

TEST_CASE("envelope: the fast path applies to AKS input only, and not in strict mode") {
  prng g{3};
  std::string line;
  for (bool common = false; !common;) line = aks_line(g, 1, &common) + "\n";
  CHECK(read_with(line, true, input_format::aks).fast == 1);
  CHECK(read_with(line, true, input_format::jsonl).fast == 0);
  detail::fast_paths.enabled = true;
  const std::uint64_t before = detail::fast_paths.aks_records;
  reader_options strict;
  strict.validate_all = true;
  const auto r = test::read_all(line, strict);
  CHECK(r.events.size() == 1);
  CHECK(detail::fast_paths.aks_records == before);
}

TEST_CASE("envelope: invalid UTF-8 in an envelope string fails the record, valid non-ASCII does not") {
  // The envelope's UTF-8 is checked only when one of its strings has a byte >= 0x80.
  const std::string log = test::json_quote(test::ev(1, "get"));
  const auto line = [&](std::string_view pod) {
    return R"({"category":"kube-audit","properties":{"log":)" + log + R"(,"pod":")" + std::string(pod) +
           R"("},"time":"t"})" + "\n";
  };
  for (const std::string_view pod : {"p\xFFq", "p\xC3", "\xE2\x82", "caf\xC3\xA9", "\xE2\x82\xAC", "plain"}) {
    CAPTURE(pod);
    const std::string in = line(pod);
    const outcome fast = read_with(in, true, input_format::aks);
    const outcome general = read_with(in, false, input_format::aks);
    check_same(fast, general);
    const bool valid = pod == "caf\xC3\xA9" || pod == "\xE2\x82\xAC" || pod == "plain";
    CHECK(fast.r.events.size() == (valid ? 1U : 0U));
    CHECK(fast.fast == (valid ? 1U : 0U));
    if (!valid) {
      REQUIRE(fast.r.errors.size() == 1);
      CHECK(fast.r.errors[0].code == errc::invalid_utf8);
    }
  }
}
