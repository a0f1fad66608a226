// SPDX-License-Identifier: Apache-2.0
// The engine behind `parser` and `reader`: one framed record (a top-level JSON document) ->
// events, skips and errors. simdjson is used here and in event_parser.cpp only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "arena.h"
#include "k8saudit/event.h"
#include "k8saudit/formats.h"
#include "k8saudit/parser.h"
#include "k8saudit/reader.h"

namespace k8saudit::detail {

/// parser_options::max_depth / reader_options::max_depth are capped to this, simdjson's own
/// default maximum: validation recurses once per nesting level (about 130 bytes of stack per
/// level in an optimised build, 4 KiB under AddressSanitizer; see parser.h).
inline constexpr std::size_t max_depth_cap = 1024;

/// Tests and fuzzers only: the fast paths (try_aks_record, the plain-event scan of top-level
/// objects) can be switched off, so that their outcomes are compared with the general path's,
/// and count the records they take or give up.
struct fast_path_switch {
  bool enabled{true};
  std::uint64_t aks_records{0};  ///< records the AKS fast path handled (this thread)
  /// Top-level objects the event scan (plain audit events) gave to the general scan (this thread)
  std::uint64_t event_bailouts{0};
};
inline thread_local fast_path_switch fast_paths{};

/// Where a framed record sits in the input.
struct record_place {
  std::string_view file{};
  std::uint64_t offset{0};  ///< stream offset of the record's first byte
  std::uint64_t line{0};    ///< 1-based line of the record's first byte
};

/// Where results go. Every record lands in exactly one of events / skips / errors.
struct record_outputs {
  std::vector<event>* events{nullptr};
  std::vector<record_error>* errors{nullptr};
  counters* stats{nullptr};
};

class event_parser {
 public:
  explicit event_parser(const parser_options& options, input_format format = input_format::auto_detect);
  ~event_parser();
  event_parser(const event_parser&) = delete;
  event_parser& operator=(const event_parser&) = delete;

  /// Parses the framed record [data, data+len); bytes up to data+len+padding must be readable.
  /// Containers (EventList, records messages, arrays) yield one outcome per item. A record
  /// that is not valid JSON as a whole yields a single error, never partial items.
  void parse_record(const char* data, std::size_t len, const record_place& place, record_outputs& out);

  /// As parse_record, but a record that is not valid JSON as a whole is not reported: its code
  /// is returned (errc::ok otherwise) and nothing is emitted or counted, so the caller may
  /// try another framing. last_detail() and last_field() then say more.
  errc try_record(const char* data, std::size_t len, const record_place& place, record_outputs& out);
  [[nodiscard]] std::string_view last_detail() const noexcept;
  [[nodiscard]] std::string_view last_field() const noexcept;

  /// Parses one native event (the `parser` API).
  result<event> parse_native(const char* data, std::size_t len, std::size_t capacity);

  /// Forgets everything handed out since the last reset (the arena's views become invalid).
  void reset_arena() noexcept { arena_.reset(); }

  /// simdjson's padding requirement.
  static std::size_t padding() noexcept;
  /// The simdjson kernel compiled in ("haswell", "westmere", "fallback", ...).
  static std::string_view kernel() noexcept;

 private:
  struct impl;
  impl* impl_;
  arena arena_;
};

}  // namespace k8saudit::detail
