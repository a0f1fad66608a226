// SPDX-License-Identifier: Apache-2.0
// Mergeable, serialisable sketches for the aggregation layer:
//
//   hyperloglog / distinct_counter   dcount(x)          approximate (or exact) distinct counts
//   quantile_sketch                  percentile(x, 99)  relative-error quantiles (DDSketch-style)
//   top_k                            top-k / heavy hitters (Space-Saving)
//
// Every sketch is a copyable value type. `merge(other)` folds in a sketch fed another part of the
// stream, so per-shard/per-thread sketches combine into the sketch of the whole; merging is
// commutative (a.merge(b) and b.merge(a) serialise to the same bytes) and, for hyperloglog,
// distinct_counter and quantile_sketch, associative and exactly equal to one sketch over the whole
// stream (quantile_sketch::sum() up to floating-point rounding). top_k is the exception that the
// algorithm forces: see its comment.
//
// Serialised forms are compact, versioned, little-endian and canonical (equal sketches give equal
// bytes): one type byte ('H', 'D', 'Q', 'T'), one version byte (1), then the body.
// `serialize(out)` appends to `out`; `deserialize(in)` reads one sketch from the front of `in` and,
// on success, advances `in` past it (on failure `in` is left unchanged). A truncated or corrupt
// input is an errc::format_mismatch error with a detail, never a crash; what it allocates is
// bounded by the input's length (plus, for a hyperloglog, its fixed 2^p <= 256 KiB registers).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "k8saudit/error.h"
#include "k8saudit/export.h"

namespace k8saudit {

/// The 64-bit hash the sketches use for string values (XXH3_64bits, seed 0). Callers that count
/// the same value in several sketches can hash once and use `add_hash`.
[[nodiscard]] K8SAUDIT_API std::uint64_t sketch_hash(std::string_view value) noexcept;

/// HyperLogLog distinct-count estimator with 2^p one-byte registers (p in 4..18, default 14:
/// 16 KiB, standard error 1.04/sqrt(2^p) ~ 0.81%). The estimate is Ertl's "improved estimator"
/// (O. Ertl, "New cardinality estimation algorithms for HyperLogLog sketches", 2017), which covers
/// the whole range without switching: at small cardinalities it behaves like linear counting, and
/// it needs no empirical bias tables; with 64-bit hashes no large-range correction is needed.
/// Measured at p=14 (200 runs): RMS relative error 0.5-0.9% and bias under 0.3% from 100 to 10M
/// distinct values, worst run 2.5%; below ~100 values it is off by a value or two at most.
class K8SAUDIT_API hyperloglog {
 public:
  static constexpr int min_precision = 4;
  static constexpr int max_precision = 18;
  static constexpr int default_precision = 14;

  /// `precision` outside 4..18 is clamped into it (see precision()).
  explicit hyperloglog(int precision = default_precision);

  void add(std::string_view value) noexcept { add_hash(sketch_hash(value)); }
  /// Adds a value by its 64-bit hash, which must be well mixed (all bits uniform), e.g. sketch_hash.
  void add_hash(std::uint64_t hash) noexcept;

  /// Estimated number of distinct values added (0 for an empty sketch).
  [[nodiscard]] double estimate() const noexcept;
  [[nodiscard]] int precision() const noexcept { return p_; }
  /// The relative standard error of estimate(): 1.04 / sqrt(2^p).
  [[nodiscard]] double standard_error() const noexcept;
  [[nodiscard]] bool empty() const noexcept;
  /// The 2^p registers (index = top p hash bits; value = 1 + leading zeros of the rest, 0 = none).
  [[nodiscard]] const std::vector<std::uint8_t>& registers() const noexcept { return reg_; }

  /// Register-wise maximum: equal to one sketch over both streams. Fails (format_mismatch) when
  /// the precisions differ; `*this` is then unchanged.
  result<void> merge(const hyperloglog& other);

  /// 'H' 1 p encoding, then either the non-zero registers as (varint index delta, value) pairs or
  /// all registers packed 6 bits each, whichever is shorter (a full p=14 sketch: 12 KiB).
  void serialize(std::string& out) const;
  static result<hyperloglog> deserialize(std::string_view& in);

  friend bool operator==(const hyperloglog&, const hyperloglog&) = default;

 private:
  std::uint8_t p_;
  std::vector<std::uint8_t> reg_;
};

/// Distinct counter for dcount(): exact while it has seen at most `exact_limit` distinct values
/// (default 100000; it keeps their 64-bit hashes in a hash table, 16-32 bytes per value, so two
/// values collide with probability ~n^2/2^65), then switches for good to a hyperloglog of the given
/// precision fed every hash seen so far. is_exact() tells which. The result, and merging, depends
/// only on the set of hashes added: merged parts equal one counter over the whole stream exactly
/// (exact iff the union has at most exact_limit values).
class K8SAUDIT_API distinct_counter {
 public:
  static constexpr std::uint64_t default_limit = 100000;
  static constexpr std::uint64_t max_limit = std::uint64_t{1} << 24;

  /// `exact_limit` above max_limit is clamped; `precision` as for hyperloglog.
  explicit distinct_counter(std::uint64_t exact_limit = default_limit,
                            int precision = hyperloglog::default_precision);

  void add(std::string_view value) { add_hash(sketch_hash(value)); }
  void add_hash(std::uint64_t hash);

  [[nodiscard]] bool is_exact() const noexcept { return !hll_.has_value(); }
  /// The exact count while is_exact(), else the rounded HyperLogLog estimate.
  [[nodiscard]] std::uint64_t estimate() const noexcept;
  [[nodiscard]] std::uint64_t exact_limit() const noexcept { return limit_; }
  [[nodiscard]] int precision() const noexcept { return p_; }
  /// Heap bytes held: the exact set's slots, or the HyperLogLog's registers.
  [[nodiscard]] std::size_t memory_bytes() const noexcept;
  /// Switches to the HyperLogLog now, before the exact limit (frees the exact set; estimate()
  /// becomes approximate). Aggregations call it when their memory limit is reached.
  void use_sketch();

  /// Fails (format_mismatch, `*this` unchanged) when exact_limit or precision differ.
  result<void> merge(const distinct_counter& other);

  /// 'D' 1 p varint(limit) mode; mode 0: varint(n) and the sorted hashes as varint deltas;
  /// mode 1: a serialised hyperloglog.
  void serialize(std::string& out) const;
  static result<distinct_counter> deserialize(std::string_view& in);

  friend K8SAUDIT_API bool operator==(const distinct_counter& a, const distinct_counter& b) noexcept;

 private:
  bool insert_exact(std::uint64_t hash);
  void grow();
  void switch_to_hll();
  [[nodiscard]] std::vector<std::uint64_t> sorted_hashes() const;
  [[nodiscard]] bool contains(std::uint64_t hash) const noexcept;

  std::uint64_t limit_;
  std::uint8_t p_;
  bool has_zero_{false};          // hash 0 is tracked apart: 0 marks an empty slot
  std::uint64_t size_{0};         // distinct hashes in exact mode (including 0)
  std::vector<std::uint64_t> slots_;  // open addressing, linear probing, load <= 1/2
  std::optional<hyperloglog> hll_;    // set once past the limit
};

/// Relative-error quantiles of non-negative values (latencies, sizes), DDSketch-style
/// (Masson, Rim, Lee, "DDSketch", VLDB 2019): value x > 0 goes to bucket i = ceil(log_g(x)),
/// g = (1+a)/(1-a), and a bucket answers with 2 g^i / (g+1), within relative error a of every
/// value in it. Zeros are counted apart; count, min and max are exact, sum is a compensated
/// (Neumaier) floating-point sum.
///
/// quantile(q) estimates the value at 0-based rank floor(q * (count-1)) of the sorted values,
/// within relative error a (default 0.01) -- quantile(0) and quantile(1) are the exact min and max.
/// (Positive subnormal values, below 2.2e-308, are counted but answered without that guarantee.)
///
/// Memory is bounded: the buckets between the lowest and the highest in use are at most
/// max_buckets (default 2048, 16 KiB, spanning a factor g^2048 ~ 6e17 at a = 0.01). When a value
/// would widen the span beyond that, the lowest buckets are collapsed into the lowest one kept, so
/// quantiles that fall in the collapsed range are overestimated (they answer at most the collapsed
/// bucket's value, still >= the true value and <= that bucket's upper edge); the higher quantiles,
/// min, max, count and sum keep their accuracy. Where a value lands depends only on the highest
/// bucket ever used, so the sketch (collapsing included) does not depend on the order of adds,
/// and merge (bucket-wise addition) equals one sketch over the whole stream exactly.
class K8SAUDIT_API quantile_sketch {
 public:
  static constexpr double default_relative_accuracy = 0.01;
  static constexpr double min_relative_accuracy = 1e-4;
  static constexpr double max_relative_accuracy = 0.25;
  static constexpr std::uint32_t default_max_buckets = 2048;
  static constexpr std::uint32_t min_max_buckets = 16;
  static constexpr std::uint32_t max_max_buckets = 65536;

  /// Out-of-range arguments are clamped into [1e-4, 0.25] and [16, 65536] (NaN: the default).
  explicit quantile_sketch(double relative_accuracy = default_relative_accuracy,
                           std::uint32_t max_buckets = default_max_buckets);

  /// Adds a value. Negative values are counted as 0 (e.g. a duration from skewed clocks); NaN
  /// and infinities are ignored and the call returns false.
  bool add(double value);

  [[nodiscard]] std::uint64_t count() const noexcept { return count_; }
  [[nodiscard]] std::uint64_t zero_count() const noexcept { return zeros_; }
  /// min(), max(), mean() and quantile() are NaN for an empty sketch; sum() is then 0.
  [[nodiscard]] double min() const noexcept;
  [[nodiscard]] double max() const noexcept;
  [[nodiscard]] double sum() const noexcept { return sum_ + sum_comp_; }
  [[nodiscard]] double mean() const noexcept;
  /// q is clamped into [0, 1] (NaN: NaN).
  [[nodiscard]] double quantile(double q) const noexcept;

  [[nodiscard]] double relative_accuracy() const noexcept { return alpha_; }
  [[nodiscard]] std::uint32_t max_buckets() const noexcept { return cap_; }
  /// Buckets held (span from the lowest to the highest in use), <= max_buckets().
  [[nodiscard]] std::size_t bucket_count() const noexcept { return counts_.size(); }
  /// Heap bytes held by the buckets (at most 8 * max_buckets() plus the vector's slack).
  [[nodiscard]] std::size_t memory_bytes() const noexcept { return counts_.capacity() * sizeof(std::uint64_t); }
  /// The non-empty buckets as (index, count), ascending.
  [[nodiscard]] std::vector<std::pair<std::int32_t, std::uint64_t>> buckets() const;
  /// The value bucket `index` answers with: 2 g^index / (g+1).
  [[nodiscard]] double bucket_value(std::int32_t index) const noexcept;

  /// Fails (format_mismatch, `*this` unchanged) when relative accuracy or max_buckets differ.
  result<void> merge(const quantile_sketch& other);

  /// 'Q' 1 f64(alpha) varint(max_buckets) varint(count) varint(zeros) f64(min) f64(max)
  /// f64(sum) f64(sum compensation) varint(n) [zigzag varint(lowest index) n x varint(count)].
  void serialize(std::string& out) const;
  static result<quantile_sketch> deserialize(std::string_view& in);

  /// Bit-for-bit equality of the whole state (including the floating-point sum).
  friend K8SAUDIT_API bool operator==(const quantile_sketch& a, const quantile_sketch& b) noexcept;

 private:
  void set_accuracy(double alpha);
  [[nodiscard]] std::int32_t index_of(double v) const noexcept;
  void relayout(std::int32_t new_lo, std::int32_t new_hi);
  void add_to_sum(double v) noexcept;

  double alpha_{default_relative_accuracy};
  double log_gamma_{0};     // ln g
  double rep_factor_{0};    // 2 / (g+1)
  std::uint32_t cap_{default_max_buckets};
  std::uint64_t count_{0};
  std::uint64_t zeros_{0};
  double min_{0};
  double max_{0};
  double sum_{0};
  double sum_comp_{0};
  std::int32_t lo_{0};                // index of counts_[0]
  std::vector<std::uint64_t> counts_; // dense; front and back non-zero when non-empty
};

/// Heavy hitters by the Space-Saving algorithm (Metwally, Agrawal, El Abbadi, 2005) over string
/// keys, monitoring at most `capacity` keys (default 1000). A monitored key's `count` overestimates
/// its true (weighted) count by at most `error`: count - error <= true <= count. A key that is not
/// monitored has true count <= threshold() (the smallest monitored count once the sketch is full,
/// 0 before: until then the sketch is exact). Every error, and threshold(), is <= total()/capacity.
///
/// Ties never depend on arrival order: results are sorted by count descending, then key
/// ascending, merge keeps the largest counts with the same tie-break, and among equal smallest
/// counts the one evicted is chosen by a fixed order on the keys (by sketch_hash, then by key), so
/// the state is a deterministic function of the input sequence. It does depend on the ORDER of the adds once the
/// sketch is full -- inherent to Space-Saving -- so sketches of differently ordered streams, and
/// merged vs. whole, may differ in their small counts; the bounds above always hold.
///
/// merge() follows the mergeable-summaries rule (Agarwal et al., "Mergeable summaries", 2012;
/// Cafaro et al., "A parallel Space Saving algorithm", 2016): a key's counts and errors are
/// added, a key missing from a full sketch is charged that sketch's threshold() (both as count and
/// as error), and the `capacity` largest (ties by key) are kept. It is commutative (equal bytes),
/// keeps every bound above with total() = the sum of both totals, and every key whose true count
/// exceeds the merged threshold() is reported.
class K8SAUDIT_API top_k {
 public:
  struct entry {
    std::string key;
    std::uint64_t count{0};
    std::uint64_t error{0};
    friend bool operator==(const entry&, const entry&) = default;
  };
  static constexpr std::size_t default_capacity = 1000;
  static constexpr std::size_t max_capacity = std::size_t{1} << 20;

  /// `capacity` is clamped into [1, max_capacity].
  explicit top_k(std::size_t capacity = default_capacity);

  /// Adds `weight` occurrences of `key` (weight 0: no-op). Counts wrap modulo 2^64.
  void add(std::string_view key, std::uint64_t weight = 1);

  /// Every monitored key, sorted by count descending, then key ascending.
  [[nodiscard]] std::vector<entry> entries() const;
  /// The first min(k, size()) of entries().
  [[nodiscard]] std::vector<entry> top(std::size_t k) const;
  /// True when `e` is certainly among the true top k: e.count - e.error exceeds the (k+1)-th
  /// reported count (or threshold() when fewer than k+1 keys are monitored), which bounds the
  /// true count of every key not in top(k).
  [[nodiscard]] bool guaranteed(const entry& e, std::size_t k) const;
  /// Upper bound on the true count of any key not monitored.
  [[nodiscard]] std::uint64_t threshold() const noexcept;

  [[nodiscard]] std::size_t size() const noexcept { return slots_.size(); }
  [[nodiscard]] std::size_t capacity() const noexcept { return cap_; }
  /// The total weight added (over merges: of all parts).
  [[nodiscard]] std::uint64_t total() const noexcept { return total_; }

  /// Fails (format_mismatch, `*this` unchanged) when the capacities differ.
  result<void> merge(const top_k& other);

  /// 'T' 1 varint(capacity) varint(total) varint(n), then n x (varint(key length) key
  /// varint(count) varint(error)) in entries() order.
  void serialize(std::string& out) const;
  static result<top_k> deserialize(std::string_view& in);

  /// Same capacity, total and monitored (key, count, error) set.
  friend K8SAUDIT_API bool operator==(const top_k& a, const top_k& b);

 private:
  struct slot {
    std::string key;
    std::uint64_t hash;  // sketch_hash(key): the cheap first tie-break of the eviction order
    std::uint64_t count;
    std::uint64_t error;
  };
  struct key_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept {
      return static_cast<std::size_t>(sketch_hash(s));
    }
  };
  [[nodiscard]] bool heap_less(std::uint32_t a, std::uint32_t b) const noexcept;
  void sift_down(std::size_t pos) noexcept;
  void sift_up(std::size_t pos) noexcept;
  bool rebuild(std::vector<entry> list);  // false on a duplicate key

  std::size_t cap_;
  std::uint64_t total_{0};
  std::vector<slot> slots_;
  std::vector<std::uint32_t> heap_;  // min-heap of slot indices: count asc, then hash desc, key desc
  std::vector<std::uint32_t> pos_;   // slot index -> heap position
  std::unordered_map<std::string, std::uint32_t, key_hash, std::equal_to<>> index_;
};

}  // namespace k8saudit
