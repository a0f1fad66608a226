// SPDX-License-Identifier: Apache-2.0
#include "k8saudit/time.h"

#include <array>
#include <bit>
#include <cstdint>
#include <cstring>
#include <limits>

#include "time_detail.h"

namespace k8saudit {
namespace {

// Every audit event carries two or three timestamps, so parsing is on the hot path: fields are
// read at fixed offsets with plain arithmetic, and the calendar is computed directly rather than
// through <ctime> (which is locale/TZ-stateful and limited to time_t) or std::chrono's
// year_month_day (which re-validates what we already checked).

constexpr std::int64_t ns_per_s = 1'000'000'000;
constexpr std::int64_t s_per_day = 86'400;

// A Gregorian cycle: the calendar repeats exactly every 400 years.
constexpr std::int64_t days_per_400y = 146'097;
constexpr std::int64_t days_per_100y = 36'524;  // a century whose last year is not leap
constexpr std::int64_t days_per_4y = 1'461;

// Counting years from 1 March puts the leap day last, so month lengths never depend on the
// year and the day-of-year of each month is a fixed table.
constexpr std::array<std::uint32_t, 12> march_based_month_start{
    0, 31, 61, 92, 122, 153, 184, 214, 245, 275, 306, 337};

// Days from 0000-03-01 (proleptic Gregorian) to 1970-01-01.
constexpr std::int64_t days_0000_03_01_to_epoch = 719'468;

constexpr std::array<std::uint32_t, 10> pow10{
    1, 10, 100, 1'000, 10'000, 100'000, 1'000'000, 10'000'000, 100'000'000, 1'000'000'000};

// The int64 nanosecond count spans only ~1677-09-21 to ~2262-04-11; anything else is
// syntactically valid but unrepresentable. Split the limits into whole seconds plus a
// non-negative fraction so the check needs no wider integer type.
constexpr std::int64_t ns_max = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t ns_min = std::numeric_limits<std::int64_t>::min();
constexpr std::int64_t max_secs = ns_max / ns_per_s;
constexpr std::int64_t max_secs_frac = ns_max % ns_per_s;
constexpr std::int64_t min_secs = ns_min / ns_per_s - 1;  // floor: ns_min is not a whole second
constexpr std::int64_t min_secs_frac = ns_min % ns_per_s + ns_per_s;
static_assert(ns_min % ns_per_s != 0);

constexpr bool is_leap(std::uint32_t y) noexcept {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

constexpr std::uint32_t days_in_month(std::uint32_t y, std::uint32_t m) noexcept {
  if (m == 2) return is_leap(y) ? 29 : 28;
  return (m == 4 || m == 6 || m == 9 || m == 11) ? 30 : 31;
}

// y in 0..9999, m in 1..12, d already validated.
constexpr std::int64_t days_from_civil(std::uint32_t y, std::uint32_t m, std::uint32_t d) noexcept {
  // January and February belong to the previous March-based year. Adding a whole 400-year
  // cycle keeps that year non-negative for 0000-01/02, so all the division below is unsigned.
  const std::uint32_t my = y + 400 - (m <= 2 ? 1U : 0U);
  const std::uint32_t month_index = m >= 3 ? m - 3 : m + 9;
  const std::uint32_t cycles = my / 400;
  const std::uint32_t year_of_cycle = my % 400;
  const std::uint32_t day_of_year = march_based_month_start[month_index] + d - 1;
  // Leap days before this year in its cycle: one every 4 years, less the century years.
  const std::uint32_t day_of_cycle =
      year_of_cycle * 365 + year_of_cycle / 4 - year_of_cycle / 100 + day_of_year;
  return (static_cast<std::int64_t>(cycles) - 1) * days_per_400y + day_of_cycle -
         days_0000_03_01_to_epoch;
}

struct civil {
  std::int64_t year;
  std::uint32_t month;
  std::uint32_t day;
};

constexpr civil civil_from_days(std::int64_t days) noexcept {
  std::int64_t n = days + days_0000_03_01_to_epoch;
  // Floor division, so dates before 0000-03-01 land in a negative cycle with a positive remainder.
  std::int64_t cycles = n / days_per_400y;
  std::int64_t rest = n % days_per_400y;
  if (rest < 0) {
    rest += days_per_400y;
    --cycles;
  }
  // Peel off centuries, 4-year groups and years. The caps handle the last day of a 400-year
  // cycle and of a 4-year group: that leap day makes the whole one day longer than four of the
  // shorter units, so plain division would overshoot by one unit.
  std::int64_t centuries = rest / days_per_100y;
  if (centuries > 3) centuries = 3;
  rest -= centuries * days_per_100y;
  const std::int64_t quads = rest / days_per_4y;
  rest -= quads * days_per_4y;
  std::int64_t years = rest / 365;
  if (years > 3) years = 3;
  rest -= years * 365;

  const auto day_of_year = static_cast<std::uint32_t>(rest);
  std::uint32_t month_index = 11;
  while (march_based_month_start[month_index] > day_of_year) --month_index;

  civil c{};
  c.year = cycles * 400 + centuries * 100 + quads * 4 + years;
  c.month = month_index < 10 ? month_index + 3 : month_index - 9;
  c.day = day_of_year - march_based_month_start[month_index] + 1;
  if (c.month <= 2) ++c.year;
  return c;
}

// The calendar is checked at compile time over the whole 0000-9999 range the text form allows,
// including the ends that the int64 nanosecond count cannot reach at run time.
static_assert(days_from_civil(1970, 1, 1) == 0);
static_assert(days_from_civil(0, 1, 1) == -719'528);
static_assert(days_from_civil(0, 3, 1) == -days_0000_03_01_to_epoch);
static_assert(days_from_civil(9999, 12, 31) == 2'932'896);
static_assert(days_from_civil(2000, 3, 1) == 11'017);
static_assert(civil_from_days(-719'528).year == 0 && civil_from_days(-719'528).month == 1 &&
              civil_from_days(-719'528).day == 1);
static_assert(civil_from_days(2'932'896).year == 9999 && civil_from_days(2'932'896).month == 12 &&
              civil_from_days(2'932'896).day == 31);
static_assert(civil_from_days(11'016).month == 2 && civil_from_days(11'016).day == 29);

// Unsigned subtraction folds "below '0'" into "above 9", so one compare per byte checks it.
inline std::uint32_t digit(char c) noexcept {
  return static_cast<std::uint32_t>(static_cast<unsigned char>(c)) - '0';
}

// Set in two_digits' result for a non-digit; valid values (<= 99) never have it, so the fields
// can be OR-ed together and checked once.
constexpr std::uint32_t not_digits = 0x80;

inline std::uint32_t two_digits(const char* p) noexcept {
  const std::uint32_t a = digit(p[0]);
  const std::uint32_t b = digit(p[1]);
  if (a > 9 || b > 9) return not_digits;
  return a * 10 + b;
}

inline unexpected<> bad(std::string_view detail) noexcept {
  return unexpected(errc::bad_timestamp, {}, detail);
}

inline void put2(char* p, std::uint32_t v) noexcept {
  p[0] = static_cast<char>('0' + v / 10);
  p[1] = static_cast<char>('0' + v % 10);
}

// ----- Kubernetes' own form, read eight bytes at a time ---------------------------------------
// Audit timestamps are MicroTime, "YYYY-MM-DDTHH:MM:SS.ffffffZ" (27 bytes), and each event has
// two of them. The text is read as four overlapping little-endian words; per word, a mask marks
// the digit bytes and the other bytes must equal fixed separators. Anything else (another
// length or form, a value out of range, a year near the ends of the int64 range) is left to the
// general parser, which also writes the error, so both paths give the same result.

// Per word: which bytes are digits, and the separators the other bytes must be.
struct word_shape {
  std::uint64_t digits;      // 0xFF at digit bytes
  std::uint64_t separators;  // the expected byte at the other bytes, 0 at digit bytes
};

constexpr word_shape shape_of(const char (&pattern)[9]) noexcept {
  word_shape w{0, 0};
  for (unsigned i = 0; i < 8; ++i) {
    const auto c = static_cast<std::uint64_t>(static_cast<unsigned char>(pattern[i]));
    if (pattern[i] == '0') {
      w.digits |= std::uint64_t{0xFF} << (8 * i);
    } else {
      w.separators |= c << (8 * i);
    }
  }
  return w;
}

constexpr word_shape date_word = shape_of("0000-00-");   // bytes 0-7
constexpr word_shape time_word = shape_of("00T00:00");   // bytes 8-15
constexpr word_shape second_word = shape_of(":00.0000");  // bytes 16-23
constexpr word_shape tail_word = shape_of(".000000Z");   // bytes 19-26

// Zero when the word has the shape: separators in place, '0'-'9' at every digit byte (high
// nibble 3; low nibble at most 9, so adding 6 does not carry into the high nibble).
constexpr std::uint64_t shape_mismatch(std::uint64_t w, word_shape s) noexcept {
  constexpr std::uint64_t high = 0xF0F0F0F0F0F0F0F0ULL;
  constexpr std::uint64_t low = 0x0F0F0F0F0F0F0F0FULL;
  const std::uint64_t seps = (w & ~s.digits) ^ s.separators;
  const std::uint64_t not_30 = (w & s.digits & high) ^ (0x3030303030303030ULL & s.digits);
  const std::uint64_t above_9 = ((w & s.digits & low) + (0x0606060606060606ULL & s.digits)) & high;
  return seps | not_30 | above_9;
}

// Byte i of the result is 10 * digit(i) + digit(i + 1): two-digit numbers at every byte (the
// bytes are at most 15 * 10 + 15, so nothing carries into the next one).
constexpr std::uint64_t digit_pairs(std::uint64_t w) noexcept {
  const std::uint64_t n = w & 0x0F0F0F0F0F0F0F0FULL;
  return n * 10 + (n >> 8);
}

constexpr std::uint32_t byte_at(std::uint64_t w, unsigned byte) noexcept {
  return static_cast<std::uint32_t>((w >> (8 * byte)) & 0xFF);
}

inline std::uint64_t load_word(const char* p) noexcept {
  std::uint64_t w;
  std::memcpy(&w, p, sizeof w);
  return w;
}

// The fast form, or false (nothing written) for the general parser to decide.
bool parse_micro_time(std::string_view text, std::int64_t& ns) noexcept {
  if constexpr (std::endian::native != std::endian::little) {
    return false;
  } else {
    if (text.size() != 27) return false;
    const char* s = text.data();
    const std::uint64_t a = load_word(s);
    const std::uint64_t b = load_word(s + 8);
    const std::uint64_t c = load_word(s + 16);
    const std::uint64_t d = load_word(s + 19);
    if ((shape_mismatch(a, date_word) | shape_mismatch(b, time_word) | shape_mismatch(c, second_word) |
         shape_mismatch(d, tail_word)) != 0) {
      return false;
    }
    const std::uint64_t pa = digit_pairs(a), pb = digit_pairs(b), pc = digit_pairs(c), pd = digit_pairs(d);
    const std::uint32_t year = byte_at(pa, 0) * 100 + byte_at(pa, 2);
    const std::uint32_t mon = byte_at(pa, 5);
    const std::uint32_t day = byte_at(pb, 0);
    const std::uint32_t hour = byte_at(pb, 3);
    const std::uint32_t min = byte_at(pb, 6);
    const std::uint32_t sec = byte_at(pc, 1);
    const std::uint32_t micros = byte_at(pc, 4) * 10'000 + byte_at(pc, 6) * 100 + byte_at(pd, 5);
    // Whole years well inside the int64 nanosecond range (1677-09-21 .. 2262-04-11), so the
    // arithmetic below cannot overflow; the general parser handles the edges.
    if (year < 1678 || year > 2261) return false;
    if (mon < 1 || mon > 12 || day < 1 || day > days_in_month(year, mon) || hour > 23 || min > 59 || sec > 59) {
      return false;
    }
    const std::int64_t secs =
        days_from_civil(year, mon, day) * s_per_day + static_cast<std::int64_t>(hour * 3600 + min * 60 + sec);
    ns = secs * ns_per_s + static_cast<std::int64_t>(micros) * 1'000;
    return true;
  }
}

}  // namespace

result<timestamp> parse_timestamp(std::string_view text) noexcept {
  std::int64_t ns = 0;
  if (parse_micro_time(text, ns)) return timestamp{std::chrono::nanoseconds{ns}};
  return detail::parse_timestamp_general(text);
}

namespace {
// The microseconds of ".ffffffZ" read as a word (bytes 19-26 of a MicroTime text).
std::int64_t micros_of(std::uint64_t tail) noexcept {
  const std::uint64_t pairs = digit_pairs(tail);
  return static_cast<std::int64_t>(byte_at(pairs, 1) * 10'000 + byte_at(pairs, 3) * 100 + byte_at(pairs, 5));
}
}  // namespace

result<timestamp> detail::parse_timestamp(std::string_view text, micro_time_cache& cache) noexcept {
  if constexpr (std::endian::native == std::endian::little) {
    if (text.size() == 27 && cache.valid) {
      const char* s = text.data();
      std::uint32_t second = 0;
      std::memcpy(&second, s + 16, 3);
      const std::uint64_t tail = load_word(s + 19);
      // The remembered second, validated when it was read: only ".ffffffZ" is left to check.
      if (load_word(s) == cache.date && load_word(s + 8) == cache.clock && second == cache.second &&
          shape_mismatch(tail, tail_word) == 0) {
        return timestamp{std::chrono::nanoseconds{cache.secs * ns_per_s + micros_of(tail) * 1'000}};
      }
    }
    std::int64_t ns = 0;
    if (!parse_micro_time(text, ns)) return parse_timestamp_general(text);  // as parse_timestamp goes on
    const char* s = text.data();
    cache.valid = true;
    cache.date = load_word(s);
    cache.clock = load_word(s + 8);
    cache.second = 0;
    std::memcpy(&cache.second, s + 16, 3);
    // ns = secs * ns_per_s + micros * 1000 (secs < 0 before 1970): an exact division.
    cache.secs = (ns - micros_of(load_word(s + 19)) * 1'000) / ns_per_s;
    return timestamp{std::chrono::nanoseconds{ns}};
  } else {
    return k8saudit::parse_timestamp(text);
  }
}

result<timestamp> detail::parse_timestamp_general(std::string_view text) noexcept {
  // "YYYY-MM-DDTHH:MM:SS" is the shortest accepted form.
  constexpr std::size_t base_len = 19;
  const std::size_t n = text.size();
  if (n < base_len) return bad("too short for YYYY-MM-DDTHH:MM:SS");
  const char* s = text.data();

  const std::uint32_t y_hi = two_digits(s);
  const std::uint32_t y_lo = two_digits(s + 2);
  const std::uint32_t mon = two_digits(s + 5);
  const std::uint32_t day = two_digits(s + 8);
  const std::uint32_t hour = two_digits(s + 11);
  const std::uint32_t min = two_digits(s + 14);
  const std::uint32_t sec = two_digits(s + 17);
  if (((y_hi | y_lo | mon | day | hour | min | sec) & not_digits) != 0) {
    return bad("expected a digit");
  }
  const char sep = s[10];
  if (s[4] != '-' || s[7] != '-' || s[13] != ':' || s[16] != ':' ||
      (sep != 'T' && sep != 't' && sep != ' ')) {
    return bad("expected YYYY-MM-DDTHH:MM:SS");
  }
  const std::uint32_t year = y_hi * 100 + y_lo;
  if (mon < 1 || mon > 12) return bad("month out of range");
  if (day < 1 || day > days_in_month(year, mon)) return bad("day out of range for the month");
  if (hour > 23) return bad("hour out of range");
  if (min > 59) return bad("minute out of range");
  if (sec > 59) return bad("second out of range (leap seconds are not supported)");

  std::size_t i = base_len;
  std::uint32_t frac = 0;
  if (i < n && s[i] == '.') {
    ++i;
    const std::size_t start = i;
    // Reading at most 10 digits keeps the accumulator in range and is enough to detect "> 9".
    while (i < n && i - start < 10) {
      const std::uint32_t d = digit(s[i]);
      if (d > 9) break;
      frac = frac * 10 + d;
      ++i;
    }
    const std::size_t count = i - start;
    if (count == 0) return bad("no digits after the decimal point");
    if (count > 9) return bad("more than 9 fractional digits");
    frac *= pow10[9 - count];
  }

  std::int64_t offset_s = 0;
  if (i < n) {
    const char z = s[i];
    if (z == 'Z' || z == 'z') {
      ++i;
    } else if (z == '+' || z == '-') {
      if (n - i != 6 || s[i + 3] != ':') return bad("expected a +hh:mm or -hh:mm offset");
      const std::uint32_t oh = two_digits(s + i + 1);
      const std::uint32_t om = two_digits(s + i + 4);
      if (((oh | om) & not_digits) != 0) return bad("expected a digit in the offset");
      if (oh > 23 || om > 59) return bad("offset out of range");
      offset_s = static_cast<std::int64_t>(oh * 3600 + om * 60);
      if (z == '-') offset_s = -offset_s;
      i += 6;
    } else {
      return bad("expected Z or a +hh:mm/-hh:mm offset");
    }
    if (i != n) return bad("unexpected text after the timestamp");
  }

  // Local time minus its offset is UTC.
  const std::int64_t secs = days_from_civil(year, mon, day) * s_per_day +
                            static_cast<std::int64_t>(hour * 3600 + min * 60 + sec) - offset_s;
  const auto f = static_cast<std::int64_t>(frac);
  if (secs > max_secs || (secs == max_secs && f > max_secs_frac) || secs < min_secs ||
      (secs == min_secs && f < min_secs_frac)) {
    return bad("outside the representable range (1677-09-21 to 2262-04-11)");
  }
  // For negative seconds, multiplying first could overflow at the bottom of the range; borrowing
  // one second keeps every intermediate value inside int64.
  const std::int64_t ns = secs < 0 ? (secs + 1) * ns_per_s + (f - ns_per_s) : secs * ns_per_s + f;
  return timestamp{std::chrono::nanoseconds{ns}};
}

std::size_t format_timestamp(timestamp t, int digits, char* out) noexcept {
  if (digits < 0 || digits > 9) return 0;
  const std::int64_t ns = t.time_since_epoch().count();
  // Floor division throughout: a time before the epoch is an earlier second plus a positive
  // fraction, so truncating that fraction moves toward the past, consistently with positive times.
  std::int64_t secs = ns / ns_per_s;
  std::int64_t sub = ns % ns_per_s;
  if (sub < 0) {
    sub += ns_per_s;
    --secs;
  }
  std::int64_t days = secs / s_per_day;
  std::int64_t sod = secs % s_per_day;
  if (sod < 0) {
    sod += s_per_day;
    --days;
  }
  const civil c = civil_from_days(days);
  // Unreachable with an int64 nanosecond count, but the contract is stated for any year.
  if (c.year < 0 || c.year > 9999) return 0;

  const auto y = static_cast<std::uint32_t>(c.year);
  const auto tod = static_cast<std::uint32_t>(sod);
  put2(out, y / 100);
  put2(out + 2, y % 100);
  out[4] = '-';
  put2(out + 5, c.month);
  out[7] = '-';
  put2(out + 8, c.day);
  out[10] = 'T';
  put2(out + 11, tod / 3600);
  out[13] = ':';
  put2(out + 14, tod / 60 % 60);
  out[16] = ':';
  put2(out + 17, tod % 60);
  std::size_t len = 19;
  if (digits > 0) {
    const auto nd = static_cast<std::size_t>(digits);
    out[len++] = '.';
    std::uint32_t f = static_cast<std::uint32_t>(sub) / pow10[9 - nd];
    for (std::size_t k = nd; k > 0; --k) {
      out[len + k - 1] = static_cast<char>('0' + f % 10);
      f /= 10;
    }
    len += nd;
  }
  out[len++] = 'Z';
  return len;
}

}  // namespace k8saudit
