// SPDX-License-Identifier: Apache-2.0
// The fast path for AKS diagnostic records (PT1H.json lines, `--input-format aks`): one light pass
// over the envelope that unescapes `properties.log` straight into a padded buffer, so the escaped
// event is read once instead of three times (simdjson's first stage over the record, its string
// decoder, then the first stage over the event). Only the common shape is accepted; anything
// else returns false and the record goes through the general parser, which has the last word
// on every error. What the fast path accepts is valid JSON, and it reads the same values the
// general path would.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "arena.h"

namespace k8saudit::detail {

/// What an AKS record's envelope holds. Views point into the record, `log` into `buffer`.
struct aks_envelope {
  char* buffer{nullptr};  ///< taken from the arena once `log` is met (nullptr before): the
  std::size_t buffer_size{0};  ///< caller gives back what it does not keep (arena::shrink)
  std::string_view category{}, resource_id{}, time{}, pod{};
  std::string_view log{};  ///< properties.log, unescaped
  std::string_view log_token{};  ///< properties.log as it is in the record, quotes included
  std::uint32_t high{0};  ///< non-zero when a byte >= 0x80 is in a string other than log
};

/// Scans [data, data + len) (readable up to data + len + 64) as an AKS record of the common
/// shape: one object whose members are `properties` (an object of plain strings holding the
/// string `log`) and plain strings (no escapes, no control characters) under the envelope's keys
/// or keys `ignorable` accepts. `log` is unescaped into a buffer taken from `mem` when it is met
/// (so a record of another shape usually costs no allocation), padded by 64 bytes. The caller
/// validates the record's UTF-8 outside log_token when `high` says a byte needs it (inside,
/// the event's own parse does it; the bytes outside strings are ASCII or rejected). Returns
/// false, with `out` unspecified but for `buffer`, for any other shape.
bool scan_aks_envelope(const char* data, std::size_t len, arena& mem, bool (*ignorable)(std::string_view key),
                       aks_envelope& out) noexcept;

/// Decodes the JSON string content at `src` (just after the opening quote; readable up to
/// end + 64) into `dst` (room for end - src + 64 bytes) up to the closing quote. Returns the
/// byte after that quote and sets `dst_end`, or nullptr for a raw control character, a bad
/// escape, an unpaired surrogate or no closing quote before `end`.
/// On machines with AVX-512 (VBMI2), the common 64-byte block is decoded with one compress
/// instruction (chosen at run time); elsewhere, and for every other block, as
/// unescape_string_baseline does. Both give the same result.
const char* unescape_string(const char* src, const char* end, char* dst, char*& dst_end) noexcept;

/// unescape_string without the AVX-512 path (for tests, which compare the two).
const char* unescape_string_baseline(const char* src, const char* end, char* dst, char*& dst_end) noexcept;

/// Whether unescape_string uses the AVX-512 path on this machine.
bool wide_decoder_available() noexcept;

}  // namespace k8saudit::detail
