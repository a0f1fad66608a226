// SPDX-License-Identifier: Apache-2.0
//
// A deterministic generator of realistic, synthetic Kubernetes audit logs.
//
// The generator simulates the API traffic of a small AKS cluster (kubelets renewing leases,
// controllers reconciling, workloads reading config, list/watch, a few humans running kubectl)
// and renders each request as the audit.k8s.io/v1 events kube-apiserver would log for it,
// byte for byte in the apiserver's field order and escaping (Go escapes `&` as `\u0026`).
// The same events can be written in four wire forms:
//
//   jsonl      kube-apiserver log backend: one event per line
//   aks        AKS diagnostic records, one per line (a storage-account PT1H.json blob)
//   eventhub   AKS diagnostic records batched as Event Hub messages {"records":[...]}, one per line
//   eventlist  webhook batches {"kind":"EventList",...,"items":[...]}, one per line
//
// Output depends only on generator_options: the same options give the same bytes on every
// platform and standard library (the generator uses its own PRNG and integer arithmetic).
// The event stream does not depend on the output form or on the envelope options, so
// `--format jsonl` and `--format aks` with the same seed and size carry the same events.
//
//   k8saudit::bench::generator_options opts;
//   opts.target_bytes = 16 << 20;
//   std::string corpus = k8saudit::bench::generate_corpus(k8saudit::bench::corpus_format::jsonl, opts);
#pragma once

#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace k8saudit::bench {

enum class corpus_format { jsonl, aks, eventhub, eventlist };

/// "jsonl", "aks", "eventhub", "eventlist" -> the format; anything else -> nullopt.
[[nodiscard]] std::optional<corpus_format> parse_corpus_format(std::string_view name) noexcept;
[[nodiscard]] std::string_view to_string(corpus_format format) noexcept;

/// 2025-10-07T16:00:00Z, the default first requestReceivedTimestamp.
inline constexpr std::int64_t default_start_unix_micros = 1759852800LL * 1000000;

struct generator_options {
  std::uint64_t seed = 42;
  /// Stop once the JSONL form of the events generated so far reaches this many bytes
  /// (requests in flight are still completed, so the result is a little larger).
  std::size_t target_bytes = std::size_t{64} << 20;
  /// Also stop once this many events were generated; 0 means no limit.
  std::size_t max_events = 0;
  /// Fraction of requests logged at level Request/RequestResponse with a requestObject
  /// and/or responseObject (Pods, ConfigMaps, Leases with managedFields).
  double request_body_fraction = 0.05;
  /// aks/eventhub only: fraction of records that are non-audit AKS records
  /// (category kube-apiserver or guard, klog text in properties.log).
  double non_audit_fraction = 0.0;
  /// eventhub only: records per Event Hub message.
  std::size_t records_per_message = 50;
  /// eventlist only: maximum items per EventList (kube-apiserver's default batch is 400).
  std::size_t items_per_list = 400;
  /// requestReceivedTimestamp of the first request, microseconds since the Unix epoch.
  std::int64_t start_unix_micros = default_start_unix_micros;
  /// Mean request arrival rate of the simulated cluster.
  std::uint32_t requests_per_second = 400;
};

/// One generated audit event.
struct generated_event {
  std::string json;                  ///< compact JSON of the event, without a trailing newline
  std::int64_t stage_unix_micros{};  ///< its stageTimestamp
  std::string_view verb;             ///< static strings, for statistics
  std::string_view level;
  std::string_view stage;
  int code = 0;  ///< responseStatus.code, 0 when absent (RequestReceived)
};

/// Produces the event stream of one options set, in file order (stageTimestamp never
/// decreases). Events of one request share an auditID: RequestReceived, then
/// ResponseComplete; watch and exec requests also log ResponseStarted in between.
class event_generator {
 public:
  explicit event_generator(const generator_options& options);
  ~event_generator();
  event_generator(event_generator&&) noexcept;
  event_generator& operator=(event_generator&&) noexcept;
  event_generator(const event_generator&) = delete;
  event_generator& operator=(const event_generator&) = delete;

  /// Stores the next event in `out` (reusing its buffer) and returns true, or returns
  /// false at the end of the stream.
  bool next(generated_event& out);

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

/// Writes the whole corpus in `format` to `out` (buffered; flushes at the end).
void write_corpus(std::ostream& out, corpus_format format, const generator_options& options);
/// Appends the whole corpus in `format` to `out`.
void append_corpus(std::string& out, corpus_format format, const generator_options& options);
/// Returns the whole corpus in `format`.
[[nodiscard]] std::string generate_corpus(corpus_format format, const generator_options& options);

/// Appends `text` as a JSON string literal escaped the way Go's encoding/json does:
/// `"` `\` and control characters, and also `<` `>` `&` (as \u003c \u003e \u0026) and
/// U+2028/U+2029. Other non-ASCII UTF-8 is copied as is.
void append_go_json_string(std::string& out, std::string_view text);
/// Appends `text` as a JSON string literal escaping only what JSON requires
/// (`"`, `\`, control characters); used for the AKS envelope.
void append_json_string(std::string& out, std::string_view text);

/// Appends an RFC 3339 UTC timestamp with `digits` (0..9) fractional digits, e.g.
/// append_rfc3339(s, 1759853959643609, 6, 6) -> 2025-10-07T16:19:19.643609Z.
/// `value` counts units of 10^-`scale` seconds since the Unix epoch (scale 6 = micros,
/// 9 = nanos); digits <= scale.
void append_rfc3339(std::string& out, std::int64_t value, int scale, int digits);

/// Parses a byte count with an optional binary suffix: "4096", "64K", "100M", "2G"
/// (also "100MB", "100MiB"). Returns nullopt on malformed input or overflow.
[[nodiscard]] std::optional<std::uint64_t> parse_size(std::string_view text) noexcept;

}  // namespace k8saudit::bench
