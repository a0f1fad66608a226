// SPDX-License-Identifier: Apache-2.0
// See envelope_scan.h. Compiled with the parser's SIMD flags. Strings are looked at 32 bytes at
// a time (string_blocks.h): their quote, backslash and control-byte masks. The decoder drops the
// escaping backslashes of a block with a table shuffle (SSSE3) when its only escapes are
// \" \\ \/, and otherwise goes escape by escape; on CPUs with AVX-512 VBMI2 (chosen at run time)
// it first tries 64-byte blocks, packed by one compress instruction.
#include "envelope_scan.h"

#include <cstdint>
#include <cstring>

#include "json_scan.h"
#include "string_blocks.h"

// The AVX-512 decoder (chosen at run time) on x86-64 with GCC or Clang, except in the portable
// build (K8SAUDIT_SIMD=portable: nothing beyond the baseline).
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__)) && !defined(K8SAUDIT_SIMD_portable)
#define K8SAUDIT_WIDE_DECODER 1
#include <immintrin.h>
#else
#define K8SAUDIT_WIDE_DECODER 0
#endif

namespace k8saudit::detail {
namespace {

constexpr bool is_ws(char c) noexcept { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

[[gnu::always_inline]] inline const char* skip_ws(const char* p, const char* end) noexcept {
  if (p < end && static_cast<unsigned char>(*p) > ' ') return p;  // compact JSON: no blank at all
  while (p < end && is_ws(*p)) ++p;
  return p;
}

inline void copy32(char* d, const char* s) noexcept { std::memcpy(d, s, 32); }

#if defined(__SSSE3__)
// Left-packing 8 bytes: for each mask of bytes to drop, the shuffle that moves the kept bytes
// to the front, in order (0x80 clears the rest).
struct pack_table {
  std::uint64_t shuffle[256];
};

constexpr pack_table make_pack_table() noexcept {
  pack_table t{};
  for (unsigned drop = 0; drop < 256; ++drop) {
    std::uint64_t v = 0x8080808080808080ULL;
    unsigned k = 0;
    for (unsigned b = 0; b < 8; ++b) {
      if ((drop >> b & 1) != 0) continue;
      v = (v & ~(std::uint64_t{0xFF} << (8 * k))) | (std::uint64_t{b} << (8 * k));
      ++k;
    }
    t.shuffle[drop] = v;
  }
  return t;
}

alignas(64) constexpr pack_table pack = make_pack_table();

inline std::uint32_t slashes_of(const char* p) noexcept {
#if defined(__AVX2__)
  const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
  return static_cast<std::uint32_t>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(v, _mm256_set1_epi8('/'))));
#else
  const __m128i lo = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  const __m128i hi = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16));
  return static_cast<std::uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(lo, _mm_set1_epi8('/')))) |
         static_cast<std::uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(hi, _mm_set1_epi8('/')))) << 16;
#endif
}

// Copies the 32 bytes at s to d without the bytes whose bit is set in `drop`; returns the
// number written (d has room for 32 + 8).
inline unsigned copy32_dropping(char* d, const char* s, std::uint32_t drop) noexcept {
  unsigned n = 0;
  for (unsigned lane = 0; lane < 4; ++lane) {
    const unsigned m = drop >> (8 * lane) & 0xFF;
    const __m128i bytes = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(s + 8 * lane));
    const __m128i order = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(&pack.shuffle[m]));
    _mm_storel_epi64(reinterpret_cast<__m128i*>(d + n), _mm_shuffle_epi8(bytes, order));
    n += 8 - static_cast<unsigned>(__builtin_popcount(m));
  }
  return n;
}
#endif

// Bits of positions >= n (n <= 32).
constexpr std::uint32_t from_bit(unsigned n) noexcept { return n >= 32 ? 0 : ~std::uint32_t{0} << n; }

// A string without escapes or control characters, from its opening quote at p: its content,
// and p moved past the closing quote. False for anything else. `high` gets a bit set when the
// content has a byte >= 0x80 (its UTF-8 is then to be checked).
[[gnu::always_inline]] inline bool plain_string(const char*& p, const char* end, std::string_view& out, std::uint32_t& high) noexcept {
  for (const char* q = p + 1; q < end; q += 32) {
    const block_masks m = masks_of(q);
    const std::uint32_t special = m.special();
    if (special == 0) {
      high |= m.high;
      continue;
    }
    const unsigned i = static_cast<unsigned>(__builtin_ctz(special));
    high |= m.high & ~from_bit(i);
    if ((m.quote >> i & 1) == 0 || q + i >= end) return false;
    out = std::string_view(p + 1, static_cast<std::size_t>(q + i - p - 1));
    p = q + i + 1;
    return true;
  }
  return false;
}

// After a member's value: `,` (true, more members) or `}` (true, `done` set); false otherwise.
[[gnu::always_inline]] inline bool member_end(const char*& p, const char* end, bool& done) noexcept {
  p = skip_ws(p, end);
  if (p >= end) return false;
  if (*p == ',') {
    p = skip_ws(p + 1, end);
    return true;
  }
  if (*p == '}') {
    ++p;
    done = true;
    return true;
  }
  return false;
}

// The colon after a member's key (p just past the key's closing quote); p is left on the value.
[[gnu::always_inline]] inline bool key_colon(const char*& p, const char* end) noexcept {
  p = skip_ws(p, end);
  if (p >= end || *p != ':') return false;
  p = skip_ws(p + 1, end);
  return p < end;
}

// A member's key and its colon, from the opening quote at p; p is left on the value.
[[gnu::always_inline]] inline bool member_key(const char*& p, const char* end, std::string_view& key, std::uint32_t& high) noexcept {
  if (p >= end || *p != '"' || !plain_string(p, end, key, high)) return false;
  return key_colon(p, end);
}

// The key at p (its opening quote) is `lit` as written, quotes included: p moves past it. The
// envelope's own keys are found this way, by word compares (key_is); any other key, or one
// written with escapes, is read by member_key.
template <std::size_t N>
[[gnu::always_inline]] inline bool take_key(const char*& p, const char* end, const char (&lit)[N]) noexcept {
  if (end - p < static_cast<std::ptrdiff_t>(N + 1) || !key_is(p + 1, lit)) return false;
  p += N + 1;  // the quotes and the N - 1 bytes
  return true;
}

// The object `properties`: plain strings, `log` decoded into a buffer from `mem`.
bool scan_properties(const char*& p, const char* end, arena& mem, aks_envelope& out, bool& have_log) noexcept {
  ++p;  // '{'
  p = skip_ws(p, end);
  if (p < end && *p == '}') {
    ++p;
    return true;
  }
  for (bool done = false; !done;) {
    std::string_view key;
    if (p >= end || *p != '"') return false;
    const bool is_log = take_key(p, end, "log");
    const bool is_pod = !is_log && take_key(p, end, "pod");
    if (is_log || is_pod ? !key_colon(p, end) : !member_key(p, end, key, out.high)) return false;
    if (*p != '"') return false;
    if (is_log) {
      if (have_log) return false;  // a repeated log: the general path decides
      // Room for the rest of the record, which the decoded log cannot outgrow, and the padding.
      out.buffer_size = static_cast<std::size_t>(end - p) + 64;
      out.buffer = mem.allocate(out.buffer_size);
      if (out.buffer == nullptr) return false;
      char* const log_out = out.buffer;
      char* log_end = nullptr;
      const char* after = unescape_string(p + 1, end, log_out, log_end);
      if (after == nullptr) return false;
      out.log = std::string_view(log_out, static_cast<std::size_t>(log_end - log_out));
      out.log_token = std::string_view(p, static_cast<std::size_t>(after - p));
      have_log = true;
      p = after;
    } else {
      std::string_view value;
      if (!plain_string(p, end, value, out.high)) return false;
      if (is_pod) out.pod = value;
    }
    if (!member_end(p, end, done)) return false;
  }
  return true;
}

enum class block_step { more, done, bad };

// One step of the decoder at `src` (the content of the string, not past its end): a block of
// up to 32 bytes decoded into dst, or the closing quote found (`done`: src past it, dst_end
// set), or a byte or escape JSON does not allow (`bad`).
inline block_step decode_block(const char*& src, const char* end, char*& dst, char*& dst_end) noexcept {
  // Within a block, from one special byte to the next (escaped JSON has a backslash every few
  // bytes: the block's masks are computed once, not once per escape).
  const block_masks m = masks_of(src);
  std::uint32_t special = m.special();
  copy32(dst, src);
  if (special == 0) {
    src += 32;
    dst += 32;
    return block_step::more;
  }
#if defined(__SSSE3__)
  // The common block of an event held in a string: its only escapes are \", \\ and \/ (the
  // escaped character stands for itself), none crosses the block's end, and it holds no
  // closing quote. Which backslashes escape is found from the runs of backslashes, without
  // a branch per escape; then they are dropped in one go.
  // Most often every backslash is followed by a quote: the backslashes are the bytes to drop.
  if (end - src > 32 && m.control == 0 && (m.backslash << 1) == m.quote && (m.backslash >> 31) == 0) {
    dst += copy32_dropping(dst, src, m.backslash);
    src += 32;
    return block_step::more;
  }
  // A run of backslashes reaching the block's end is left for the next block.
  const unsigned width = (m.backslash >> 31) == 0 ? 32 : 32 - static_cast<unsigned>(__builtin_clz(~m.backslash | 1));
  if (end - src > 32 && m.control == 0 && width > 1) {
    constexpr std::uint64_t even = 0x5555555555555555ULL, odd = ~even;
    const std::uint64_t inside = (std::uint64_t{1} << width) - 1;
    const std::uint64_t bs = m.backslash & inside;
    const std::uint64_t quote = m.quote & inside;
    const std::uint64_t starts = bs & ~(bs << 1);
    const std::uint64_t even_starts = starts & even, odd_starts = starts & odd;
    const std::uint64_t after_even_runs = (bs + even_starts) & ~bs;  // the byte after each run
    const std::uint64_t after_odd_runs = (bs + odd_starts) & ~bs;
    const std::uint64_t even_runs = bs & ~(bs + even_starts);  // the runs starting at even bits
    const std::uint64_t drop = (even_runs & even) | (bs & ~even_runs & odd);  // 1st, 3rd, ... of a run
    // escaped non-backslashes: after a run of odd length
    const std::uint64_t escaped = (after_even_runs & odd) | (after_odd_runs & even);
    if ((quote & ~escaped) == 0 && (escaped & ~(quote | slashes_of(src))) == 0) {
      dst += copy32_dropping(dst, src, static_cast<std::uint32_t>(drop | ~inside));
      src += width;
      return block_step::more;
    }
  }
#endif
  unsigned done = 0;  // bytes of the block consumed
  for (;;) {
    const unsigned i = static_cast<unsigned>(__builtin_ctz(special));
    copy32(dst, src + done);  // the bytes [done, i)
    dst += i - done;
    if (src + i >= end || (m.backslash >> i & 1) == 0) {
      if (src + i >= end || (m.quote >> i & 1) == 0) return block_step::bad;  // past the record, or a control character
      dst_end = dst;
      src += i + 1;
      return block_step::done;
    }
    const char* esc = src + i;
    if (esc + 1 >= end) return block_step::bad;
    std::size_t used = 2;
    if (esc[1] == '"' || esc[1] == '\\' || esc[1] == '/') {  // the common escapes: the character itself
      *dst++ = esc[1];
    } else {
      used = decode_escape(esc, end, dst);
      if (used == 0) return block_step::bad;
    }
    done = i + static_cast<unsigned>(used);
    special &= from_bit(done);
    if (special == 0) {
      if (done < 32) {
        copy32(dst, src + done);
        dst += 32 - done;
        done = 32;
      }
      src += done;
      return block_step::more;
    }
  }
}

// decode_block as a loop step: true to go on; false when the string is decoded (`result` past
// its closing quote) or rejected (`result` nullptr).
inline bool decode_step(const char*& src, const char* end, char*& dst, char*& dst_end, const char*& result) noexcept {
  switch (decode_block(src, end, dst, dst_end)) {
    case block_step::more: return true;
    case block_step::done: result = src; return false;
    case block_step::bad: break;
  }
  result = nullptr;
  return false;
}

#if K8SAUDIT_WIDE_DECODER
// With AVX-512 (VBMI2), the common 64-byte block (only \" \\ \/ escapes, no closing quote) is
// packed by one compress instruction; every other block takes the steps above. Chosen at run
// time.
__attribute__((target("avx512f,avx512bw,avx512vbmi2,popcnt"))) const char* unescape_wide(const char* src,
                                                                                       const char* end, char* dst,
                                                                                       char*& dst_end) noexcept {
  const __m512i quote = _mm512_set1_epi8('"'), backslash = _mm512_set1_epi8('\\'), slash = _mm512_set1_epi8('/'),
                space = _mm512_set1_epi8(' ');
  constexpr std::uint64_t even = 0x5555555555555555ULL;
  // Blocks advance by 64 bytes whatever they hold, so that the next load does not wait for this
  // one's masks. `carry`: the last byte of the block before was an escaping backslash, so this
  // block's first byte is escaped.
  std::uint64_t carry = 0;
  while (src < end) {
    if (end - src > 64) {
      const __m512i v = _mm512_loadu_si512(src);
      const std::uint64_t bs = _mm512_cmpeq_epi8_mask(v, backslash);
      const std::uint64_t q = _mm512_cmpeq_epi8_mask(v, quote);
      const std::uint64_t sl = _mm512_cmpeq_epi8_mask(v, slash);
      const std::uint64_t control = _mm512_cmplt_epu8_mask(v, space);
      // The escaped bytes, from the runs of backslashes (an odd run escapes the byte after it).
      const std::uint64_t starts = bs & ~carry;  // an escaped first byte starts no escape
      const std::uint64_t follows = (starts << 1) | carry;
      const std::uint64_t odd_starts = starts & ~even & ~follows;
      const std::uint64_t runs_from_even = odd_starts + starts;
      const std::uint64_t escaped = (even ^ (runs_from_even << 1)) & follows;
      const std::uint64_t drop = bs & ~escaped;  // the escaping backslashes
      // Only \" \\ \/ (the byte stands for itself), no closing quote, no control byte.
      if ((control | (q & ~escaped) | (escaped & ~(q | bs | sl))) == 0) {
        _mm512_storeu_si512(dst, _mm512_maskz_compress_epi8(~drop, v));
        dst += 64 - __builtin_popcountll(drop);
        src += 64;
        carry = drop >> 63;
        continue;
      }
    }
    src -= carry;  // back to the backslash (not written): the steps below decode its escape
    carry = 0;
    if (const char* result = nullptr; !decode_step(src, end, dst, dst_end, result)) return result;
  }
  return nullptr;
}

bool wide_supported() noexcept {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
         __builtin_cpu_supports("avx512vbmi2") && __builtin_cpu_supports("popcnt");
}

const bool use_wide = wide_supported();
#endif

}  // namespace

const char* unescape_string_baseline(const char* src, const char* end, char* dst, char*& dst_end) noexcept {
  while (src < end) {
    if (const char* result = nullptr; !decode_step(src, end, dst, dst_end, result)) return result;
  }
  return nullptr;
}

bool wide_decoder_available() noexcept {
#if K8SAUDIT_WIDE_DECODER
  return use_wide;
#else
  return false;
#endif
}

const char* unescape_string(const char* src, const char* end, char* dst, char*& dst_end) noexcept {
#if K8SAUDIT_WIDE_DECODER
  if (use_wide) return unescape_wide(src, end, dst, dst_end);
#endif
  return unescape_string_baseline(src, end, dst, dst_end);
}

bool scan_aks_envelope(const char* data, std::size_t len, arena& mem, bool (*ignorable)(std::string_view),
                       aks_envelope& out) noexcept {
  const char* const end = data + len;
  const char* p = skip_ws(data, end);
  if (p >= end || *p != '{') return false;
  p = skip_ws(p + 1, end);
  bool have_properties = false, have_log = false;
  enum class member { properties, category, operation_name, resource_id, time, other };
  for (bool done = false; !done;) {
    if (p >= end || *p != '"') return false;
    member m = member::other;
    if (take_key(p, end, "properties")) {
      m = member::properties;
    } else if (take_key(p, end, "category")) {
      m = member::category;
    } else if (take_key(p, end, "operationName")) {
      m = member::operation_name;  // a string, as the general path requires, and not kept
    } else if (take_key(p, end, "resourceId")) {
      m = member::resource_id;
    } else if (take_key(p, end, "time")) {
      m = member::time;
    }
    std::string_view key;
    if (m == member::other ? !member_key(p, end, key, out.high) : !key_colon(p, end)) return false;
    if (m == member::properties) {
      if (have_properties || *p != '{') return false;
      have_properties = true;
      if (!scan_properties(p, end, mem, out, have_log)) return false;
    } else {
      std::string_view value;
      if (*p != '"' || !plain_string(p, end, value, out.high)) return false;
      if (m == member::category) {
        out.category = value;
      } else if (m == member::resource_id) {
        out.resource_id = value;
      } else if (m == member::time) {
        out.time = value;
      } else if (m == member::other && !ignorable(key)) {
        return false;
      }
    }
    if (!member_end(p, end, done)) return false;
  }
  return have_log && skip_ws(p, end) == end;
}

}  // namespace k8saudit::detail
