// SPDX-License-Identifier: Apache-2.0
// The raw-byte prefilter and its substring search.
//
// Search: the "first and last byte" technique. For every candidate position i of a vector of
// positions, compare haystack[i] with needle[0] and haystack[i + n - 1] with needle[n - 1]; AND
// the two masks; only positions where both ends agree are compared in full. Real text rarely
// has both ends right, so the full compare is rare and the loop runs at load speed. Case folding
// is exact and costs one OR: for an ASCII letter, (b | 0x20) equals the lower-case letter iff b
// is that letter in either case; other bytes are compared unchanged (OR with 0).
//
// Bounds: no padding is assumed. Both loads of a step must end inside the haystack, so the last
// step is moved back to end exactly at the last byte (its positions already seen are masked
// off), and haystacks shorter than one step fall to a narrower vector, then to a scalar loop.
#include "k8saudit/prefilter.h"
#include "ascii.h"

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>

#include "prefilter_search.h"

#if defined(K8SAUDIT_PREFILTER_SSE2)
#include <immintrin.h>
#endif

namespace k8saudit {
namespace detail {
namespace {

constexpr std::size_t npos = std::string_view::npos;

constexpr bool is_letter(unsigned char c) noexcept { return (c | 0x20U) >= 'a' && (c | 0x20U) <= 'z'; }
constexpr unsigned char fold(unsigned char c) noexcept {
  return c >= 'A' && c <= 'Z' ? static_cast<unsigned char>(c | 0x20U) : c;
}

// What a haystack byte is compared with at one end of the needle: (b | mask) == value.
struct end_byte {
  unsigned char value;
  unsigned char mask;
};

template <bool Fold>
end_byte end_of(char c) noexcept {
  const auto b = static_cast<unsigned char>(c);
  if (Fold && is_letter(b)) return {static_cast<unsigned char>(b | 0x20U), 0x20};
  return {b, 0};
}

template <bool Fold>
bool same_end(char h, end_byte e) noexcept {
  return (static_cast<unsigned char>(h) | e.mask) == e.value;
}

// The needle's inner bytes (both ends are already known to agree) at `at`.
template <bool Fold>
bool inner_match(const char* at, std::string_view needle) noexcept {
  const std::size_t n = needle.size();
  if (n <= 2) return true;
  if constexpr (!Fold) {
    return std::memcmp(at + 1, needle.data() + 1, n - 2) == 0;
  } else {
    for (std::size_t k = 1; k + 1 < n; ++k) {
      if (fold(static_cast<unsigned char>(at[k])) != fold(static_cast<unsigned char>(needle[k]))) return false;
    }
    return true;
  }
}

// Positions [from, last_start] one at a time.
template <bool Fold>
std::size_t scan_scalar(const char* h, std::size_t from, std::size_t last_start, std::string_view needle) noexcept {
  const std::size_t n = needle.size();
  const end_byte first = end_of<Fold>(needle.front());
  const end_byte last = end_of<Fold>(needle.back());
  for (std::size_t i = from; i <= last_start; ++i) {
    if (same_end<Fold>(h[i], first) && same_end<Fold>(h[i + n - 1], last) && inner_match<Fold>(h + i, needle)) return i;
  }
  return npos;
}

#if defined(K8SAUDIT_PREFILTER_SSE2)

// Bit k set: position at+k has both ends right.
template <bool Fold>
std::uint32_t ends_mask_sse2(const char* at, std::size_t n, __m128i vf, __m128i vl, __m128i mf, __m128i ml) noexcept {
  __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(at));
  __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(at + n - 1));
  if constexpr (Fold) {
    a = _mm_or_si128(a, mf);
    b = _mm_or_si128(b, ml);
  }
  const __m128i both = _mm_and_si128(_mm_cmpeq_epi8(a, vf), _mm_cmpeq_epi8(b, vl));
  return static_cast<std::uint32_t>(_mm_movemask_epi8(both));
}

// Precondition: 1 <= needle.size() <= size.
template <bool Fold>
std::size_t search_sse2(const char* h, std::size_t size, std::string_view needle) noexcept {
  constexpr std::size_t width = 16;
  const std::size_t n = needle.size();
  const std::size_t last_start = size - n;
  if (last_start < width - 1) return scan_scalar<Fold>(h, 0, last_start, needle);
  const end_byte first = end_of<Fold>(needle.front());
  const end_byte last = end_of<Fold>(needle.back());
  const __m128i vf = _mm_set1_epi8(static_cast<char>(first.value));
  const __m128i vl = _mm_set1_epi8(static_cast<char>(last.value));
  const __m128i mf = _mm_set1_epi8(static_cast<char>(first.mask));
  const __m128i ml = _mm_set1_epi8(static_cast<char>(last.mask));
  std::size_t i = 0;
  // Two steps per iteration, one branch for both: text without candidates runs branch-free.
  for (; i + (2 * width - 1) <= last_start; i += 2 * width) {
    const std::uint32_t m0 = ends_mask_sse2<Fold>(h + i, n, vf, vl, mf, ml);
    const std::uint32_t m1 = ends_mask_sse2<Fold>(h + i + width, n, vf, vl, mf, ml);
    for (std::uint32_t m = (m1 << width) | m0; m != 0; m &= m - 1) {
      const std::size_t at = i + static_cast<std::size_t>(std::countr_zero(m));
      if (inner_match<Fold>(h + at, needle)) return at;
    }
  }
  for (; i + (width - 1) <= last_start; i += width) {
    for (std::uint32_t m = ends_mask_sse2<Fold>(h + i, n, vf, vl, mf, ml); m != 0; m &= m - 1) {
      const std::size_t at = i + static_cast<std::size_t>(std::countr_zero(m));
      if (inner_match<Fold>(h + at, needle)) return at;
    }
  }
  if (i <= last_start) {
    // One step ending at the last byte; drop the positions before i, already seen.
    const std::size_t j = last_start - (width - 1);
    std::uint32_t m = ends_mask_sse2<Fold>(h + j, n, vf, vl, mf, ml) & (~std::uint32_t{0} << (i - j));
    for (; m != 0; m &= m - 1) {
      const std::size_t at = j + static_cast<std::size_t>(std::countr_zero(m));
      if (inner_match<Fold>(h + at, needle)) return at;
    }
  }
  return npos;
}

#endif  // K8SAUDIT_PREFILTER_SSE2

#if defined(K8SAUDIT_PREFILTER_AVX2)

#define K8SAUDIT_AVX2 __attribute__((target("avx2")))

template <bool Fold>
K8SAUDIT_AVX2 std::uint32_t ends_mask_avx2(const char* at, std::size_t n, __m256i vf, __m256i vl, __m256i mf,
                                           __m256i ml) noexcept {
  __m256i a = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(at));
  __m256i b = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(at + n - 1));
  if constexpr (Fold) {
    a = _mm256_or_si256(a, mf);
    b = _mm256_or_si256(b, ml);
  }
  const __m256i both = _mm256_and_si256(_mm256_cmpeq_epi8(a, vf), _mm256_cmpeq_epi8(b, vl));
  return static_cast<std::uint32_t>(_mm256_movemask_epi8(both));
}

template <bool Fold>
K8SAUDIT_AVX2 std::size_t search_avx2(const char* h, std::size_t size, std::string_view needle) noexcept {
  constexpr std::size_t width = 32;
  const std::size_t n = needle.size();
  const std::size_t last_start = size - n;
  if (last_start < width - 1) return search_sse2<Fold>(h, size, needle);
  const end_byte first = end_of<Fold>(needle.front());
  const end_byte last = end_of<Fold>(needle.back());
  const __m256i vf = _mm256_set1_epi8(static_cast<char>(first.value));
  const __m256i vl = _mm256_set1_epi8(static_cast<char>(last.value));
  const __m256i mf = _mm256_set1_epi8(static_cast<char>(first.mask));
  const __m256i ml = _mm256_set1_epi8(static_cast<char>(last.mask));
  std::size_t i = 0;
  // As in search_sse2: two steps, one branch.
  for (; i + (2 * width - 1) <= last_start; i += 2 * width) {
    const std::uint32_t m0 = ends_mask_avx2<Fold>(h + i, n, vf, vl, mf, ml);
    const std::uint32_t m1 = ends_mask_avx2<Fold>(h + i + width, n, vf, vl, mf, ml);
    for (std::uint64_t m = (std::uint64_t{m1} << width) | m0; m != 0; m &= m - 1) {
      const std::size_t at = i + static_cast<std::size_t>(std::countr_zero(m));
      if (inner_match<Fold>(h + at, needle)) return at;
    }
  }
  for (; i + (width - 1) <= last_start; i += width) {
    for (std::uint32_t m = ends_mask_avx2<Fold>(h + i, n, vf, vl, mf, ml); m != 0; m &= m - 1) {
      const std::size_t at = i + static_cast<std::size_t>(std::countr_zero(m));
      if (inner_match<Fold>(h + at, needle)) return at;
    }
  }
  if (i <= last_start) {
    const std::size_t j = last_start - (width - 1);
    std::uint32_t m = ends_mask_avx2<Fold>(h + j, n, vf, vl, mf, ml) & (~std::uint32_t{0} << (i - j));
    for (; m != 0; m &= m - 1) {
      const std::size_t at = j + static_cast<std::size_t>(std::countr_zero(m));
      if (inner_match<Fold>(h + at, needle)) return at;
    }
  }
  return npos;
}

#endif  // K8SAUDIT_PREFILTER_AVX2

}  // namespace

std::size_t find_literal_scalar(std::string_view haystack, std::string_view needle, bool ignore_case) noexcept {
  const std::size_t n = needle.size();
  if (n == 0) return 0;
  if (n > haystack.size()) return npos;
  const char* h = haystack.data();
  const std::size_t last_start = haystack.size() - n;
  if (ignore_case) return scan_scalar<true>(h, 0, last_start, needle);
  // memchr is vectorised by the C library on most platforms.
  for (std::size_t i = 0; i <= last_start;) {
    const void* hit = std::memchr(h + i, needle.front(), last_start - i + 1);
    if (hit == nullptr) return npos;
    i = static_cast<std::size_t>(static_cast<const char*>(hit) - h);
    if (std::memcmp(h + i + 1, needle.data() + 1, n - 1) == 0) return i;
    ++i;
  }
  return npos;
}

#if defined(K8SAUDIT_PREFILTER_SSE2)
std::size_t find_literal_sse2(std::string_view haystack, std::string_view needle, bool ignore_case) noexcept {
  if (needle.empty()) return 0;
  if (needle.size() > haystack.size()) return npos;
  return ignore_case ? search_sse2<true>(haystack.data(), haystack.size(), needle)
                     : search_sse2<false>(haystack.data(), haystack.size(), needle);
}
#endif

#if defined(K8SAUDIT_PREFILTER_AVX2)
K8SAUDIT_AVX2 std::size_t find_literal_avx2(std::string_view haystack, std::string_view needle,
                                            bool ignore_case) noexcept {
  if (needle.empty()) return 0;
  if (needle.size() > haystack.size()) return npos;
  return ignore_case ? search_avx2<true>(haystack.data(), haystack.size(), needle)
                     : search_avx2<false>(haystack.data(), haystack.size(), needle);
}

bool cpu_has_avx2() noexcept {
  // Also checks that the OS saves the YMM registers (XGETBV), not just the CPUID bit.
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2");
}
#endif

std::size_t find_literal(std::string_view haystack, std::string_view needle, bool ignore_case) noexcept {
#if defined(K8SAUDIT_PREFILTER_AVX2)
  static const bool avx2 = cpu_has_avx2();
  if (avx2) return find_literal_avx2(haystack, needle, ignore_case);
#endif
#if defined(K8SAUDIT_PREFILTER_SSE2)
  return find_literal_sse2(haystack, needle, ignore_case);
#else
  return find_literal_scalar(haystack, needle, ignore_case);
#endif
}

}  // namespace detail

// ----- prefilter -------------------------------------------------------------------------------

namespace {

bool has_letter(std::string_view s) noexcept {
  return std::any_of(s.begin(), s.end(), [](char c) { return detail::is_letter(static_cast<unsigned char>(c)); });
}

// True when every record containing `b` also contains `a`, so that in a disjunction `b` adds
// nothing to `a`. Case-insensitive texts are stored in lower case (see require_any).
bool implies(const prefilter::literal& b, const prefilter::literal& a) {
  if (!a.ignore_case) return !b.ignore_case && b.text.find(a.text) != std::string::npos;
  std::string lower = b.text;
  for (char& c : lower) c = static_cast<char>(detail::fold(static_cast<unsigned char>(c)));
  return lower.find(a.text) != std::string::npos;
}

// True when clause `b` holds whenever clause `a` holds (every alternative of `a` implies one of
// `b`), which makes `b` redundant next to `a`.
bool clause_implies(const std::vector<prefilter::literal>& a, const std::vector<prefilter::literal>& b) {
  return std::all_of(a.begin(), a.end(), [&](const prefilter::literal& x) {
    return std::any_of(b.begin(), b.end(), [&](const prefilter::literal& y) { return implies(x, y); });
  });
}

std::size_t shortest(const std::vector<prefilter::literal>& clause) noexcept {
  std::size_t n = std::string_view::npos;
  for (const auto& l : clause) n = std::min(n, l.text.size());
  return n;
}

void append_literal(const prefilter::literal& l, std::string& out) {
  if (l.ignore_case) out += 'i';
  out += '"';
  out += l.text;  // safe text holds no '"' or '\\': it needs no escaping
  out += '"';
}

}  // namespace

void prefilter::require_any(std::vector<literal> alternatives) {
  if (alternatives.empty()) return;
  for (literal& l : alternatives) {
    if (l.text.empty() || !is_safe(l.text)) return;  // always true, or not provably present
    if (l.ignore_case) {
      // One spelling per literal: lower case, and case-sensitive when there is nothing to fold.
      for (char& c : l.text) c = static_cast<char>(detail::fold(static_cast<unsigned char>(c)));
      l.ignore_case = has_letter(l.text);
    }
  }
  // Within the clause, drop alternatives that imply another one (duplicates included): when
  // "secrets" is an alternative, "secretsx" can never decide anything.
  std::vector<literal> kept;
  kept.reserve(alternatives.size());
  for (literal& l : alternatives) {
    if (std::any_of(kept.begin(), kept.end(), [&](const literal& k) { return implies(l, k); })) continue;
    std::erase_if(kept, [&](const literal& k) { return implies(k, l); });
    kept.push_back(std::move(l));
  }
  // Across clauses, a clause implied by another one never rejects anything by itself.
  if (std::any_of(clauses_.begin(), clauses_.end(), [&](const auto& c) { return clause_implies(c, kept); })) return;
  std::erase_if(clauses_, [&](const auto& c) { return clause_implies(kept, c); });
  // Most selective first: a record is usually rejected by the clause whose literals are
  // longest, and may_match stops at the first clause that fails.
  const std::size_t len = shortest(kept);
  auto at = std::find_if(clauses_.begin(), clauses_.end(), [&](const auto& c) { return shortest(c) < len; });
  clauses_.insert(at, std::move(kept));
}

namespace {

// Whether a \uXXXX sequence in `record` could stand for a character of one of the clause's
// literals. Kubernetes' Go encoder writes `&`, `<` and `>` as \u0026, \u003c, \u003e (query
// strings in requestURI are full of `&`), so bailing out on any \u would make the prefilter
// useless on real logs; an escape of a character that no literal holds cannot hide a literal.
// Sequences are decoded wherever they appear (even after an escaped backslash): erring towards
// "may match" only costs a parse.
bool escape_may_hide(std::string_view record, const std::vector<prefilter::literal>& clause) noexcept {
  std::uint64_t ascii[2] = {0, 0};
  bool non_ascii = false;
  for (const prefilter::literal& l : clause) {
    for (char ch : l.text) {
      const auto c = static_cast<unsigned char>(ch);
      if (c >= 0x80) {
        non_ascii = true;
        continue;
      }
      ascii[c >> 6] |= std::uint64_t{1} << (c & 63);
      if (l.ignore_case && ((c | 0x20) >= 'a' && (c | 0x20) <= 'z')) {
        const unsigned other = c ^ 0x20u;
        ascii[other >> 6] |= std::uint64_t{1} << (other & 63);
      }
    }
  }
  std::size_t from = 0;
  while (true) {
    const std::size_t p = detail::find_literal(record.substr(from), "\\u", false);
    if (p == std::string_view::npos) return false;
    const std::size_t at = from + p + 2;
    if (at + 4 > record.size()) return true;
    unsigned cp = 0;
    for (std::size_t k = 0; k < 4; ++k) {
      const int h = detail::hex_value(record[at + k]);
      if (h < 0) return true;
      cp = (cp << 4) | static_cast<unsigned>(h);
    }
    if (cp >= 0x80 ? non_ascii : ((ascii[cp >> 6] >> (cp & 63)) & 1) != 0) return true;
    from = at;
  }
}

}  // namespace

bool prefilter::may_match(std::string_view record) const noexcept {
  for (const auto& clause : clauses_) {
    bool found = false;
    for (const literal& l : clause) {
      if (detail::find_literal(record, l.text, l.ignore_case) != std::string_view::npos) {
        found = true;
        break;
      }
    }
    // Only a rejection pays for the escape check: any character of a literal may be written
    // as \uXXXX, and then the literal is not in the bytes even though it is in the value.
    if (!found) return escape_may_hide(record, clause);
  }
  return true;
}

std::string prefilter::to_string() const {
  if (clauses_.empty()) return "true";
  std::string out;
  for (const auto& clause : clauses_) {
    if (!out.empty()) out += " AND ";
    if (clause.size() > 1) out += '(';
    for (std::size_t i = 0; i < clause.size(); ++i) {
      if (i > 0) out += " OR ";
      append_literal(clause[i], out);
    }
    if (clause.size() > 1) out += ')';
  }
  return out;
}

namespace {
constexpr bool safe_byte(char c) noexcept {
  return static_cast<unsigned char>(c) >= 0x20 && c != '"' && c != '\\' && c != '/';
}
}  // namespace

bool prefilter::is_safe(std::string_view text) noexcept { return std::all_of(text.begin(), text.end(), safe_byte); }

std::string_view prefilter::longest_safe_run(std::string_view text) noexcept {
  std::string_view best;
  std::size_t i = 0;
  while (i < text.size()) {
    if (!safe_byte(text[i])) {
      ++i;
      continue;
    }
    std::size_t j = i;
    while (j < text.size() && safe_byte(text[j])) ++j;
    if (j - i > best.size()) best = text.substr(i, j - i);
    i = j;
  }
  return best;
}

}  // namespace k8saudit
