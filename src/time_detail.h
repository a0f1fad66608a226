// SPDX-License-Identifier: Apache-2.0
// Internal: the general RFC 3339 parser behind parse_timestamp, which first tries a fast path
// for Kubernetes' MicroTime form, and that fast path with a memory of the last second it read.
// Exposed so tests can check that all give the same result.
#pragma once

#include <cstdint>
#include <string_view>

#include "k8saudit/time.h"

namespace k8saudit::detail {

result<timestamp> parse_timestamp_general(std::string_view text) noexcept;

/// The last whole second a MicroTime text gave: its first 19 bytes ("YYYY-MM-DDTHH:MM:SS") and
/// their value. Audit events come in time order, many to a second, and each has two timestamps,
/// so most texts repeat the second before (the parser keeps one of these).
struct micro_time_cache {
  bool valid{false};
  std::uint64_t date{0}, clock{0};  // bytes 0-7 and 8-15
  std::uint32_t second{0};          // bytes 16-18
  std::int64_t secs{0};             // seconds since the epoch
};

/// parse_timestamp, remembering the second in `cache`: when a text starts with the remembered
/// 19 bytes, only its fraction is read. The same result as parse_timestamp for every text.
result<timestamp> parse_timestamp(std::string_view text, micro_time_cache& cache) noexcept;

}  // namespace k8saudit::detail
