// SPDX-License-Identifier: Apache-2.0
// Nothing lost: a valid corpus is damaged deterministically (a seeded PRNG truncates lines,
// flips bytes, inserts garbage lines at known places); then every untouched record must still
// be read as the same event, every damaged line must be accounted for at its exact line (an
// event if the damage left a valid event, a skip if valid JSON that is not one, else an error),
// and the counters must add up. The expected outcome of each line is computed on that line
// alone (parser::parse for JSON lines; a reader over the single line for Event Hub messages),
// independently of the lines around it.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "test_util.h"

using namespace k8saudit;
using k8saudit::test::prng;

namespace {

constexpr std::string_view verbs[] = {"get", "list", "watch", "create", "update", "patch", "delete"};
constexpr std::string_view resources[] = {"pods", "secrets", "configmaps", "leases", "deployments", "events"};
constexpr std::string_view users[] = {"system:serviceaccount:kube-system:generic-garbage-collector",
                                      "alice@example.com", "system:kube-scheduler", "aksService",
                                      "o\\u0027brien \\u003cadmin\\u003e", "\\u00e9milie"};
constexpr std::string_view stages[] = {"RequestReceived", "ResponseStarted", "ResponseComplete", "Panic"};
constexpr std::string_view levels[] = {"Metadata", "Request", "RequestResponse"};

// One audit event as the API server writes it, varied by the PRNG, then canonicalised through
// the library (parse, write_json) so that an untouched line comes back byte for byte.
std::string make_event(prng& g, int i) {
  const std::string ns = "ns-" + std::to_string(g.below(7));
  const std::string_view res = g.pick(resources);
  const std::string name = std::string(res.substr(0, 3)) + "-" + std::to_string(g.below(1000));
  const std::string ts = "2025-10-07T16:" + std::to_string(10 + g.below(50)) + ":" + std::to_string(10 + g.below(50)) +
                         "." + std::to_string(100000 + g.below(900000)) + "Z";
  std::string s = R"({"kind":"Event","apiVersion":"audit.k8s.io/v1","level":")" + std::string(g.pick(levels)) +
                  R"(","auditID":"a-)" + std::to_string(i) + "-" + std::to_string(g.next() % 100000) +
                  R"(","stage":")" + std::string(g.pick(stages)) + R"(","requestURI":"/api/v1/namespaces/)" + ns + "/" +
                  std::string(res) + "/" + name + R"(?timeout=5s\u0026limit=500","verb":")" + std::string(g.pick(verbs)) +
                  R"(","user":{"username":")" + std::string(g.pick(users)) +
                  R"(","groups":["system:authenticated","g)" + std::to_string(g.below(5)) + R"("]},"sourceIPs":["10.0.)" +
                  std::to_string(g.below(255)) + "." + std::to_string(g.below(255)) +
                  R"~("],"userAgent":"kubectl/v1.30.1 (linux/amd64)","objectRef":{"resource":")~" + std::string(res) +
                  R"(","namespace":")" + ns + R"(","name":")" + name + R"(","apiVersion":"v1"},)" +
                  R"("responseStatus":{"metadata":{},"code":)" + std::to_string(g.below(3) == 0 ? 403 : 200) + "},";
  if (g.below(4) == 0) {
    s += R"("requestObject":{"kind":"Pod","metadata":{"name":")" + name +
         R"(","labels":{"app":"web"}},"spec":{"containers":[{"name":"c","image":"nginx:1.)" +
         std::to_string(g.below(30)) + R"(","args":["--port",")" + std::to_string(g.below(65535)) +
         R"("],"resources":{"limits":{"cpu":0.5,"memory":"128Mi"}}}],"replicas":)" + std::to_string(g.below(9)) +
         R"(,"paused":false,"x":null}},)";
  }
  s += R"("requestReceivedTimestamp":")" + ts + R"(","stageTimestamp":")" + ts +
       R"(","annotations":{"authorization.k8s.io/decision":"allow","authorization.k8s.io/reason":""}})";
  parser p;
  auto ev = p.parse(s);
  REQUIRE_MESSAGE(ev.has_value(), s);
  std::string line;
  write_json(*ev, line);
  return line;
}

enum class kind { event, skip, error };

// What one line yields when it is the whole input (JSON lines: parser::parse).
kind alone(parser& p, std::string_view line, std::string* written) {
  auto r = p.parse(line);
  if (r) {
    written->clear();
    write_json(*r, *written);
    return kind::event;
  }
  return r.error().code == errc::format_mismatch ? kind::skip : kind::error;
}

constexpr std::string_view garbage[] = {
    "garbage",        R"({"verb":)",       "[1,",         "\x01\x02\x03 binary \xfe",
    "{}",             "null",              R"({"a":1})",  R"({"verb":"x","user":{"username":"inserted"}})",
    R"({"verb":"get",})", "}{",            "\"unterminated", "[[[[[[[[",
};

struct damaged_line {
  std::string text;
  bool untouched;  // the original event line, unchanged
  std::string original;
};

// Applies the damage plan: per original line, maybe a garbage line before it, and then the line
// itself intact, truncated or with one byte flipped (never into a newline: lines stay lines).
std::vector<damaged_line> damage(const std::vector<std::string>& lines, prng& g) {
  std::vector<damaged_line> out;
  for (const std::string& l : lines) {
    if (g.below(10) == 0) out.push_back({std::string(g.pick(garbage)), false, {}});
    const std::size_t roll = g.below(10);
    if (roll == 0) {
      out.push_back({l.substr(0, 1 + g.below(l.size() - 1)), false, l});
    } else if (roll == 1) {
      std::string t = l;
      const std::size_t at = g.below(t.size());
      char c = t[at];
      do c = static_cast<char>(t[at] ^ static_cast<char>(1 + g.below(255))); while (c == '\n');
      t[at] = c;
      out.push_back({t, false, l});
    } else {
      out.push_back({l, true, l});
    }
  }
  return out;
}

std::string join(const std::vector<damaged_line>& v) {
  std::string s;
  for (const damaged_line& d : v) s += d.text + "\n";
  return s;
}

}  // namespace

TEST_CASE("nothing lost: JSON lines, truncated, flipped and garbage lines") {
  prng g{20251007};
  std::vector<std::string> lines;
  for (int i = 0; i < 500; ++i) lines.push_back(make_event(g, i));
  const std::vector<damaged_line> input = damage(lines, g);
  const std::string data = join(input);

  // Expected outcome of each line on its own.
  parser p;
  std::vector<kind> expect;
  std::vector<std::string> expect_text;
  std::size_t untouched = 0, damaged = 0;
  for (const damaged_line& d : input) {
    std::string w;
    expect.push_back(alone(p, d.text, &w));
    expect_text.push_back(w);
    if (d.untouched) {
      ++untouched;
      CHECK(expect.back() == kind::event);
      CHECK(w == d.text);
    } else {
      ++damaged;
    }
  }
  // The plan touches enough lines to mean something, in every way.
  CHECK(untouched > 350);
  CHECK(damaged > 100);
  CHECK(std::count(expect.begin(), expect.end(), kind::error) > 60);
  CHECK(std::count(expect.begin(), expect.end(), kind::skip) >= 5);

  for (int mode = 0; mode < 3; ++mode) {
    CAPTURE(mode);
    reader_options o;
    if (mode >= 1) o.format = input_format::jsonl;
    if (mode == 2) {  // a window smaller than many lines, small batches: every refill path
      o.window_size = 1024;
      o.max_batch_events = 7;
    }
    auto r = test::read_all(data, o);
    CHECK(r.adds_up());
    CHECK(r.stats.records == input.size());
    CHECK(r.stats.lines == input.size());
    // Walk the outcomes in line order: each line has exactly the outcome it has alone.
    std::size_t ei = 0, ri = 0, skips = 0;
    bool all_match = true;
    for (std::size_t i = 0; i < input.size(); ++i) {
      const std::uint64_t line = i + 1;
      switch (expect[i]) {
        case kind::event: {
          const bool ok = ei < r.events.size() && r.events[ei]->origin.line == line;
          if (ok) {
            std::string w;
            write_json(*r.events[ei], w);
            if (w != expect_text[i] || (input[i].untouched && w != input[i].original)) {
              all_match = false;
              FAIL_CHECK("line " << line << " read as a different event");
            }
          } else {
            all_match = false;
            FAIL_CHECK("line " << line << " should be an event");
          }
          ++ei;
          break;
        }
        case kind::error:
          if (ri >= r.errors.size() || r.errors[ri].line != line) {
            all_match = false;
            FAIL_CHECK("line " << line << " should be an error: " << input[i].text);
          }
          ++ri;
          break;
        case kind::skip: ++skips; break;
      }
    }
    CHECK(all_match);
    CHECK(ei == r.events.size());
    CHECK(ri == r.errors.size());
    CHECK(skips == r.stats.skipped);
  }
}

TEST_CASE("nothing lost: AKS Event Hub messages, damaged") {
  prng g{7};
  // 100 messages of 5 records; every 4th record is a klog line of another category.
  std::vector<std::string> messages;
  std::vector<std::vector<std::string>> native;  // the audit events of each message, in order
  int n = 0;
  for (int m = 0; m < 100; ++m) {
    std::string msg = R"({"records":[)";
    native.emplace_back();
    for (int k = 0; k < 5; ++k, ++n) {
      if (k > 0) msg += ",";
      if (n % 4 == 3) {
        msg += R"({"category":"kube-apiserver","properties":{"log":"I1007 16:19:20.1 1 trace.go:236] slow\n","pod":"p"},)"
               R"("time":"2025-10-07T16:19:20Z"})";
        continue;
      }
      const std::string e = make_event(g, n);
      native.back().push_back(e);
      msg += R"({"category":"kube-audit","operationName":"Microsoft.ContainerService/managedClusters/diagnosticLogs/Read",)"
             R"("properties":{"log":)" +
             test::json_quote(e + "\n") + R"(,"pod":"kube-apiserver-1","stream":"stdout"},)"
             R"("resourceId":"/SUBSCRIPTIONS/0/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.CONTAINERSERVICE/MANAGEDCLUSTERS/prod",)"
             R"("time":"2025-10-07T16:19:20.647880072Z"})";
    }
    messages.push_back(msg + "]}");
  }
  const std::vector<damaged_line> input = damage(messages, g);
  const std::string data = join(input);

  // Expected: each line read alone. Untouched messages: every audit record is its event.
  std::vector<test::read_result> alone_results;
  std::uint64_t records = 0, events = 0, skipped = 0, errors = 0;
  std::size_t untouched = 0;
  for (const damaged_line& d : input) {
    alone_results.push_back(test::read_all(d.text));
    const test::read_result& a = alone_results.back();
    CHECK(a.adds_up());
    records += a.stats.records;
    events += a.stats.events;
    skipped += a.stats.skipped;
    errors += a.stats.errors;
    if (d.untouched) ++untouched;
  }
  CHECK(untouched > 70);
  CHECK(errors > 10);

  auto r = test::read_all(data);
  CHECK(r.adds_up());
  CHECK(r.stats.records == records);
  CHECK(r.stats.events == events);
  CHECK(r.stats.skipped == skipped);
  CHECK(r.stats.errors == errors);
  // Outcomes line by line, in order: the same events (same text) and errors (same code) as alone.
  std::size_t ei = 0, ri = 0, mi = 0;
  bool all_match = true;
  for (std::size_t i = 0; i < input.size(); ++i) {
    const std::uint64_t line = i + 1;
    const test::read_result& a = alone_results[i];
    for (std::size_t k = 0; k < a.events.size(); ++k, ++ei) {
      std::string want, got;
      write_json(*a.events[k], want);
      if (ei < r.events.size()) write_json(*r.events[ei], got);
      if (ei >= r.events.size() || got != want || r.events[ei]->origin.line != line) {
        all_match = false;
        FAIL_CHECK("line " << line << ": event " << k << " differs");
      }
      if (ei < r.events.size()) CHECK(r.events[ei]->origin.format == a.events[k]->origin.format);
    }
    for (std::size_t k = 0; k < a.errors.size(); ++k, ++ri) {
      if (ri >= r.errors.size() || r.errors[ri].line != line || r.errors[ri].code != a.errors[k].code) {
        all_match = false;
        FAIL_CHECK("line " << line << ": error " << k << " differs");
      }
    }
    if (input[i].untouched) {
      // Back to the original native lines, byte for byte; the klog records are skips.
      for (; mi < messages.size() && messages[mi] != input[i].original; ++mi) {}
      REQUIRE(mi < messages.size());
      REQUIRE(a.events.size() == native[mi].size());
      for (std::size_t k = 0; k < a.events.size(); ++k) {
        std::string w;
        write_json(*a.events[k], w);
        CHECK(w == native[mi][k]);
      }
      CHECK(a.stats.errors == 0);
      CHECK(a.stats.records == 5);
      CHECK(a.stats.skipped == 5 - native[mi].size());
    }
  }
  CHECK(all_match);
  CHECK(ei == r.events.size());
  CHECK(ri == r.errors.size());
}
