// SPDX-License-Identifier: Apache-2.0
#include "k8saudit/sketches.h"

#include <xxhash.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <functional>
#include <limits>

namespace k8saudit {

namespace {

constexpr std::uint8_t format_version = 1;
constexpr char tag_hll = 'H';
constexpr char tag_distinct = 'D';
constexpr char tag_quantile = 'Q';
constexpr char tag_topk = 'T';

unexpected<error> corrupt(std::string_view field, std::string_view detail) {
  return unexpected(errc::format_mismatch, field, detail);
}

// ---- little-endian writers -------------------------------------------------------------------

void put_u8(std::string& out, std::uint8_t v) { out.push_back(static_cast<char>(v)); }

void put_varint(std::string& out, std::uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

std::size_t varint_size(std::uint64_t v) noexcept {
  std::size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

void put_f64(std::string& out, double d) {
  auto bits = std::bit_cast<std::uint64_t>(d);
  for (int i = 0; i < 8; ++i) {
    out.push_back(static_cast<char>(bits & 0xff));
    bits >>= 8;
  }
}

void put_header(std::string& out, char tag) {
  out.push_back(tag);
  put_u8(out, format_version);
}

std::uint64_t zigzag(std::int64_t v) noexcept {
  return (static_cast<std::uint64_t>(v) << 1) ^ (v < 0 ? ~std::uint64_t{0} : std::uint64_t{0});
}

std::int64_t unzigzag(std::uint64_t u) noexcept {
  const auto half = static_cast<std::int64_t>(u >> 1);
  return (u & 1) != 0 ? -half - 1 : half;
}

// ---- bounds-checked reader -------------------------------------------------------------------

class byte_reader {
 public:
  explicit byte_reader(std::string_view in) noexcept : rest_(in) {}

  [[nodiscard]] std::string_view rest() const noexcept { return rest_; }
  [[nodiscard]] std::size_t remaining() const noexcept { return rest_.size(); }

  bool u8(std::uint8_t& v) noexcept {
    if (rest_.empty()) return false;
    v = static_cast<std::uint8_t>(rest_.front());
    rest_.remove_prefix(1);
    return true;
  }

  // LEB128, at most 10 bytes, no bits beyond 64.
  bool varint(std::uint64_t& v) noexcept {
    v = 0;
    for (unsigned shift = 0; shift < 64; shift += 7) {
      std::uint8_t b = 0;
      if (!u8(b)) return false;
      if (shift == 63 && b > 1) return false;
      v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) return true;
    }
    return false;
  }

  bool f64(double& d) noexcept {
    if (rest_.size() < 8) return false;
    std::uint64_t bits = 0;
    for (std::size_t i = 0; i < 8; ++i) bits |= static_cast<std::uint64_t>(static_cast<std::uint8_t>(rest_[i])) << (8 * i);
    rest_.remove_prefix(8);
    d = std::bit_cast<double>(bits);
    return true;
  }

  bool bytes(std::size_t n, std::string_view& s) noexcept {
    if (rest_.size() < n) return false;
    s = rest_.substr(0, n);
    rest_.remove_prefix(n);
    return true;
  }

 private:
  std::string_view rest_;
};

constexpr std::string_view truncated = "truncated sketch";

result<void> read_header(byte_reader& r, char tag, std::string_view field) {
  std::uint8_t t = 0;
  std::uint8_t v = 0;
  if (!r.u8(t) || !r.u8(v)) return corrupt(field, truncated);
  if (static_cast<char>(t) != tag) return corrupt(field, "not a sketch of this type");
  if (v != format_version) return corrupt(field, "unsupported sketch format version");
  return {};
}

}  // namespace

std::uint64_t sketch_hash(std::string_view value) noexcept {
  return XXH3_64bits(value.data(), value.size());
}

// ===== hyperloglog ==============================================================================

namespace {

constexpr std::string_view hll_field = "hyperloglog";

// Ertl (2017): sigma(x) = x + sum_{k>=1} x^(2^k) 2^(k-1), for x in [0, 1].
double hll_sigma(double x) noexcept {
  if (x == 1.0) return std::numeric_limits<double>::infinity();
  double y = 1.0;
  double z = x;
  for (;;) {
    x *= x;
    const double prev = z;
    z += x * y;
    y += y;
    if (z == prev) return z;
  }
}

// Ertl (2017): tau(x) = (1 - x - sum_{k>=1} (1 - x^(2^-k))^2 2^-k) / 3, for x in [0, 1].
double hll_tau(double x) noexcept {
  if (x == 0.0 || x == 1.0) return 0.0;
  double y = 1.0;
  double z = 1.0 - x;
  for (;;) {
    x = std::sqrt(x);
    const double prev = z;
    y *= 0.5;
    z -= (1.0 - x) * (1.0 - x) * y;
    if (z == prev) return z / 3.0;
  }
}

}  // namespace

hyperloglog::hyperloglog(int precision)
    : p_(static_cast<std::uint8_t>(std::clamp(precision, min_precision, max_precision))),
      reg_(std::size_t{1} << p_, 0) {}

void hyperloglog::add_hash(std::uint64_t hash) noexcept {
  const std::size_t index = static_cast<std::size_t>(hash >> (64 - p_));
  const std::uint64_t rest = hash << p_;
  const int max_rank = 65 - p_;
  const int rank = rest == 0 ? max_rank : std::countl_zero(rest) + 1;
  const auto r = static_cast<std::uint8_t>(rank);
  if (reg_[index] < r) reg_[index] = r;
}

double hyperloglog::estimate() const noexcept {
  const int q = 64 - p_;
  std::array<std::uint32_t, 66> hist{};  // register values 0..q+1, q = 64-p <= 60
  for (std::uint8_t r : reg_) ++hist[r];
  const double m = static_cast<double>(reg_.size());
  if (hist[0] == reg_.size()) return 0.0;
  double z = m * hll_tau(1.0 - static_cast<double>(hist[static_cast<std::size_t>(q) + 1]) / m);
  for (int k = q; k >= 1; --k) {
    z += static_cast<double>(hist[static_cast<std::size_t>(k)]);
    z *= 0.5;
  }
  z += m * hll_sigma(static_cast<double>(hist[0]) / m);
  const double alpha_inf = 0.5 / std::log(2.0);
  return alpha_inf * m * m / z;
}

double hyperloglog::standard_error() const noexcept {
  return 1.04 / std::sqrt(static_cast<double>(reg_.size()));
}

bool hyperloglog::empty() const noexcept {
  return std::all_of(reg_.begin(), reg_.end(), [](std::uint8_t r) { return r == 0; });
}

result<void> hyperloglog::merge(const hyperloglog& other) {
  if (other.p_ != p_) return corrupt(hll_field, "cannot merge hyperloglog sketches of different precision");
  for (std::size_t i = 0; i < reg_.size(); ++i) reg_[i] = std::max(reg_[i], other.reg_[i]);
  return {};
}

void hyperloglog::serialize(std::string& out) const {
  std::size_t nonzero = 0;
  std::size_t sparse = 0;
  std::size_t next = 0;  // the first index a gap of 0 would name
  for (std::size_t i = 0; i < reg_.size(); ++i) {
    if (reg_[i] == 0) continue;
    ++nonzero;
    sparse += varint_size(i - next) + 1;
    next = i + 1;
  }
  sparse += varint_size(nonzero);
  const std::size_t dense = reg_.size() / 4 * 3;
  put_header(out, tag_hll);
  put_u8(out, p_);
  if (sparse < dense) {
    put_u8(out, 0);
    put_varint(out, nonzero);
    next = 0;
    for (std::size_t i = 0; i < reg_.size(); ++i) {
      if (reg_[i] == 0) continue;
      put_varint(out, i - next);
      put_u8(out, reg_[i]);
      next = i + 1;
    }
  } else {
    put_u8(out, 1);
    // Four 6-bit registers in three bytes, little-endian.
    for (std::size_t i = 0; i < reg_.size(); i += 4) {
      const std::uint32_t w = static_cast<std::uint32_t>(reg_[i]) | static_cast<std::uint32_t>(reg_[i + 1]) << 6 |
                              static_cast<std::uint32_t>(reg_[i + 2]) << 12 |
                              static_cast<std::uint32_t>(reg_[i + 3]) << 18;
      put_u8(out, static_cast<std::uint8_t>(w & 0xff));
      put_u8(out, static_cast<std::uint8_t>((w >> 8) & 0xff));
      put_u8(out, static_cast<std::uint8_t>((w >> 16) & 0xff));
    }
  }
}

result<hyperloglog> hyperloglog::deserialize(std::string_view& in) {
  byte_reader r(in);
  if (auto h = read_header(r, tag_hll, hll_field); !h) return unexpected(h.error());
  std::uint8_t p = 0;
  std::uint8_t encoding = 0;
  if (!r.u8(p) || !r.u8(encoding)) return corrupt(hll_field, truncated);
  if (p < min_precision || p > max_precision) return corrupt(hll_field, "hyperloglog precision out of range");
  const std::size_t m = std::size_t{1} << p;
  const int max_rank = 65 - p;
  hyperloglog h(p);
  if (encoding == 0) {
    std::uint64_t n = 0;
    if (!r.varint(n)) return corrupt(hll_field, truncated);
    if (n > m) return corrupt(hll_field, "too many hyperloglog registers");
    std::size_t next = 0;  // registers below `next` are already decided
    for (std::uint64_t k = 0; k < n; ++k) {
      std::uint64_t gap = 0;
      std::uint8_t v = 0;
      if (!r.varint(gap) || !r.u8(v)) return corrupt(hll_field, truncated);
      if (gap >= m - next) return corrupt(hll_field, "hyperloglog register index out of range");
      const std::size_t i = next + static_cast<std::size_t>(gap);
      if (v == 0 || v > max_rank) return corrupt(hll_field, "hyperloglog register value out of range");
      h.reg_[i] = v;
      next = i + 1;
    }
  } else if (encoding == 1) {
    std::string_view packed;
    if (!r.bytes(m / 4 * 3, packed)) return corrupt(hll_field, truncated);
    for (std::size_t i = 0, b = 0; i < m; i += 4, b += 3) {
      const std::uint32_t w = static_cast<std::uint32_t>(static_cast<std::uint8_t>(packed[b])) |
                              static_cast<std::uint32_t>(static_cast<std::uint8_t>(packed[b + 1])) << 8 |
                              static_cast<std::uint32_t>(static_cast<std::uint8_t>(packed[b + 2])) << 16;
      for (std::size_t j = 0; j < 4; ++j) {
        const auto v = static_cast<std::uint8_t>((w >> (6 * j)) & 0x3f);
        if (v > max_rank) return corrupt(hll_field, "hyperloglog register value out of range");
        h.reg_[i + j] = v;
      }
    }
  } else {
    return corrupt(hll_field, "unknown hyperloglog encoding");
  }
  in = r.rest();
  return h;
}

// ===== distinct_counter =========================================================================

namespace {

constexpr std::string_view distinct_field = "distinct_counter";

// Fibonacci hashing of an already-mixed hash into a table of 2^bits slots.
std::size_t slot_of(std::uint64_t hash, std::size_t table_size) noexcept {
  const int bits = std::countr_zero(table_size);
  return static_cast<std::size_t>((hash * 0x9E3779B97F4A7C15ULL) >> (64 - bits));
}

}  // namespace

distinct_counter::distinct_counter(std::uint64_t exact_limit, int precision)
    : limit_(std::min(exact_limit, max_limit)),
      p_(static_cast<std::uint8_t>(std::clamp(precision, hyperloglog::min_precision, hyperloglog::max_precision))) {}

bool distinct_counter::contains(std::uint64_t hash) const noexcept {
  if (hash == 0) return has_zero_;
  if (slots_.empty()) return false;
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t i = slot_of(hash, slots_.size());; i = (i + 1) & mask) {
    if (slots_[i] == hash) return true;
    if (slots_[i] == 0) return false;
  }
}

void distinct_counter::grow() {
  std::vector<std::uint64_t> old;
  old.swap(slots_);
  slots_.assign(std::max<std::size_t>(16, old.size() * 2), 0);
  const std::size_t mask = slots_.size() - 1;
  for (std::uint64_t h : old) {
    if (h == 0) continue;
    std::size_t i = slot_of(h, slots_.size());
    while (slots_[i] != 0) i = (i + 1) & mask;
    slots_[i] = h;
  }
}

bool distinct_counter::insert_exact(std::uint64_t hash) {
  if (hash == 0) {
    if (has_zero_) return false;
    has_zero_ = true;
    ++size_;
    return true;
  }
  if ((size_ + 1) * 2 > slots_.size()) grow();
  const std::size_t mask = slots_.size() - 1;
  std::size_t i = slot_of(hash, slots_.size());
  while (slots_[i] != 0) {
    if (slots_[i] == hash) return false;
    i = (i + 1) & mask;
  }
  slots_[i] = hash;
  ++size_;
  return true;
}

void distinct_counter::switch_to_hll() {
  hll_.emplace(p_);
  for (std::uint64_t h : slots_)
    if (h != 0) hll_->add_hash(h);
  if (has_zero_) hll_->add_hash(0);
  std::vector<std::uint64_t>().swap(slots_);
  has_zero_ = false;
  size_ = 0;
}

std::size_t distinct_counter::memory_bytes() const noexcept {
  return hll_ ? (std::size_t{1} << p_) : slots_.capacity() * sizeof(std::uint64_t);
}

void distinct_counter::use_sketch() {
  if (!hll_) switch_to_hll();
}

void distinct_counter::add_hash(std::uint64_t hash) {
  if (hll_) {
    hll_->add_hash(hash);
    return;
  }
  if (insert_exact(hash) && size_ > limit_) switch_to_hll();
}

std::uint64_t distinct_counter::estimate() const noexcept {
  if (hll_) return static_cast<std::uint64_t>(std::llround(hll_->estimate()));
  return size_;
}

std::vector<std::uint64_t> distinct_counter::sorted_hashes() const {
  std::vector<std::uint64_t> v;
  v.reserve(static_cast<std::size_t>(size_));
  if (has_zero_) v.push_back(0);
  for (std::uint64_t h : slots_)
    if (h != 0) v.push_back(h);
  std::sort(v.begin(), v.end());
  return v;
}

result<void> distinct_counter::merge(const distinct_counter& other) {
  if (other.limit_ != limit_ || other.p_ != p_)
    return corrupt(distinct_field, "cannot merge distinct counters with different limit or precision");
  if (&other == this) return {};  // a set united with itself
  if (other.hll_) {
    if (!hll_) switch_to_hll();
    return hll_->merge(*other.hll_);
  }
  if (other.has_zero_) add_hash(0);
  for (std::uint64_t h : other.slots_)
    if (h != 0) add_hash(h);
  return {};
}

void distinct_counter::serialize(std::string& out) const {
  put_header(out, tag_distinct);
  put_u8(out, p_);
  put_varint(out, limit_);
  if (hll_) {
    put_u8(out, 1);
    hll_->serialize(out);
    return;
  }
  put_u8(out, 0);
  const std::vector<std::uint64_t> v = sorted_hashes();
  put_varint(out, v.size());
  std::uint64_t prev = 0;
  for (std::size_t i = 0; i < v.size(); ++i) {
    put_varint(out, i == 0 ? v[i] : v[i] - prev);
    prev = v[i];
  }
}


result<distinct_counter> distinct_counter::deserialize(std::string_view& in) {
  byte_reader r(in);
  if (auto h = read_header(r, tag_distinct, distinct_field); !h) return unexpected(h.error());
  std::uint8_t p = 0;
  std::uint64_t limit = 0;
  std::uint8_t mode = 0;
  if (!r.u8(p) || !r.varint(limit) || !r.u8(mode)) return corrupt(distinct_field, truncated);
  if (p < hyperloglog::min_precision || p > hyperloglog::max_precision)
    return corrupt(distinct_field, "hyperloglog precision out of range");
  if (limit > max_limit) return corrupt(distinct_field, "exact limit out of range");
  distinct_counter d(limit, p);
  if (mode == 1) {
    std::string_view rest = r.rest();
    auto h = hyperloglog::deserialize(rest);
    if (!h) return unexpected(h.error());
    if (h->precision() != p) return corrupt(distinct_field, "hyperloglog precision mismatch");
    d.hll_.emplace(std::move(*h));
    in = rest;
    return d;
  }
  if (mode != 0) return corrupt(distinct_field, "unknown distinct counter mode");
  std::uint64_t n = 0;
  if (!r.varint(n)) return corrupt(distinct_field, truncated);
  if (n > limit) return corrupt(distinct_field, "more exact values than the limit");
  if (n > r.remaining()) return corrupt(distinct_field, truncated);  // each value takes >= 1 byte
  while (d.slots_.size() < 2 * n) d.grow();
  std::uint64_t prev = 0;
  for (std::uint64_t k = 0; k < n; ++k) {
    std::uint64_t delta = 0;
    if (!r.varint(delta)) return corrupt(distinct_field, truncated);
    if (k > 0 && (delta == 0 || delta > std::numeric_limits<std::uint64_t>::max() - prev))
      return corrupt(distinct_field, "exact values not strictly increasing");
    const std::uint64_t h = k == 0 ? delta : prev + delta;
    d.insert_exact(h);
    prev = h;
  }
  in = r.rest();
  return d;
}

bool operator==(const distinct_counter& a, const distinct_counter& b) noexcept {
  if (a.limit_ != b.limit_ || a.p_ != b.p_ || a.hll_.has_value() != b.hll_.has_value()) return false;
  if (a.hll_) return *a.hll_ == *b.hll_;
  if (a.size_ != b.size_ || a.has_zero_ != b.has_zero_) return false;
  for (std::uint64_t h : a.slots_)
    if (h != 0 && !b.contains(h)) return false;
  return true;
}

// ===== quantile_sketch ==========================================================================

namespace {

constexpr std::string_view quantile_field = "quantile_sketch";

// |bucket index| never exceeds this for any finite positive double (ln of the extremes < 746).
std::int64_t index_bound(double log_gamma) noexcept {
  return static_cast<std::int64_t>(std::ceil(746.0 / log_gamma)) + 2;
}

}  // namespace

quantile_sketch::quantile_sketch(double relative_accuracy, std::uint32_t max_buckets)
    : cap_(std::clamp(max_buckets, min_max_buckets, max_max_buckets)) {
  if (std::isnan(relative_accuracy)) relative_accuracy = default_relative_accuracy;
  set_accuracy(std::clamp(relative_accuracy, min_relative_accuracy, max_relative_accuracy));
}

void quantile_sketch::set_accuracy(double alpha) {
  alpha_ = alpha;
  const double gamma = (1.0 + alpha) / (1.0 - alpha);
  log_gamma_ = std::log1p(2.0 * alpha / (1.0 - alpha));
  rep_factor_ = 2.0 / (1.0 + gamma);
}

std::int32_t quantile_sketch::index_of(double v) const noexcept {
  return static_cast<std::int32_t>(std::ceil(std::log(v) / log_gamma_));
}

double quantile_sketch::bucket_value(std::int32_t index) const noexcept {
  return std::exp(static_cast<double>(index) * log_gamma_) * rep_factor_;
}

void quantile_sketch::relayout(std::int32_t new_lo, std::int32_t new_hi) {
  if (new_lo == lo_) {  // growing upwards only: no move
    counts_.resize(static_cast<std::size_t>(static_cast<std::int64_t>(new_hi) - new_lo + 1), 0);
    return;
  }
  std::vector<std::uint64_t> next(static_cast<std::size_t>(static_cast<std::int64_t>(new_hi) - new_lo + 1), 0);
  for (std::size_t j = 0; j < counts_.size(); ++j) {
    const std::int64_t i = std::max<std::int64_t>(lo_ + static_cast<std::int64_t>(j), new_lo);
    next[static_cast<std::size_t>(i - new_lo)] += counts_[j];
  }
  counts_.swap(next);
  lo_ = new_lo;
}

void quantile_sketch::add_to_sum(double v) noexcept {
  // Neumaier's compensated summation; the compensation term is symmetric in its operands.
  // An overflow to +inf stays there, with no compensation (inf - inf would be NaN).
  const double t = sum_ + v;
  if (std::isinf(t)) {
    sum_ = t;
    sum_comp_ = 0.0;
    return;
  }
  const double e = std::fabs(sum_) >= std::fabs(v) ? (sum_ - t) + v : (v - t) + sum_;
  sum_comp_ += e;
  sum_ = t;
}

bool quantile_sketch::add(double value) {
  if (!std::isfinite(value)) return false;
  if (value <= 0.0) value = 0.0;  // also turns -0.0 into +0.0
  if (count_ == 0) {
    min_ = max_ = value;
  } else {
    min_ = std::min(min_, value);
    max_ = std::max(max_, value);
  }
  ++count_;
  add_to_sum(value);
  if (value == 0.0) {
    ++zeros_;
    return true;
  }
  const std::int32_t i = index_of(value);
  if (counts_.empty()) {
    lo_ = i;
    counts_.assign(1, 1);
    return true;
  }
  const std::int32_t hi = lo_ + static_cast<std::int32_t>(counts_.size()) - 1;
  if (i < lo_ || i > hi) {
    const std::int32_t new_hi = std::max(hi, i);
    std::int32_t new_lo = std::min(lo_, i);
    if (static_cast<std::int64_t>(new_hi) - new_lo + 1 > static_cast<std::int64_t>(cap_))
      new_lo = new_hi - static_cast<std::int32_t>(cap_) + 1;  // collapse the lowest buckets
    relayout(new_lo, new_hi);
  }
  ++counts_[static_cast<std::size_t>(std::max(i, lo_) - lo_)];
  return true;
}

double quantile_sketch::min() const noexcept {
  return count_ == 0 ? std::numeric_limits<double>::quiet_NaN() : min_;
}

double quantile_sketch::max() const noexcept {
  return count_ == 0 ? std::numeric_limits<double>::quiet_NaN() : max_;
}

double quantile_sketch::mean() const noexcept {
  return count_ == 0 ? std::numeric_limits<double>::quiet_NaN() : sum() / static_cast<double>(count_);
}

double quantile_sketch::quantile(double q) const noexcept {
  if (count_ == 0 || std::isnan(q)) return std::numeric_limits<double>::quiet_NaN();
  q = std::clamp(q, 0.0, 1.0);
  const auto rank = static_cast<std::uint64_t>(std::floor(q * static_cast<double>(count_ - 1)));
  if (rank == 0) return min_;
  if (rank >= count_ - 1) return max_;
  if (rank < zeros_) return 0.0;
  const std::uint64_t r = rank - zeros_;
  std::uint64_t seen = 0;
  for (std::size_t j = 0; j < counts_.size(); ++j) {
    seen += counts_[j];
    if (r < seen) return std::clamp(bucket_value(lo_ + static_cast<std::int32_t>(j)), min_, max_);
  }
  return max_;
}

std::vector<std::pair<std::int32_t, std::uint64_t>> quantile_sketch::buckets() const {
  std::vector<std::pair<std::int32_t, std::uint64_t>> v;
  for (std::size_t j = 0; j < counts_.size(); ++j)
    if (counts_[j] != 0) v.emplace_back(lo_ + static_cast<std::int32_t>(j), counts_[j]);
  return v;
}

result<void> quantile_sketch::merge(const quantile_sketch& other) {
  if (std::bit_cast<std::uint64_t>(other.alpha_) != std::bit_cast<std::uint64_t>(alpha_) || other.cap_ != cap_)
    return corrupt(quantile_field, "cannot merge quantile sketches with different accuracy or bucket limit");
  if (other.count_ == 0) return {};
  if (&other == this) {
    const quantile_sketch copy = other;
    return merge(copy);
  }
  if (count_ == 0) {
    min_ = other.min_;
    max_ = other.max_;
  } else {
    min_ = std::min(min_, other.min_);
    max_ = std::max(max_, other.max_);
  }
  count_ += other.count_;
  zeros_ += other.zeros_;
  if (const double t = sum_ + other.sum_; std::isinf(t)) {
    sum_ = t;
    sum_comp_ = 0.0;
  } else {
    const double e = std::fabs(sum_) >= std::fabs(other.sum_) ? (sum_ - t) + other.sum_ : (other.sum_ - t) + sum_;
    sum_comp_ = (sum_comp_ + other.sum_comp_) + e;
    sum_ = t;
  }
  if (other.counts_.empty()) return {};
  if (counts_.empty()) {
    lo_ = other.lo_;
    counts_ = other.counts_;
    return {};
  }
  const std::int32_t hi = lo_ + static_cast<std::int32_t>(counts_.size()) - 1;
  const std::int32_t other_hi = other.lo_ + static_cast<std::int32_t>(other.counts_.size()) - 1;
  const std::int32_t new_hi = std::max(hi, other_hi);
  std::int32_t new_lo = std::min(lo_, other.lo_);
  if (static_cast<std::int64_t>(new_hi) - new_lo + 1 > static_cast<std::int64_t>(cap_))
    new_lo = new_hi - static_cast<std::int32_t>(cap_) + 1;
  if (new_lo != lo_ || new_hi != hi) relayout(new_lo, new_hi);
  for (std::size_t j = 0; j < other.counts_.size(); ++j) {
    const std::int32_t i = std::max(other.lo_ + static_cast<std::int32_t>(j), lo_);
    counts_[static_cast<std::size_t>(i - lo_)] += other.counts_[j];
  }
  return {};
}

void quantile_sketch::serialize(std::string& out) const {
  put_header(out, tag_quantile);
  put_f64(out, alpha_);
  put_varint(out, cap_);
  put_varint(out, count_);
  put_varint(out, zeros_);
  put_f64(out, min_);
  put_f64(out, max_);
  put_f64(out, sum_);
  put_f64(out, sum_comp_);
  put_varint(out, counts_.size());
  if (counts_.empty()) return;
  put_varint(out, zigzag(lo_));
  for (std::uint64_t c : counts_) put_varint(out, c);
}

result<quantile_sketch> quantile_sketch::deserialize(std::string_view& in) {
  byte_reader r(in);
  if (auto h = read_header(r, tag_quantile, quantile_field); !h) return unexpected(h.error());
  double alpha = 0;
  std::uint64_t cap = 0;
  std::uint64_t count = 0;
  std::uint64_t zeros = 0;
  double mn = 0;
  double mx = 0;
  double sum = 0;
  double comp = 0;
  std::uint64_t n = 0;
  if (!r.f64(alpha) || !r.varint(cap) || !r.varint(count) || !r.varint(zeros) || !r.f64(mn) || !r.f64(mx) ||
      !r.f64(sum) || !r.f64(comp) || !r.varint(n))
    return corrupt(quantile_field, truncated);
  if (!(alpha >= min_relative_accuracy && alpha <= max_relative_accuracy))
    return corrupt(quantile_field, "relative accuracy out of range");
  if (cap < min_max_buckets || cap > max_max_buckets) return corrupt(quantile_field, "bucket limit out of range");
  if (zeros > count) return corrupt(quantile_field, "more zeros than values");
  if (!std::isfinite(mn) || !std::isfinite(mx) || !(mn >= 0.0) || !(mn <= mx))
    return corrupt(quantile_field, "bad min or max");
  if (!(sum >= 0.0) || !std::isfinite(comp) || (std::isinf(sum) && comp != 0.0))  // sum may be +inf
    return corrupt(quantile_field, "bad sum");
  if (count == 0 && (mn != 0.0 || mx != 0.0 || sum != 0.0 || comp != 0.0))
    return corrupt(quantile_field, "empty sketch with values");
  if (zeros > 0 && mn != 0.0) return corrupt(quantile_field, "zeros counted but min is not 0");
  if ((n == 0) != (count == zeros)) return corrupt(quantile_field, "bucket counts do not add up");
  if (count == zeros && mx != 0.0) return corrupt(quantile_field, "only zeros but max is not 0");
  if (n > cap) return corrupt(quantile_field, "more buckets than the limit");
  quantile_sketch s(alpha, static_cast<std::uint32_t>(cap));
  if (n > 0) {
    if (n > r.remaining()) return corrupt(quantile_field, truncated);  // each count takes >= 1 byte
    std::uint64_t zz = 0;
    if (!r.varint(zz)) return corrupt(quantile_field, truncated);
    const std::int64_t lo = unzigzag(zz);
    const std::int64_t bound = index_bound(s.log_gamma_);
    if (lo < -bound || lo + static_cast<std::int64_t>(n) - 1 > bound)
      return corrupt(quantile_field, "bucket index out of range");
    s.lo_ = static_cast<std::int32_t>(lo);
    s.counts_.resize(static_cast<std::size_t>(n));
    std::uint64_t total = zeros;
    for (std::uint64_t& c : s.counts_) {
      if (!r.varint(c)) return corrupt(quantile_field, truncated);
      if (c > std::numeric_limits<std::uint64_t>::max() - total)
        return corrupt(quantile_field, "bucket counts do not add up");
      total += c;
    }
    if (s.counts_.front() == 0 || s.counts_.back() == 0) return corrupt(quantile_field, "empty edge bucket");
    if (total != count) return corrupt(quantile_field, "bucket counts do not add up");
  }
  s.count_ = count;
  s.zeros_ = zeros;
  s.min_ = mn;
  s.max_ = mx;
  s.sum_ = sum;
  s.sum_comp_ = comp;
  in = r.rest();
  return s;
}

bool operator==(const quantile_sketch& a, const quantile_sketch& b) noexcept {
  const auto same = [](double x, double y) { return std::bit_cast<std::uint64_t>(x) == std::bit_cast<std::uint64_t>(y); };
  return same(a.alpha_, b.alpha_) && a.cap_ == b.cap_ && a.count_ == b.count_ && a.zeros_ == b.zeros_ &&
         same(a.min_, b.min_) && same(a.max_, b.max_) && same(a.sum_, b.sum_) && same(a.sum_comp_, b.sum_comp_) &&
         a.lo_ == b.lo_ && a.counts_ == b.counts_;
}

// ===== top_k ====================================================================================

namespace {

constexpr std::string_view topk_field = "top_k";

bool entry_before(const top_k::entry& a, const top_k::entry& b) noexcept {
  if (a.count != b.count) return a.count > b.count;
  return a.key < b.key;
}

}  // namespace

top_k::top_k(std::size_t capacity) : cap_(std::clamp<std::size_t>(capacity, 1, max_capacity)) {}

bool top_k::heap_less(std::uint32_t a, std::uint32_t b) const noexcept {
  const slot& x = slots_[a];
  const slot& y = slots_[b];
  if (x.count != y.count) return x.count < y.count;
  // Among equal counts: a fixed order on the keys, by hash first (cheap), then by the key.
  if (x.hash != y.hash) return x.hash > y.hash;
  return x.key > y.key;
}

void top_k::sift_up(std::size_t pos) noexcept {
  while (pos > 0) {
    const std::size_t parent = (pos - 1) / 2;
    if (!heap_less(heap_[pos], heap_[parent])) break;
    std::swap(heap_[pos], heap_[parent]);
    pos_[heap_[pos]] = static_cast<std::uint32_t>(pos);
    pos_[heap_[parent]] = static_cast<std::uint32_t>(parent);
    pos = parent;
  }
}

void top_k::sift_down(std::size_t pos) noexcept {
  const std::size_t n = heap_.size();
  for (;;) {
    const std::size_t l = 2 * pos + 1;
    if (l >= n) break;
    std::size_t smallest = l;
    if (l + 1 < n && heap_less(heap_[l + 1], heap_[l])) smallest = l + 1;
    if (!heap_less(heap_[smallest], heap_[pos])) break;
    std::swap(heap_[pos], heap_[smallest]);
    pos_[heap_[pos]] = static_cast<std::uint32_t>(pos);
    pos_[heap_[smallest]] = static_cast<std::uint32_t>(smallest);
    pos = smallest;
  }
}

void top_k::add(std::string_view key, std::uint64_t weight) {
  if (weight == 0) return;
  total_ += weight;
  if (auto it = index_.find(key); it != index_.end()) {
    slots_[it->second].count += weight;
    sift_down(pos_[it->second]);
    return;
  }
  if (slots_.size() < cap_) {
    const auto s = static_cast<std::uint32_t>(slots_.size());
    slots_.push_back(slot{std::string(key), sketch_hash(key), weight, 0});
    pos_.push_back(static_cast<std::uint32_t>(heap_.size()));
    heap_.push_back(s);
    index_.emplace(slots_.back().key, s);
    sift_up(pos_[s]);
    return;
  }
  // Space-Saving: the new key replaces the minimum and inherits its count as its error.
  const std::uint32_t s = heap_[0];
  slot& victim = slots_[s];
  const std::uint64_t floor = victim.count;
  auto node = index_.extract(victim.key);  // reuse the map node: no allocation per eviction
  node.key().assign(key);
  index_.insert(std::move(node));
  victim.key.assign(key);
  victim.hash = sketch_hash(key);
  victim.count = floor + weight;
  victim.error = floor;
  sift_down(0);
}

std::uint64_t top_k::threshold() const noexcept {
  return slots_.size() >= cap_ && !heap_.empty() ? slots_[heap_[0]].count : 0;
}

std::vector<top_k::entry> top_k::entries() const {
  std::vector<entry> v;
  v.reserve(slots_.size());
  for (const slot& s : slots_) v.push_back(entry{s.key, s.count, s.error});
  std::sort(v.begin(), v.end(), entry_before);
  return v;
}

std::vector<top_k::entry> top_k::top(std::size_t k) const {
  std::vector<entry> v = entries();
  if (v.size() > k) v.resize(k);
  return v;
}

bool top_k::guaranteed(const entry& e, std::size_t k) const {
  std::uint64_t bound = threshold();
  if (slots_.size() > k) {
    std::vector<std::uint64_t> counts;
    counts.reserve(slots_.size());
    for (const slot& s : slots_) counts.push_back(s.count);
    std::nth_element(counts.begin(), counts.begin() + static_cast<std::ptrdiff_t>(k), counts.end(),
                     std::greater<>());
    bound = std::max(bound, counts[k]);
  }
  return e.count >= e.error && e.count - e.error > bound;
}

bool top_k::rebuild(std::vector<entry> list) {
  slots_.clear();
  heap_.clear();
  pos_.clear();
  index_.clear();
  slots_.reserve(list.size());
  for (entry& e : list) {
    const auto s = static_cast<std::uint32_t>(slots_.size());
    if (!index_.emplace(e.key, s).second) return false;
    const std::uint64_t h = sketch_hash(e.key);
    slots_.push_back(slot{std::move(e.key), h, e.count, e.error});
    heap_.push_back(s);
    pos_.push_back(s);
  }
  for (std::size_t i = heap_.size() / 2; i-- > 0;) sift_down(i);
  return true;
}

result<void> top_k::merge(const top_k& other) {
  if (other.cap_ != cap_) return corrupt(topk_field, "cannot merge top_k sketches of different capacity");
  if (&other == this) {
    const top_k copy = other;
    return merge(copy);
  }
  // A key missing from a full sketch may have occurred up to that sketch's threshold times there.
  const std::uint64_t mine = threshold();
  const std::uint64_t theirs = other.threshold();
  std::vector<entry> combined;
  combined.reserve(slots_.size() + other.slots_.size());
  for (const slot& s : slots_) {
    if (auto it = other.index_.find(s.key); it != other.index_.end()) {
      const slot& o = other.slots_[it->second];
      combined.push_back(entry{s.key, s.count + o.count, s.error + o.error});
    } else {
      combined.push_back(entry{s.key, s.count + theirs, s.error + theirs});
    }
  }
  for (const slot& o : other.slots_)
    if (!index_.contains(o.key)) combined.push_back(entry{o.key, o.count + mine, o.error + mine});
  std::sort(combined.begin(), combined.end(), entry_before);
  if (combined.size() > cap_) combined.resize(cap_);
  total_ += other.total_;
  (void)rebuild(std::move(combined));  // keys are distinct by construction
  return {};
}

void top_k::serialize(std::string& out) const {
  put_header(out, tag_topk);
  put_varint(out, cap_);
  put_varint(out, total_);
  const std::vector<entry> list = entries();
  put_varint(out, list.size());
  for (const entry& e : list) {
    put_varint(out, e.key.size());
    out.append(e.key);
    put_varint(out, e.count);
    put_varint(out, e.error);
  }
}

result<top_k> top_k::deserialize(std::string_view& in) {
  byte_reader r(in);
  if (auto h = read_header(r, tag_topk, topk_field); !h) return unexpected(h.error());
  std::uint64_t cap = 0;
  std::uint64_t total = 0;
  std::uint64_t n = 0;
  if (!r.varint(cap) || !r.varint(total) || !r.varint(n)) return corrupt(topk_field, truncated);
  if (cap < 1 || cap > max_capacity) return corrupt(topk_field, "capacity out of range");
  if (n > cap) return corrupt(topk_field, "more entries than the capacity");
  if (n > r.remaining() / 3) return corrupt(topk_field, truncated);  // each entry takes >= 3 bytes
  std::vector<entry> list;
  list.reserve(static_cast<std::size_t>(n));
  for (std::uint64_t k = 0; k < n; ++k) {
    std::uint64_t len = 0;
    std::string_view key;
    entry e;
    if (!r.varint(len) || len > r.remaining() || !r.bytes(static_cast<std::size_t>(len), key) ||
        !r.varint(e.count) || !r.varint(e.error))
      return corrupt(topk_field, truncated);
    if (e.count == 0 || e.error > e.count) return corrupt(topk_field, "bad count or error bound");
    e.key.assign(key);
    list.push_back(std::move(e));
  }
  top_k t(static_cast<std::size_t>(cap));
  if (!t.rebuild(std::move(list))) return corrupt(topk_field, "duplicate key");
  t.total_ = total;
  in = r.rest();
  return t;
}

bool operator==(const top_k& a, const top_k& b) {
  if (a.cap_ != b.cap_ || a.total_ != b.total_ || a.slots_.size() != b.slots_.size()) return false;
  for (const top_k::slot& s : a.slots_) {
    auto it = b.index_.find(s.key);
    if (it == b.index_.end()) return false;
    const top_k::slot& o = b.slots_[it->second];
    if (o.count != s.count || o.error != s.error) return false;
  }
  return true;
}

}  // namespace k8saudit
