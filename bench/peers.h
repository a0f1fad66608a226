// SPDX-License-Identifier: Apache-2.0
//
// Benchmark tasks T1, T3 and T5, implemented with peer JSON libraries.
//
// T1 over a buffer of JSON lines (kube-apiserver log backend): for every line that holds an
// audit event, extract verb, user.username, objectRef.namespace, objectRef.resource,
// responseStatus.code, stage and requestReceivedTimestamp, and fold them into a t1_result.
//
// The rules every implementation follows (so results compare equal):
//   * Lines are separated by '\n'; lines that are empty or only whitespace are skipped.
//   * Every other line is one JSON object and counts as one event. Missing fields (and
//     fields of an unexpected type) read as "" or 0: RequestReceived events have no
//     responseStatus, non-resource requests no objectRef, cluster-scoped ones no namespace.
//   * errors_4xx_5xx_complete counts events with code >= 400 at stage "ResponseComplete".
//   * by_verb_resource counts events per (verb, objectRef.resource).
//   * checksum = sum over events of len(username) + len(namespace) + code
//                + len(requestReceivedTimestamp); string lengths are of the unescaped UTF-8.
//     The timestamp is only checked for presence and its length taken (no date parsing).
//   * Malformed input is out of scope: the result is unspecified (no crash) and may differ
//     between implementations. The generated corpus is always well formed.
//
// Each function is self-contained (it creates its parser), takes any string_view (no padding
// required), and is safe to call from several threads at once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

namespace k8saudit::bench {

struct t1_result {
  std::uint64_t events = 0;
  std::uint64_t errors_4xx_5xx_complete = 0;
  std::map<std::pair<std::string, std::string>, std::uint64_t> by_verb_resource;
  std::uint64_t checksum = 0;

  friend bool operator==(const t1_result&, const t1_result&) = default;
};

/// A short human-readable summary (counters and the largest groups), for diagnostics.
[[nodiscard]] std::string describe(const t1_result& result);
/// Describes how `actual` differs from `expected`; empty when they are equal.
[[nodiscard]] std::string describe_difference(const t1_result& expected, const t1_result& actual);

/// Folds extracted fields into a t1_result. Shared by all implementations so that the
/// aggregation cost is identical and only the JSON work differs. Steady state allocates nothing.
class t1_accumulator {
 public:
  t1_accumulator();
  void add(std::string_view verb, std::string_view username, std::string_view namespace_, std::string_view resource,
           std::int64_t code, std::string_view stage, std::size_t timestamp_length) noexcept;
  [[nodiscard]] t1_result finish() const;

 private:
  struct slot {
    std::uint64_t hash = 0;
    std::uint64_t count = 0;
    std::string key;  // verb '\0' resource
    bool used = false;
  };
  void grow();

  t1_result totals_;
  std::string scratch_;
  std::size_t used_ = 0;
  std::size_t mask_ = 0;
  std::unique_ptr<slot[]> slots_;
};

/// Task T3 (a selective filter, about 1% of the generated events): T1 over the events whose verb
/// is this one, and only those. Implementations may stop reading an event once its verb differs.
inline constexpr std::string_view t3_verb = "delete";

/// simdjson On Demand (iterate_many over the buffer, zero-copy: only the last line or two
/// are copied to a padded buffer), one pass over each event's fields.
[[nodiscard]] t1_result t1_simdjson_ondemand(std::string_view jsonl);
/// simdjson DOM, one parse per line (each line copied into a reused padded buffer).
[[nodiscard]] t1_result t1_simdjson_dom(std::string_view jsonl);

/// T3 with each peer: the same parse, then the verb is tested before the other fields are read.
[[nodiscard]] t1_result t3_simdjson_ondemand(std::string_view jsonl);
[[nodiscard]] t1_result t3_simdjson_dom(std::string_view jsonl);
/// Task T5: T1 over the same events as AKS diagnostic records, one per line (PT1H.json blobs),
/// each event an escaped JSON string in properties.log.
[[nodiscard]] t1_result t5_simdjson_ondemand(std::string_view aks_lines);

#if defined(K8SAUDIT_BENCH_HAVE_RAPIDJSON)
/// rapidjson::Document per line (kParseDefaultFlags, not in situ), allocator memory reused.
[[nodiscard]] t1_result t1_rapidjson(std::string_view jsonl);
[[nodiscard]] t1_result t3_rapidjson(std::string_view jsonl);
#endif

#if defined(K8SAUDIT_BENCH_HAVE_NLOHMANN)
/// nlohmann::json::parse per line.
[[nodiscard]] t1_result t1_nlohmann(std::string_view jsonl);
[[nodiscard]] t1_result t3_nlohmann(std::string_view jsonl);
#endif

}  // namespace k8saudit::bench
