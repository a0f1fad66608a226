// SPDX-License-Identifier: Apache-2.0
// A tiny scanner for JSON text that simdjson has already checked (raw sub-objects kept by the
// parser): find a member of an object, skip a value, unescape a string. Used for on-demand
// lookups (annotations) where spinning up a parser and a padded copy would cost more than the
// scan. Malformed text yields `false`/npos, never undefined behaviour.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace k8saudit::detail {

/// The index of the first byte at or after i that is not JSON whitespace (t.size() if none).
std::size_t skip_ws(std::string_view t, std::size_t i) noexcept;

/// Index one past the end of the JSON value starting at text[pos] (after whitespace), or npos.
std::size_t skip_value(std::string_view text, std::size_t pos) noexcept;

/// Index one past the closing quote of the string whose opening quote is at text[pos], or npos.
std::size_t skip_string(std::string_view text, std::size_t pos) noexcept;

/// Decodes the content of a JSON string (without quotes) into `out` (replacing its content).
/// Returns false on a malformed escape or an unpaired surrogate.
bool unescape(std::string_view content, std::string& out);

/// Decodes the escape at `esc` (a backslash; the bytes before `end` are readable) into `dst`,
/// moved past what it writes (at most 4 bytes). Returns the number of input bytes it takes (2,
/// 6, or 12 for a surrogate pair), or 0 for a malformed escape or an unpaired surrogate.
std::size_t decode_escape(const char* esc, const char* end, char*& dst) noexcept;

/// In the object `text`, the raw value text of member `key` (keys compared after unescaping),
/// or an empty view when absent or when `text` is not an object.
std::string_view find_member(std::string_view text, std::string_view key, std::string& scratch);

}  // namespace k8saudit::detail
