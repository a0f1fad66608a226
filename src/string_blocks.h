// SPDX-License-Identifier: Apache-2.0
// JSON string bytes looked at 32 at a time: the masks of quotes, backslashes and control bytes
// of a block (AVX2, two SSE2 halves, or a scalar loop), and the length of a string that has no
// escape. Internal, and included only by sources compiled with the parser's SIMD flags
// (event_parser.cpp, envelope_scan.cpp: see src/CMakeLists.txt), so that these inline functions
// have one definition.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>

#if defined(__AVX2__) || defined(__SSE2__)
#include <immintrin.h>
#endif

namespace k8saudit::detail {

/// Bit i of the masks: byte p[i] (i < 32) is a quote, a backslash, a control character (< 0x20),
/// a byte of a multi-byte UTF-8 sequence (>= 0x80).
struct block_masks {
  std::uint32_t quote, backslash, control, high;
  [[nodiscard]] std::uint32_t special() const noexcept { return quote | backslash | control; }
};

/// The masks of the 32 bytes at p (all readable).
inline block_masks masks_of(const char* p) noexcept {
#if defined(__AVX2__)
  const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
  return {static_cast<std::uint32_t>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(v, _mm256_set1_epi8('"')))),
          static_cast<std::uint32_t>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(v, _mm256_set1_epi8('\\')))),
          static_cast<std::uint32_t>(
              _mm256_movemask_epi8(_mm256_cmpeq_epi8(_mm256_min_epu8(v, _mm256_set1_epi8(0x1F)), v))),
          static_cast<std::uint32_t>(_mm256_movemask_epi8(v))};
#elif defined(__SSE2__)
  const auto half = [](const char* q, block_masks& m, int shift) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(q));
    m.quote |= static_cast<std::uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')))) << shift;
    m.backslash |= static_cast<std::uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8('\\')))) << shift;
    m.control |= static_cast<std::uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(0x1F)), v)))
                 << shift;
    m.high |= static_cast<std::uint32_t>(_mm_movemask_epi8(v)) << shift;
  };
  block_masks m{0, 0, 0, 0};
  half(p, m, 0);
  half(p + 16, m, 16);
  return m;
#else
  block_masks m{0, 0, 0, 0};
  for (int i = 0; i < 32; ++i) {
    const auto c = static_cast<unsigned char>(p[i]);
    m.quote |= std::uint32_t{c == '"'} << i;
    m.backslash |= std::uint32_t{c == '\\'} << i;
    m.control |= std::uint32_t{c < 0x20} << i;
    m.high |= std::uint32_t{c >= 0x80} << i;
  }
  return m;
#endif
}

/// Bit i set when p[i] == q[i], for the 32 bytes at p and at q (all readable).
inline std::uint32_t equal_bytes(const char* p, const char* q) noexcept {
#if defined(__AVX2__)
  const __m256i a = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
  const __m256i b = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(q));
  return static_cast<std::uint32_t>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(a, b)));
#elif defined(__SSE2__)
  std::uint32_t m = 0;
  for (int half = 0; half < 2; ++half) {
    const __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * half));
    const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(q + 16 * half));
    m |= static_cast<std::uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(a, b))) << (16 * half);
  }
  return m;
#else
  std::uint32_t m = 0;
  for (int i = 0; i < 32; ++i) m |= std::uint32_t{p[i] == q[i]} << i;
  return m;
#endif
}

/// The quote and backslash bits of the 32 bytes at p (all readable): bit i of the result is
/// set when p[i] is either.
inline std::uint32_t quote_or_backslash(const char* p) noexcept {
#if defined(__AVX2__)
  const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
  return static_cast<std::uint32_t>(_mm256_movemask_epi8(
      _mm256_or_si256(_mm256_cmpeq_epi8(v, _mm256_set1_epi8('"')), _mm256_cmpeq_epi8(v, _mm256_set1_epi8('\\')))));
#else
  const block_masks m = masks_of(p);
  return m.quote | m.backslash;
#endif
}

/// For the content of a JSON string that simdjson's first stage has validated (it has a closing
/// quote), from `p` just after the opening quote: its length when no backslash comes before the
/// closing quote, else -1 (an escape: the caller decodes it). Reads whole 32-byte blocks, so
/// the input must stay readable for 32 bytes past the closing quote (simdjson's padding).
/// `limit` bounds the search: -1 when no quote or backslash is found before it.
inline std::ptrdiff_t unescaped_length(const char* p, const char* limit) noexcept {
  for (const char* q = p; q < limit; q += 32) {
    const std::uint32_t m = quote_or_backslash(q);
    if (m == 0) continue;
    const char* at = q + __builtin_ctz(m);
    return *at == '"' && at < limit ? at - p : -1;
  }
  return -1;
}

// The key at p, as written (just after its opening quote), is the literal `lit`: its bytes, then
// the closing quote. A key written with escapes never matches (no literal has a backslash): the
// callers decode those. Reads 16 bytes from p, which the padding of every document the parser
// walks (SIMDJSON_PADDING) and of every record the envelope scan reads allows.
template <std::size_t N>
[[gnu::always_inline]] inline bool key_is(const char* p, const char (&lit)[N]) noexcept {
  static_assert(N >= 2 && N <= 16, "keys of 1 to 15 bytes");
  constexpr std::size_t n = N - 1;  // the key's bytes; with the quote, n + 1 <= 16
  if constexpr (std::endian::native != std::endian::little) {
    return std::memcmp(p, lit, n) == 0 && p[n] == '"';
  }
  const auto word = [](const char* src, std::size_t len) {
    std::uint64_t w = 0;
    std::memcpy(&w, src, len);
    return w;
  };
  // The literal and its quote as two little-endian words, and the bytes of each that count.
  char want[16] = {};
  for (std::size_t i = 0; i < n; ++i) want[i] = lit[i];
  want[n] = '"';
  const std::uint64_t lo = word(want, 8), hi = word(want + 8, 8);
  constexpr std::size_t used = n + 1;
  constexpr std::uint64_t lo_mask = used >= 8 ? ~std::uint64_t{0} : (std::uint64_t{1} << (8 * used)) - 1;
  if constexpr (used <= 8) {
    return (word(p, 8) & lo_mask) == lo;
  } else {
    constexpr std::uint64_t hi_mask = used >= 16 ? ~std::uint64_t{0} : (std::uint64_t{1} << (8 * (used - 8))) - 1;
    return word(p, 8) == lo && (word(p + 8, 8) & hi_mask) == hi;
  }
}

}  // namespace k8saudit::detail
