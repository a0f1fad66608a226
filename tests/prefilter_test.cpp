// SPDX-License-Identifier: Apache-2.0
// The raw-byte prefilter: its substring search (every SIMD variant against a naive one, and at
// the edges of readable memory) and its semantics. Reader integration is in reader_test.cpp.
#include <doctest/doctest.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

#if defined(__unix__) || defined(__APPLE__)
#include <sys/mman.h>
#include <unistd.h>
#define K8SAUDIT_TEST_GUARD_PAGES 1
#endif

#include "prefilter_search.h"
#include "test_util.h"

using namespace k8saudit;

namespace {

constexpr std::size_t npos = std::string_view::npos;

char fold(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c | 0x20) : c; }

std::size_t naive_find(std::string_view h, std::string_view n, bool ignore_case) {
  if (n.size() > h.size()) return npos;
  for (std::size_t i = 0; i + n.size() <= h.size(); ++i) {
    std::size_t k = 0;
    while (k < n.size() && (ignore_case ? fold(h[i + k]) == fold(n[k]) : h[i + k] == n[k])) ++k;
    if (k == n.size()) return i;
  }
  return npos;
}

using search_fn = std::size_t (*)(std::string_view, std::string_view, bool) noexcept;
struct variant {
  const char* name;
  search_fn fn;
};

// Every implementation this machine can run, plus the dispatcher.
const std::vector<variant>& variants() {
  static const std::vector<variant> all = [] {
    std::vector<variant> v{{"scalar", &detail::find_literal_scalar}, {"dispatch", &detail::find_literal}};
#if defined(K8SAUDIT_PREFILTER_SSE2)
    v.push_back({"sse2", &detail::find_literal_sse2});
#endif
#if defined(K8SAUDIT_PREFILTER_AVX2)
    if (detail::cpu_has_avx2()) v.push_back({"avx2", &detail::find_literal_avx2});
#endif
    return v;
  }();
  return all;
}

// Checks every variant against the naive search, exact and case-folded.
void check_all(std::string_view h, std::string_view n) {
  for (const variant& v : variants()) {
    for (bool ic : {false, true}) {
      CAPTURE(v.name);
      CAPTURE(ic);
      CAPTURE(h);
      CAPTURE(n);
      CHECK(v.fn(h, n, ic) == naive_find(h, n, ic));
    }
  }
}

std::string random_text(std::mt19937& rng, std::size_t len, std::string_view alphabet) {
  std::uniform_int_distribution<std::size_t> pick(0, alphabet.size() - 1);
  std::string s(len, ' ');
  for (char& c : s) c = alphabet[pick(rng)];
  return s;
}

prefilter make(std::initializer_list<std::vector<prefilter::literal>> clauses) {
  prefilter pf;
  for (const auto& c : clauses) pf.require_any(c);
  return pf;
}

}  // namespace

TEST_CASE("prefilter: find_literal agrees with a naive search on random text") {
  std::mt19937 rng(20251007);
  // Small alphabets make many partial matches (right first byte, wrong last, ...); case pairs
  // and the bytes next to letters under | 0x20 ('@' and '`', '[' and '{') test the folding.
  const std::string_view alphabets[] = {"ab", "aAbB", "aA@`[{zZ", "abcdefghijklmnopqrstuvwxyz",
                                        std::string_view("x\xC3\xA9\xFF\x80\0", 6)};
  const std::vector<variant>& vs = variants();
#if defined(K8SAUDIT_PREFILTER_AVX2)
  if (!detail::cpu_has_avx2()) MESSAGE("AVX2 not available: find_literal_avx2 not tested");
#endif
  std::size_t compared = 0;
  for (std::string_view alphabet : alphabets) {
    for (int round = 0; round < 400; ++round) {
      const std::size_t hlen = std::uniform_int_distribution<std::size_t>(0, round % 4 == 0 ? 300 : 80)(rng);
      const std::string h = random_text(rng, hlen, alphabet);
      std::string n;
      if (hlen > 0 && round % 2 == 0) {
        // A piece of the haystack, case-flipped sometimes: guaranteed to be found.
        const std::size_t at = std::uniform_int_distribution<std::size_t>(0, hlen - 1)(rng);
        const std::size_t len =
            std::uniform_int_distribution<std::size_t>(1, std::min<std::size_t>(80, hlen - at))(rng);
        n = h.substr(at, len);
        if (round % 4 == 2) {
          for (char& c : n) c = c >= 'a' && c <= 'z' ? static_cast<char>(c - 32) : c;
        }
      } else {
        n = random_text(rng, std::uniform_int_distribution<std::size_t>(0, 6)(rng), alphabet);
      }
      for (const variant& v : vs) {
        for (bool ic : {false, true}) {
          const std::size_t want = naive_find(h, n, ic);
          const std::size_t got = v.fn(h, n, ic);
          if (got != want) {
            CAPTURE(v.name);
            CAPTURE(ic);
            CAPTURE(h);
            CAPTURE(n);
            CHECK(got == want);
          }
          ++compared;
        }
      }
    }
  }
  CHECK(compared >= 2u * 4000u);
}

TEST_CASE("prefilter: find_literal at the edges: start, end, vector widths, short haystacks") {
  for (std::size_t n : {1u, 2u, 3u, 15u, 16u, 17u, 31u, 32u, 33u, 63u, 64u, 65u}) {
    CAPTURE(n);
    std::string needle;
    for (std::size_t i = 0; i < n; ++i) needle += static_cast<char>('a' + i % 26);
    for (std::size_t size : {n, n + 1, n + 15, n + 16, n + 31, n + 32, n + 33, n + 63, n + 64, n + 100}) {
      CAPTURE(size);
      std::string filler(size, '.');
      // At the very start, the very end, and every position in between for small sizes.
      for (std::size_t at = 0; at + n <= size; at += (size < 80 ? 1 : 7)) {
        std::string h = filler;
        h.replace(at, n, needle);
        check_all(h, needle);
      }
      std::string end = filler;
      end.replace(size - n, n, needle);
      check_all(end, needle);
      // Ends right, middle wrong, at every position: every candidate is rejected.
      if (n >= 3) {
        std::string near(size, 'a');
        for (std::size_t i = 0; i < size; ++i) near[i] = (i % n == 0) ? needle.front() : needle.back();
        check_all(near, needle);
      }
      // Too short by one.
      check_all(std::string_view(end).substr(1), needle);
    }
  }
  check_all("", "");
  check_all("abc", "");
  check_all("", "a");
  check_all("ab", "abc");
  for (const variant& v : variants()) {
    CAPTURE(v.name);
    CHECK(v.fn("xxDELETEyy", "delete", true) == 2);
    CHECK(v.fn("xxDELETEyy", "delete", false) == npos);
    CHECK(v.fn("xxDELETEyy", "DeLeTe", true) == 2);
    // '@' | 0x20 == '`' and '[' | 0x20 == '{': only letters fold.
    CHECK(v.fn("@[", "`{", true) == npos);
    CHECK(v.fn("`{", "@[", true) == npos);
    CHECK(v.fn(std::string(100, 'x') + "\\u0064", "\\u", false) == 100);
  }
}

#if defined(K8SAUDIT_TEST_GUARD_PAGES)
TEST_CASE("prefilter: find_literal never reads outside the haystack") {
  // Haystacks that end exactly at the end of a readable page (the next one faults), or start
  // exactly at its start (the previous one faults).
  const auto page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  void* mem = mmap(nullptr, 3 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  REQUIRE(mem != MAP_FAILED);
  char* base = static_cast<char*>(mem);
  REQUIRE(mprotect(base, page, PROT_NONE) == 0);
  REQUIRE(mprotect(base + 2 * page, page, PROT_NONE) == 0);
  char* mid = base + page;
  std::memset(mid, 'q', page);
  for (std::size_t size : {0u, 1u, 2u, 5u, 15u, 16u, 17u, 31u, 32u, 33u, 40u, 63u, 64u, 65u, 100u, 1000u}) {
    for (std::string_view needle : {"q", "qq", "qx", "xq", "QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ", "zzz"}) {
      CAPTURE(size);
      CAPTURE(needle);
      const std::string_view at_end(mid + page - size, size);
      const std::string_view at_start(mid, size);
      for (const variant& v : variants()) {
        CAPTURE(v.name);
        for (bool ic : {false, true}) {
          CHECK(v.fn(at_end, needle, ic) == naive_find(at_end, needle, ic));
          CHECK(v.fn(at_start, needle, ic) == naive_find(at_start, needle, ic));
        }
      }
    }
  }
  munmap(mem, 3 * page);
}
#endif

TEST_CASE("prefilter: clauses are AND, alternatives are OR") {
  prefilter pf = make({{{"delete"}}, {{"secrets"}, {"ConfigMaps", true}}});
  CHECK_FALSE(pf.empty());
  CHECK(pf.to_string() == R"(("secrets" OR i"configmaps") AND "delete")");
  CHECK(pf.may_match(R"({"verb":"delete","objectRef":{"resource":"secrets"}})"));
  CHECK(pf.may_match(R"({"verb":"delete","objectRef":{"resource":"CONFIGMAPS"}})"));
  CHECK_FALSE(pf.may_match(R"({"verb":"delete","objectRef":{"resource":"pods"}})"));
  CHECK_FALSE(pf.may_match(R"({"verb":"get","objectRef":{"resource":"secrets"}})"));
  CHECK_FALSE(pf.may_match(R"({"verb":"DELETE","objectRef":{"resource":"secrets"}})"));  // case-sensitive
  CHECK_FALSE(pf.may_match(""));

  prefilter none;
  CHECK(none.empty());
  CHECK(none.may_match(""));
  CHECK(none.may_match("anything"));
  CHECK(none.to_string() == "true");
}

TEST_CASE("prefilter: a \\u escape that may stand for a literal's character lets the record through") {
  prefilter pf = make({{{"delete"}}});
  CHECK(pf.may_match(R"({"verb":"\u0064elete"})"));
  CHECK_FALSE(pf.may_match(R"({"verb":"\u0044ELETE"})"));  // 'D' cannot spell a case-sensitive "delete"
  // Go writes & < > as \u0026 \u003c \u003e: none of them is in "delete", so they hide nothing.
  CHECK_FALSE(pf.may_match(R"({"verb":"get","requestURI":"/x?a=1\u0026b=2\u003c"})"));
  CHECK(pf.may_match(R"({"verb":"get","requestURI":"/x?a=1\u0026b=2\u006c"})"));  // 'l'
  CHECK(pf.may_match(R"({"verb":"get","bad":"\u00zz"})"));   // undecodable: assume the worst
  CHECK(pf.may_match(R"({"verb":"get","end":"\u00)"));       // cut short: assume the worst
  CHECK_FALSE(pf.may_match(R"({"verb":"get","x":"\u00e9"})"));  // non-ASCII, literal is ASCII
  prefilter accented = make({{{"caf\xc3\xa9"}}});
  CHECK(accented.may_match(R"({"x":"caf\u00e9"})"));
  prefilter folded = make({{{"delete", true}}});
  CHECK(folded.may_match(R"({"verb":"\u0044ELETE"})"));  // 'D' matters when case is ignored
  // Escaped twice (an AKS properties.log string): still `\u` in the bytes.
  CHECK(pf.may_match(R"({"properties":{"log":"{\"verb\":\"\\u0064elete\"}"}})"));
  CHECK_FALSE(pf.may_match(R"({"verb":"get","note":"\\ u"})"));
  CHECK_FALSE(pf.may_match(R"({"verb":"get","note":"\n\t\""})"));
}

TEST_CASE("prefilter: empty and unsafe clauses are dropped, literals are normalised") {
  prefilter pf;
  pf.require_any({});
  pf.require_any({{"delete"}, {""}});            // "" always occurs: the clause is always true
  pf.require_any({{"kube-system/x"}, {"abc"}});  // '/' may be written "\/"
  pf.require_any({{"say \"hi\""}});
  pf.require_any({{"a\\b"}});
  pf.require_any({{"tab\there"}});
  CHECK(pf.empty());
  CHECK(pf.may_match("nothing"));

  pf.require_any({{"1234", true}});  // nothing to fold: case-sensitive
  pf.require_any({{"SeCrEtS", true}, {"secrets"}, {"SECRETSX", true}, {"secrets", true}});
  REQUIRE(pf.clauses().size() == 2);
  CHECK(pf.to_string() == R"(i"secrets" AND "1234")");
  CHECK(pf.clauses()[1][0].ignore_case == false);
  CHECK(pf.may_match("Secrets 1234"));
  CHECK_FALSE(pf.may_match("Secrets 123"));

  // A clause implied by another adds nothing; one that implies others replaces them.
  prefilter q;
  q.require_any({{"delete"}, {"patch"}});
  q.require_any({{"delete"}});
  q.require_any({{"delete"}, {"update"}});
  CHECK(q.to_string() == R"("delete")");
  // Non-ASCII UTF-8 is safe and compared as bytes.
  prefilter u = make({{{"jos\xC3\xA9", true}}});
  CHECK(u.may_match("JOS\xC3\xA9@example.com"));
  CHECK_FALSE(u.may_match("JOS\xC3\x89@example.com"));
}

TEST_CASE("prefilter: clauses are tried most selective first") {
  prefilter pf = make({{{"get"}}, {{"kube-system"}}, {{"pods"}, {"leases"}}, {{"aksService"}}});
  CHECK(pf.to_string() == R"("kube-system" AND "aksService" AND ("pods" OR "leases") AND "get")");
}

TEST_CASE("prefilter: is_safe and longest_safe_run") {
  CHECK(prefilter::is_safe(""));
  CHECK(prefilter::is_safe("system:serviceaccount:kube-system:default"));
  CHECK(prefilter::is_safe("jos\xC3\xA9 \x7F"));
  CHECK_FALSE(prefilter::is_safe("/api/v1"));
  CHECK_FALSE(prefilter::is_safe("a\"b"));
  CHECK_FALSE(prefilter::is_safe("a\\b"));
  CHECK_FALSE(prefilter::is_safe("a\nb"));
  CHECK_FALSE(prefilter::is_safe(std::string_view("a\0b", 3)));
  CHECK(prefilter::longest_safe_run("/api/v1/namespaces/kube-system/pods") == "kube-system");
  CHECK(prefilter::longest_safe_run("/ab/cd/") == "ab");  // first on ties
  CHECK(prefilter::longest_safe_run("plain") == "plain");
  CHECK(prefilter::longest_safe_run("//\"\\").empty());
  CHECK(prefilter::longest_safe_run("").empty());
}

TEST_CASE("prefilter: never loses an event of the sample data") {
  // For every file: the deletes read with a "delete" prefilter are exactly the deletes read
  // without it, at the same places.
  prefilter pf = make({{{"delete"}}});
  reader_options with;
  with.prefilter = &pf;
  for (const char* file :
       {"sample.jsonl", "sample-aks-eventhub.json", "sample-aks-pt1h.json", "sample-eventlist.json"}) {
    CAPTURE(file);
    const std::string data = test::slurp(std::filesystem::path(K8SAUDIT_DATA_DIR) / file);
    REQUIRE_FALSE(data.empty());
    auto plain = test::read_all(data);
    auto fast = test::read_all(data, with);
    CHECK(fast.adds_up());
    CHECK(fast.errors.size() == plain.errors.size());
    std::vector<std::string> a, b;
    for (const auto& e : plain.events) {
      if (e->verb == "delete") a.push_back(std::string(e->audit_id) + "@" + std::to_string(e->origin.offset));
    }
    for (const auto& e : fast.events) {
      if (e->verb == "delete") b.push_back(std::string(e->audit_id) + "@" + std::to_string(e->origin.offset));
    }
    CHECK_FALSE(a.empty());
    CHECK(a == b);
  }
}
