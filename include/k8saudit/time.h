// SPDX-License-Identifier: Apache-2.0
// Timestamps: RFC 3339 text <-> nanoseconds since the Unix epoch.
//
//   auto t = k8saudit::parse_timestamp("2025-10-07T16:19:19.643609Z");
//   if (t) { auto ns = t->time_since_epoch().count(); }
//
// Accepted: `YYYY-MM-DDTHH:MM:SS[.f{1,9}](Z|±hh:mm)`, with `t`/`z`/space also accepted for the
// separator and zone letter, and the zone-less form `YYYY-MM-DD HH:MM:SS[.f{1,9}]` (read as UTC)
// that some pipelines (Panther) write. Leap seconds (`:60`) are rejected. No allocation.
#pragma once

#include <chrono>
#include <cstddef>
#include <string_view>

#include "k8saudit/error.h"
#include "k8saudit/export.h"

namespace k8saudit {

/// A point in time with nanosecond resolution, UTC.
using timestamp = std::chrono::sys_time<std::chrono::nanoseconds>;

/// Parses RFC 3339 text. Errors: errc::bad_timestamp (the field is left empty for the caller).
K8SAUDIT_API result<timestamp> parse_timestamp(std::string_view text) noexcept;

/// Longest text format_timestamp writes ("-YYYYY-..." never: years 0000-9999 only).
inline constexpr std::size_t max_timestamp_length = 30;

/// Writes `t` as RFC 3339 UTC with exactly `digits` fractional digits (0-9; 6 is Kubernetes'
/// MicroTime, 9 is RFC3339Nano without trailing-zero trimming) into `out`, which must hold
/// max_timestamp_length bytes. Returns the number of bytes written, or 0 when the year is
/// outside 0000-9999 or digits > 9.
K8SAUDIT_API std::size_t format_timestamp(timestamp t, int digits, char* out) noexcept;

}  // namespace k8saudit
