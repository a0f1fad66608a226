// SPDX-License-Identifier: Apache-2.0
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <k8saudit/sketches.h>

#include "test_util.h"

using namespace k8saudit;

namespace {

using rng = test::prng;

std::string value_name(std::string_view prefix, std::uint64_t i) { return std::string(prefix) + std::to_string(i); }

template <class T>
std::string bytes_of(const T& sketch) {
  std::string out;
  sketch.serialize(out);
  return out;
}

double rel_error(double estimate, double truth) { return std::fabs(estimate - truth) / truth; }

// The quantile definition the sketch documents: the value at 0-based rank floor(q * (n-1)).
double exact_quantile(const std::vector<double>& sorted, double q) {
  return sorted[static_cast<std::size_t>(std::floor(q * static_cast<double>(sorted.size() - 1)))];
}

const double quantiles[] = {0.0, 0.01, 0.5, 0.9, 0.99, 0.999, 1.0};

// Deserialising every strict prefix fails without consuming; random byte changes give an error
// or a sketch that works (and round-trips).
template <class T, class Exercise>
void check_corruption(const std::string& good, std::uint64_t seed, Exercise exercise) {
  for (std::size_t len = 0; len < good.size(); ++len) {
    std::string_view in(good.data(), len);
    auto r = T::deserialize(in);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == errc::format_mismatch);
    CHECK(in.size() == len);
  }
  rng g{seed};
  std::size_t accepted = 0;
  for (int iter = 0; iter < 3000; ++iter) {
    std::string bad = good;
    const std::uint64_t flips = 1 + g.below(3);
    for (std::uint64_t f = 0; f < flips; ++f) {
      // Bias towards the header and the first bytes, where the sizes and counts live.
      const std::size_t at = g.below(2) == 0 ? g.below(std::min<std::size_t>(bad.size(), 48)) : g.below(bad.size());
      bad[at] = static_cast<char>(g.below(2) == 0 ? g.below(256) : static_cast<unsigned char>(bad[at]) ^ (1u << g.below(8)));
    }
    std::string_view in = bad;
    auto r = T::deserialize(in);
    if (!r) {
      CHECK(r.error().code == errc::format_mismatch);
      continue;
    }
    ++accepted;
    exercise(*r);
    std::string again = bytes_of(*r);
    std::string_view again_in = again;
    auto back = T::deserialize(again_in);
    REQUIRE(back.has_value());
    CHECK(*back == *r);
    CHECK(again_in.empty());
  }
  MESSAGE("corrupted inputs accepted as valid sketches: " << accepted << " of 3000");
}

template <class T>
void check_round_trip(const T& sketch) {
  std::string out = "prefix";
  sketch.serialize(out);
  const std::size_t size = out.size() - 6;
  out += "trailing";
  std::string_view in(out);
  in.remove_prefix(6);
  auto back = T::deserialize(in);
  REQUIRE(back.has_value());
  CHECK(*back == sketch);
  CHECK(in == "trailing");
  CHECK(bytes_of(*back) == out.substr(6, size));
}

}  // namespace

// ===== hyperloglog ==============================================================================

TEST_CASE("sketch: hyperloglog estimates within 3 standard errors at 1k, 100k and 1M distinct") {
  for (std::uint64_t n : {std::uint64_t{1000}, std::uint64_t{100000}, std::uint64_t{1000000}}) {
    hyperloglog h;
    CHECK(h.precision() == 14);
    for (std::uint64_t i = 0; i < n; ++i) h.add(value_name("user-", i));
    const double err = rel_error(h.estimate(), static_cast<double>(n));
    MESSAGE("hll p=14 n=" << n << " relative error " << err);
    CHECK(err <= 3 * h.standard_error());
  }
}

TEST_CASE("sketch: hyperloglog ignores duplicates and small counts are nearly exact") {
  hyperloglog once;
  hyperloglog many;
  CHECK(once.empty());
  CHECK(once.estimate() == 0.0);
  for (std::uint64_t i = 0; i < 5000; ++i) once.add(value_name("ns/", i));
  for (int round = 0; round < 5; ++round)
    for (std::uint64_t i = 5000; i-- > 0;) many.add(value_name("ns/", i));
  CHECK(once == many);
  CHECK(once.estimate() == many.estimate());
  CHECK(rel_error(many.estimate(), 5000) <= 3 * many.standard_error());

  hyperloglog small;
  for (int i = 0; i < 10; ++i) small.add("same");
  CHECK(std::fabs(small.estimate() - 1.0) < 0.01);
  for (std::uint64_t i = 0; i < 100; ++i) small.add(value_name("v", i));
  CHECK(std::fabs(small.estimate() - 101.0) < 2.0);
}

TEST_CASE("sketch: hyperloglog merge of shards equals the whole, commutes, checks precision") {
  hyperloglog whole(12);
  std::vector<hyperloglog> shard(4, hyperloglog(12));
  for (std::uint64_t i = 0; i < 300000; ++i) {
    const std::string v = value_name("ip-", i % 250000);  // with duplicates across shards
    whole.add(v);
    shard[i * 7 % 4].add(v);
  }
  hyperloglog merged = shard[2];
  REQUIRE(merged.merge(shard[0]).has_value());
  REQUIRE(merged.merge(shard[3]).has_value());
  REQUIRE(merged.merge(shard[1]).has_value());
  CHECK(merged.registers() == whole.registers());
  CHECK(merged.estimate() == whole.estimate());
  CHECK(rel_error(merged.estimate(), 250000) <= 3 * merged.standard_error());

  hyperloglog ab = shard[0];
  hyperloglog ba = shard[1];
  REQUIRE(ab.merge(shard[1]).has_value());
  REQUIRE(ba.merge(shard[0]).has_value());
  CHECK(bytes_of(ab) == bytes_of(ba));

  hyperloglog other(13);
  auto r = merged.merge(other);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == errc::format_mismatch);
  CHECK(merged.registers() == whole.registers());
  CHECK(hyperloglog(2).precision() == 4);
  CHECK(hyperloglog(30).precision() == 18);
}

// ===== distinct_counter =========================================================================

TEST_CASE("sketch: distinct_counter is exact up to its limit, then switches to HyperLogLog") {
  distinct_counter d(1000);
  for (int round = 0; round < 3; ++round)
    for (std::uint64_t i = 0; i < 1000; ++i) d.add(value_name("pod-", i));
  CHECK(d.is_exact());
  CHECK(d.estimate() == 1000);
  d.add_hash(0);  // hash 0 is an ordinary value
  d.add_hash(0);
  CHECK_FALSE(d.is_exact());  // 1001 distinct > limit
  CHECK(std::fabs(static_cast<double>(d.estimate()) - 1001.0) <= 3 * 0.0081 * 1001.0);
  for (std::uint64_t i = 0; i < 50000; ++i) d.add(value_name("pod-", i));
  CHECK_FALSE(d.is_exact());
  CHECK(rel_error(static_cast<double>(d.estimate()), 50001) <= 3 * 0.0081);

  distinct_counter dflt;
  CHECK(dflt.exact_limit() == 100000);
  for (std::uint64_t i = 0; i < 100000; ++i) dflt.add(value_name("user-", i));
  CHECK(dflt.is_exact());
  CHECK(dflt.estimate() == 100000);
  dflt.add("one more");
  CHECK_FALSE(dflt.is_exact());
  CHECK(rel_error(static_cast<double>(dflt.estimate()), 100001) <= 3 * 0.0081);
}

TEST_CASE("sketch: distinct_counter merge equals the whole in both modes and commutes") {
  for (std::uint64_t limit : {std::uint64_t{5000}, std::uint64_t{1000}}) {
    distinct_counter whole(limit, 12);
    std::vector<distinct_counter> shard(4, distinct_counter(limit, 12));
    for (std::uint64_t i = 0; i < 4000; ++i) {
      const std::string v = value_name("verb-", (i * 2654435761u) % 3000);
      whole.add(v);
      shard[i % 4].add(v);
    }
    CHECK(whole.is_exact() == (limit == 5000));
    for (const auto& s : shard) CHECK(s.is_exact());  // <= 1000 distinct each
    distinct_counter merged = shard[3];
    for (int k : {1, 0, 2}) REQUIRE(merged.merge(shard[static_cast<std::size_t>(k)]).has_value());
    CHECK(merged == whole);
    CHECK(merged.estimate() == whole.estimate());
    if (limit == 5000) CHECK(merged.estimate() == 3000);

    distinct_counter ab = shard[0];
    distinct_counter ba = shard[1];
    REQUIRE(ab.merge(shard[1]).has_value());
    REQUIRE(ba.merge(shard[0]).has_value());
    CHECK(bytes_of(ab) == bytes_of(ba));
    // An exact counter merged into an HLL one and vice versa.
    distinct_counter x = merged;
    distinct_counter y = shard[2];
    REQUIRE(x.merge(shard[2]).has_value());
    REQUIRE(y.merge(merged).has_value());
    CHECK(bytes_of(x) == bytes_of(y));
  }
  distinct_counter a(100, 12);
  CHECK_FALSE(a.merge(distinct_counter(100, 13)).has_value());
  CHECK_FALSE(a.merge(distinct_counter(99, 12)).has_value());
  CHECK(a.merge(a).has_value());
}

// ===== quantile_sketch ==========================================================================

namespace {

struct distribution {
  const char* name;
  std::function<double(rng&)> draw;
};

std::vector<distribution> distributions() {
  return {
      {"uniform", [](rng& g) { return g.uniform() * 1000.0; }},
      {"exponential", [](rng& g) { return -std::log(1.0 - g.uniform()) * 50.0; }},
      {"pareto(1.1)", [](rng& g) { return std::pow(1.0 - g.uniform(), -1.0 / 1.1); }},
      {"lognormal-ish", [](rng& g) { return std::exp(8.0 * (g.uniform() + g.uniform() + g.uniform() - 1.5)); }},
      {"constant", [](rng&) { return 42.5; }},
      {"20% zeros", [](rng& g) { return g.below(5) == 0 ? 0.0 : g.uniform() * 3.0; }},
      {"integer ns", [](rng& g) { return std::floor(-std::log(1.0 - g.uniform()) * 2.0e6); }},
  };
}

}  // namespace

TEST_CASE("sketch: quantile_sketch answers every quantile within 1% relative error") {
  for (const distribution& d : distributions()) {
    rng g{0x5eed + std::hash<std::string_view>{}(d.name) % 1000};
    quantile_sketch s;
    std::vector<double> values;
    for (int i = 0; i < 100000; ++i) {
      values.push_back(d.draw(g));
      s.add(values.back());
    }
    std::vector<double> sorted = values;
    std::sort(sorted.begin(), sorted.end());
    CHECK(s.count() == values.size());
    CHECK(s.min() == sorted.front());
    CHECK(s.max() == sorted.back());
    long double exact_sum = 0;
    for (double v : values) exact_sum += v;
    CHECK(std::fabs(s.sum() - static_cast<double>(exact_sum)) <= 1e-15 * static_cast<double>(exact_sum));
    CHECK(s.bucket_count() <= s.max_buckets());
    double worst = 0;
    for (double q : quantiles) {
      const double truth = exact_quantile(sorted, q);
      const double est = s.quantile(q);
      if (truth == 0.0) {
        CHECK(est == 0.0);
        continue;
      }
      const double err = rel_error(est, truth);
      worst = std::max(worst, err);
      CHECK_MESSAGE(err <= 0.01 + 1e-12, std::string(d.name) << " q=" << q << " truth " << truth << " est " << est);
    }
    MESSAGE(std::string(d.name) << ": worst relative error " << worst << ", " << s.bucket_count() << " buckets");
  }
}

TEST_CASE("sketch: quantile_sketch merge equals the whole exactly and commutes") {
  for (const distribution& d : distributions()) {
    rng g{77};
    quantile_sketch whole;
    std::vector<quantile_sketch> shard(4);
    for (int i = 0; i < 40000; ++i) {
      const double v = d.draw(g);
      whole.add(v);
      shard[g.below(4)].add(v);
    }
    quantile_sketch merged;
    for (std::size_t k : {2u, 0u, 3u, 1u}) REQUIRE(merged.merge(shard[k]).has_value());
    CHECK(merged.count() == whole.count());
    CHECK(merged.zero_count() == whole.zero_count());
    CHECK(merged.min() == whole.min());
    CHECK(merged.max() == whole.max());
    CHECK(merged.buckets() == whole.buckets());
    for (double q : quantiles) CHECK(merged.quantile(q) == whole.quantile(q));
    CHECK(std::fabs(merged.sum() - whole.sum()) <= 1e-15 * whole.sum());
    if (std::string_view(d.name) == "integer ns" || std::string_view(d.name) == "constant") CHECK(merged == whole);

    quantile_sketch ab = shard[0];
    quantile_sketch ba = shard[1];
    REQUIRE(ab.merge(shard[1]).has_value());
    REQUIRE(ba.merge(shard[0]).has_value());
    CHECK(bytes_of(ab) == bytes_of(ba));
  }
  quantile_sketch a;
  CHECK_FALSE(a.merge(quantile_sketch(0.02)).has_value());
  CHECK_FALSE(a.merge(quantile_sketch(0.01, 1024)).has_value());
}

TEST_CASE("sketch: quantile_sketch bucket cap collapses the lowest buckets, independent of order") {
  rng g{4242};
  std::vector<double> values;
  for (int i = 0; i < 50000; ++i) values.push_back(std::pow(10.0, -6.0 + 18.0 * g.uniform()));  // 1e-6 .. 1e12
  std::vector<double> sorted = values;
  std::sort(sorted.begin(), sorted.end());

  quantile_sketch s(0.01, 256);
  for (double v : values) s.add(v);
  CHECK(s.bucket_count() == 256);
  CHECK(s.count() == values.size());
  CHECK(s.min() == sorted.front());
  CHECK(s.max() == sorted.back());
  for (double q : quantiles) {
    const double truth = exact_quantile(sorted, q);
    const double est = s.quantile(q);
    CHECK(est >= truth * (1 - 0.01 - 1e-12));  // collapsed quantiles are overestimated, never under
    if (q == 0.0 || q >= 0.9) CHECK(rel_error(est, truth) <= 0.01 + 1e-12);  // above the collapse
  }
  // The same values ascending, descending, or merged from shards: the same buckets.
  quantile_sketch up(0.01, 256);
  quantile_sketch down(0.01, 256);
  std::vector<quantile_sketch> shard(3, quantile_sketch(0.01, 256));
  for (double v : sorted) up.add(v);
  for (auto it = sorted.rbegin(); it != sorted.rend(); ++it) down.add(*it);
  for (std::size_t i = 0; i < values.size(); ++i) shard[i % 3].add(values[i]);
  quantile_sketch merged = shard[1];
  REQUIRE(merged.merge(shard[2]).has_value());
  REQUIRE(merged.merge(shard[0]).has_value());
  CHECK(up.buckets() == s.buckets());
  CHECK(down.buckets() == s.buckets());
  CHECK(merged.buckets() == s.buckets());
  CHECK(quantile_sketch(0.01, 1).max_buckets() == quantile_sketch::min_max_buckets);
}

TEST_CASE("sketch: quantile_sketch edge cases") {
  quantile_sketch s;
  CHECK(std::isnan(s.quantile(0.5)));
  CHECK(std::isnan(s.min()));
  CHECK(s.sum() == 0.0);
  CHECK_FALSE(s.add(std::nan("")));
  CHECK_FALSE(s.add(HUGE_VAL));
  CHECK(s.count() == 0);
  CHECK(s.add(-3.0));  // counted as 0
  CHECK(s.add(1.0e-300));
  CHECK(s.add(5.0e-324));  // subnormal: counted, but no relative accuracy below 2.2e-308
  CHECK(s.add(1.0e-290));
  CHECK(s.count() == 4);
  CHECK(s.zero_count() == 1);
  CHECK(s.min() == 0.0);
  CHECK(rel_error(s.quantile(0.67), 1.0e-300) <= 0.01 + 1e-12);
  CHECK(s.quantile(1.0) == 1.0e-290);
  CHECK(std::isnan(s.quantile(std::nan(""))));
  CHECK(s.quantile(7) == 1.0e-290);
  CHECK(s.quantile(-1) == 0.0);
  quantile_sketch huge;
  for (double v : {1.7e308, 1.0e300, 1.2e308}) huge.add(v);
  CHECK(rel_error(huge.quantile(0.5), 1.2e308) <= 0.01 + 1e-12);
  CHECK(huge.sum() == HUGE_VAL);  // overflows like any double sum
  check_round_trip(huge);
  quantile_sketch one;
  one.add(0.25);
  for (double q : quantiles) CHECK(one.quantile(q) == 0.25);
  CHECK(one.mean() == 0.25);
  check_round_trip(s);
  check_round_trip(one);
}

// ===== top_k ====================================================================================

namespace {

std::vector<std::string> zipf_stream(std::uint64_t seed, std::size_t n, std::size_t keys, double s) {
  std::vector<double> cdf(keys);
  double total = 0;
  for (std::size_t i = 0; i < keys; ++i) cdf[i] = total += 1.0 / std::pow(static_cast<double>(i + 1), s);
  rng g{seed};
  std::vector<std::string> out;
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    const auto it = std::upper_bound(cdf.begin(), cdf.end(), g.uniform() * total);
    const auto rank = static_cast<std::uint64_t>(std::min<std::ptrdiff_t>(it - cdf.begin(), static_cast<std::ptrdiff_t>(keys) - 1));
    out.push_back(value_name("system:serviceaccount:ns:", rank * 7919 % 100003));  // rank is not key order
  }
  return out;
}

std::vector<std::string> true_top(const std::map<std::string, std::uint64_t>& truth, std::size_t k) {
  std::vector<std::pair<std::string, std::uint64_t>> v(truth.begin(), truth.end());
  std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) { return a.second != b.second ? a.second > b.second : a.first < b.first; });
  std::vector<std::string> keys;
  for (std::size_t i = 0; i < k && i < v.size(); ++i) keys.push_back(v[i].first);
  return keys;
}

void check_bounds(const top_k& t, const std::map<std::string, std::uint64_t>& truth) {
  const std::uint64_t bound = t.total() / t.capacity();
  CHECK(t.threshold() <= bound);
  std::map<std::string, bool> reported;
  for (const top_k::entry& e : t.entries()) {
    reported[e.key] = true;
    const auto it = truth.find(e.key);
    const std::uint64_t real = it == truth.end() ? 0 : it->second;
    CHECK(e.count - e.error <= real);
    CHECK(real <= e.count);
    CHECK(e.error <= t.threshold());
  }
  for (const auto& [key, real] : truth)
    if (!reported.contains(key)) CHECK(real <= t.threshold());
}

}  // namespace

TEST_CASE("sketch: top_k is exact while the keys fit") {
  top_k t(100);
  std::map<std::string, std::uint64_t> truth;
  rng g{9};
  for (int i = 0; i < 20000; ++i) {
    const std::string k = value_name("verb-", g.below(100));
    const std::uint64_t w = 1 + g.below(3);
    t.add(k, w);
    truth[k] += w;
  }
  t.add("ignored", 0);
  CHECK(t.size() == 100);
  CHECK(t.threshold() == t.entries().back().count);  // full now, but never evicted
  const auto list = t.entries();
  for (std::size_t i = 0; i < list.size(); ++i) {
    CHECK(list[i].error == 0);
    CHECK(list[i].count == truth[list[i].key]);
    if (i > 0) CHECK((list[i - 1].count > list[i].count || (list[i - 1].count == list[i].count && list[i - 1].key < list[i].key)));
  }
  top_k ties(10);
  for (const char* k : {"d", "b", "c", "a"}) ties.add(k, 5);
  ties.add("z", 9);
  const auto tl = ties.top(3);
  REQUIRE(tl.size() == 3);
  CHECK(tl[0].key == "z");
  CHECK(tl[1].key == "a");
  CHECK(tl[2].key == "b");
  CHECK(ties.threshold() == 0);
  CHECK(ties.guaranteed(tl[0], 1));       // 9 > 5
  CHECK_FALSE(ties.guaranteed(tl[1], 2));  // 5 is not > 5 (b)
  CHECK(ties.guaranteed(tl[1], 5));       // 5 > 0: fewer than 6 keys, nothing else exists
}

TEST_CASE("sketch: top_k finds the heavy hitters of a Zipf stream and its bounds hold") {
  const auto stream = zipf_stream(2024, 200000, 20000, 1.1);
  std::map<std::string, std::uint64_t> truth;
  top_k t(64);
  for (const std::string& k : stream) {
    t.add(k);
    ++truth[k];
  }
  CHECK(t.total() == stream.size());
  CHECK(t.size() == 64);
  check_bounds(t, truth);
  const auto want = true_top(truth, 10);
  const auto got = t.top(10);
  REQUIRE(got.size() == 10);
  std::size_t guaranteed = 0;
  for (std::size_t i = 0; i < 10; ++i) {
    CHECK(std::find(want.begin(), want.end(), got[i].key) != want.end());
    if (t.guaranteed(got[i], 10)) {
      ++guaranteed;
      CHECK(std::find(want.begin(), want.end(), got[i].key) != want.end());
    }
  }
  MESSAGE("zipf: " << guaranteed << " of the top 10 guaranteed; threshold " << t.threshold() << " of total " << t.total());
  CHECK(guaranteed >= 5);
}

TEST_CASE("sketch: top_k merge keeps the bounds and every guaranteed key of the whole") {
  const auto stream = zipf_stream(77, 160000, 20000, 1.05);
  std::map<std::string, std::uint64_t> truth;
  top_k whole(64);
  std::vector<top_k> shard(4, top_k(64));
  for (std::size_t i = 0; i < stream.size(); ++i) {
    whole.add(stream[i]);
    shard[i * 4 / stream.size()].add(stream[i]);  // contiguous chunks
    ++truth[stream[i]];
  }
  top_k merged = shard[3];
  for (std::size_t k : {0u, 2u, 1u}) REQUIRE(merged.merge(shard[k]).has_value());
  CHECK(merged.total() == whole.total());
  CHECK(merged.size() == 64);
  check_bounds(merged, truth);
  const auto merged_list = merged.entries();
  for (const top_k::entry& e : whole.top(10)) {
    if (!whole.guaranteed(e, 10)) continue;
    CHECK(std::find_if(merged_list.begin(), merged_list.end(), [&](const top_k::entry& m) { return m.key == e.key; }) !=
          merged_list.end());
  }
  const auto want = true_top(truth, 10);
  for (const top_k::entry& e : merged.top(10)) {
    if (merged.guaranteed(e, 10)) CHECK(std::find(want.begin(), want.end(), e.key) != want.end());
  }

  // Commutative, associative in its bounds, exact for small inputs.
  top_k ab = shard[0];
  top_k ba = shard[1];
  REQUIRE(ab.merge(shard[1]).has_value());
  REQUIRE(ba.merge(shard[0]).has_value());
  CHECK(bytes_of(ab) == bytes_of(ba));
  top_k self = shard[2];
  REQUIRE(self.merge(self).has_value());
  CHECK(self.total() == 2 * shard[2].total());

  top_k x(10);
  top_k y(10);
  x.add("a", 3);
  x.add("b", 1);
  y.add("a", 2);
  y.add("c", 4);
  REQUIRE(x.merge(y).has_value());
  const auto xl = x.entries();
  REQUIRE(xl.size() == 3);
  CHECK(xl[0] == top_k::entry{"a", 5, 0});
  CHECK(xl[1] == top_k::entry{"c", 4, 0});
  CHECK(xl[2] == top_k::entry{"b", 1, 0});
  CHECK_FALSE(x.merge(top_k(11)).has_value());
}

// ===== serialisation ============================================================================

TEST_CASE("sketch: serialisation round trips") {
  hyperloglog empty_hll(4);
  hyperloglog sparse_hll;
  hyperloglog dense_hll(10);
  for (std::uint64_t i = 0; i < 50; ++i) sparse_hll.add(value_name("s", i));
  for (std::uint64_t i = 0; i < 20000; ++i) dense_hll.add(value_name("d", i));
  check_round_trip(empty_hll);
  check_round_trip(sparse_hll);
  check_round_trip(dense_hll);
  CHECK(bytes_of(sparse_hll).size() < 200);
  CHECK(bytes_of(dense_hll).size() == 4 + 1024 / 4 * 3);
  CHECK(bytes_of(hyperloglog(18)).size() < 10);

  distinct_counter exact(1000, 10);
  distinct_counter approx(1000, 10);
  exact.add_hash(0);
  exact.add_hash(~std::uint64_t{0});
  for (std::uint64_t i = 0; i < 500; ++i) exact.add(value_name("e", i));
  for (std::uint64_t i = 0; i < 5000; ++i) approx.add(value_name("a", i));
  check_round_trip(distinct_counter());
  check_round_trip(exact);
  check_round_trip(approx);

  quantile_sketch q;
  for (int i = 0; i < 1000; ++i) q.add(i * 0.37);
  check_round_trip(quantile_sketch());
  check_round_trip(q);
  check_round_trip(quantile_sketch(0.0001, 65536));

  top_k t(16);
  for (const std::string& k : zipf_stream(1, 5000, 300, 1.0)) t.add(k);
  t.add(std::string("\0binary\xff", 8), 3);
  t.add("");
  check_round_trip(top_k());
  check_round_trip(t);

  // The version byte and type byte are checked.
  std::string bad = bytes_of(q);
  bad[1] = 2;
  std::string_view in = bad;
  CHECK_FALSE(quantile_sketch::deserialize(in).has_value());
  in = bytes_of(q);
  std::string wrong = bytes_of(t);
  in = wrong;
  CHECK_FALSE(quantile_sketch::deserialize(in).has_value());
}

TEST_CASE("sketch: truncated and corrupted serialisations are errors or valid sketches") {
  SUBCASE("hyperloglog sparse") {
    hyperloglog h(8);
    for (std::uint64_t i = 0; i < 40; ++i) h.add(value_name("x", i));
    check_corruption<hyperloglog>(bytes_of(h), 1, [](const hyperloglog& s) { (void)s.estimate(); });
  }
  SUBCASE("hyperloglog dense") {
    hyperloglog h(8);
    for (std::uint64_t i = 0; i < 4000; ++i) h.add(value_name("x", i));
    check_corruption<hyperloglog>(bytes_of(h), 2, [](const hyperloglog& s) { (void)s.estimate(); });
  }
  SUBCASE("distinct_counter exact") {
    distinct_counter d(200, 6);
    for (std::uint64_t i = 0; i < 150; ++i) d.add(value_name("x", i));
    check_corruption<distinct_counter>(bytes_of(d), 3, [](const distinct_counter& s) {
      distinct_counter c = s;
      c.add("more");
      (void)c.estimate();
      REQUIRE(c.merge(s).has_value());
    });
  }
  SUBCASE("distinct_counter hll") {
    distinct_counter d(100, 6);
    for (std::uint64_t i = 0; i < 150; ++i) d.add(value_name("x", i));
    check_corruption<distinct_counter>(bytes_of(d), 4, [](const distinct_counter& s) { (void)s.estimate(); });
  }
  SUBCASE("quantile_sketch") {
    quantile_sketch q(0.01, 64);
    rng g{5};
    for (int i = 0; i < 3000; ++i) q.add(g.below(10) == 0 ? 0.0 : std::exp(10 * g.uniform()));
    check_corruption<quantile_sketch>(bytes_of(q), 5, [](const quantile_sketch& s) {
      for (double x : quantiles) (void)s.quantile(x);
      (void)s.mean();
      quantile_sketch c = s;
      c.add(1e9);
      c.add(1e-9);
      CHECK(c.bucket_count() <= c.max_buckets());
      REQUIRE(c.merge(s).has_value());
    });
  }
  SUBCASE("top_k") {
    top_k t(12);
    for (const std::string& k : zipf_stream(6, 2000, 100, 1.0)) t.add(k);
    check_corruption<top_k>(bytes_of(t), 6, [](const top_k& s) {
      top_k c = s;
      c.add("new key", 2);
      (void)c.entries();
      for (const top_k::entry& e : s.top(3)) (void)s.guaranteed(e, 3);
      REQUIRE(c.merge(s).has_value());
    });
  }
}
