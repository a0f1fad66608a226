// SPDX-License-Identifier: Apache-2.0
// The reader: files, standard input or memory -> records -> events, in batches.
//
//   k8saudit::reader r;
//   if (auto ok = r.open("audit.log.gz"); !ok) return fail(ok.error());
//   k8saudit::batch b;
//   while (r.next(b)) {                               // false at the end
//     for (const k8saudit::event& ev : b.events) count(ev.verb);
//     for (const k8saudit::record_error& e : b.errors) log(e);
//   }
//   if (r.failed()) return fail(r.failure());          // I/O failure (not bad records)
//   const k8saudit::counters& c = r.stats();          // records == events + skipped + errors
//
// Framing: JSON lines (blank lines, CRLF, no final newline), and documents that span lines
// (pretty-printed) when they parse as a whole. A broken line is reported at its own line and never
// swallows the lines after it. Containers (EventList, `{"records":[...]}`, JSON arrays) are
// unpacked: each item is one record. gzip input is detected by its magic bytes and inflated in
// the same fixed window.
//
// Memory: a window of reader_options::window_size bytes, grown only as far as the largest record
// (at most max_record_size) needs, plus an arena for unescaped strings of the current batch.
//
// LIFETIME: the events of a batch (and their views) are valid until the next call to next(),
// open() or the reader's destruction.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "k8saudit/error.h"
#include "k8saudit/event.h"
#include "k8saudit/export.h"
#include "k8saudit/formats.h"
#include "k8saudit/parser.h"
#include "k8saudit/prefilter.h"

namespace k8saudit {

/// Why a record was read but yields no event. Skips are not errors.
enum class skip_reason : std::uint8_t {
  not_audit_category,  ///< an AKS / Log Analytics record of another category (kube-apiserver, guard, ...)
  not_an_event,        ///< valid JSON that is not an audit event (no auditID, verb, requestURI, stage)
  gcp_log_entry,       ///< a GKE Cloud Logging entry (protoPayload); not converted (yet)
  empty_container,     ///< an EventList / records message / array with no items
  prefiltered,         ///< rejected unparsed by reader_options::prefilter (one line, whatever it holds)
  count_,              ///< number of reasons (not a reason)
};
K8SAUDIT_API std::string_view name(skip_reason r) noexcept;

/// Always: records == events + skipped + errors.
struct K8SAUDIT_API counters {
  std::uint64_t records{0};
  std::uint64_t events{0};
  std::uint64_t skipped{0};
  std::uint64_t errors{0};
  std::uint64_t bytes{0};  ///< decompressed bytes read
  std::uint64_t lines{0};  ///< newline-terminated lines consumed
  std::array<std::uint64_t, static_cast<std::size_t>(skip_reason::count_)> skipped_by_reason{};
  std::array<std::uint64_t, 32> errors_by_code{};  ///< indexed by errc

  counters& operator+=(const counters& o) noexcept;
};

/// A bad record: where it is (file, line, offset) and what is wrong (code, field, detail).
struct record_error {
  std::string_view file{};  ///< the reader's name for the input
  k8saudit::error error{};
};

/// One batch of results. Views follow the reader's lifetime rule.
struct batch {
  std::vector<event> events;
  std::vector<record_error> errors;
  void clear() noexcept { events.clear(); errors.clear(); }
};

struct reader_options {
  input_format format{input_format::auto_detect};
  field_mask fields{field_mask::all()};
  std::size_t window_size{std::size_t{1} << 20};       ///< initial window (1 MiB)
  std::size_t max_record_size{std::size_t{64} << 20};  ///< larger records are errors (64 MiB)
  /// A batch ends before a record once it holds this many events. The events of one record are
  /// never split across batches: a container (an EventList, an Event Hub message) comes whole,
  /// so a batch holds at most max_batch_events - 1 plus one record's items (a record is at most
  /// max_record_size bytes). 512 events (about 380 KB) stay in a core's L2 cache between the
  /// parse that writes them and the code that reads them; 4096 cost `stats` 5-7% (bench: Q/stats).
  std::size_t max_batch_events{512};
  std::size_t max_depth{256};  ///< see parser_options::max_depth (also bounds documents spanning lines)
  /// Not owned; must outlive the reading. nullptr or empty() = off. A line that is a whole
  /// JSON object on its own (`{...}` followed by another `{` or by the end of input; with
  /// input_format::jsonl, any `{...}` line, since lines are never joined) and that the
  /// prefilter rejects is not parsed: it counts as one record, skipped as
  /// skip_reason::prefiltered, whatever it holds (an EventList or records message included).
  /// Records the prefilter rejects are counted as skipped/prefiltered without being parsed, so
  /// a malformed one is not reported as an error. Documents spanning lines are never
  /// prefiltered, and a line the reader cannot prove to be a whole record (rare: its next
  /// non-blank byte lies beyond max_record_size) is parsed as usual: the prefilter only saves
  /// work, so still apply the filter itself to every event.
  const k8saudit::prefilter* prefilter{nullptr};
  /// Strict mode: see parser_options::validate_all.
  bool validate_all{false};
};

namespace detail { class reader_impl; class byte_source; }

class K8SAUDIT_API reader {
 public:
  reader();
  explicit reader(reader_options options);
  reader(reader&&) noexcept;
  reader& operator=(reader&&) noexcept;
  ~reader();

  /// Opens a file ("-" = standard input). gzip is detected from the first bytes. Counters are
  /// reset. Errors: errc::io_error with the OS message in detail.
  result<void> open(std::string path);
  /// Reads from memory (not copied: `data` must outlive the reading). `name` labels origins.
  void open_memory(std::string_view data, std::string name = "<memory>");
  /// Reads from any byte source (see detail/source.h); the reader takes ownership.
  void open_source(std::unique_ptr<detail::byte_source> source, std::string name);
  /// As above, for a source that holds a part of a larger input starting at byte `base_offset`
  /// and line `first_line` (1-based) of it: origins, errors and failures then carry offsets and
  /// lines of the whole input. Counters count this part only. (read_parallel() uses it.)
  void open_source(std::unique_ptr<detail::byte_source> source, std::string name, std::uint64_t base_offset,
                   std::uint64_t first_line);

  /// Fills `out` (cleared first) with the next events and bad records. Returns false, with `out`
  /// empty, when nothing is left: at the end of input or after an I/O or gzip failure (failed()).
  bool next(batch& out);

  /// Calls on_event(const event&) for every event and on_error(const record_error&) for every
  /// bad record, to the end. Returns false on I/O failure.
  template <class OnEvent, class OnError>
  bool for_each(OnEvent&& on_event, OnError&& on_error) {
    batch b;
    while (next(b)) {
      for (const event& e : b.events) on_event(e);
      for (const record_error& e : b.errors) on_error(e);
    }
    return !failed();
  }

  [[nodiscard]] const counters& stats() const noexcept;
  /// True after an I/O or decompression failure that stopped reading.
  [[nodiscard]] bool failed() const noexcept;
  [[nodiscard]] const error& failure() const noexcept;
  /// Compressed or raw bytes consumed from the source so far (for progress), and its size if
  /// known (0 otherwise).
  [[nodiscard]] std::uint64_t source_position() const noexcept;
  [[nodiscard]] std::uint64_t source_size() const noexcept;

 private:
  std::unique_ptr<detail::reader_impl> impl_;
};

}  // namespace k8saudit
