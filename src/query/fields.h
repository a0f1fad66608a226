// SPDX-License-Identifier: Apache-2.0
// The fields of the query language: names (audit.k8s.io/v1 paths and AKSAudit column names),
// types, the parser parts they need, and how to read them from an event.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "k8saudit/event.h"
#include "k8saudit/filter.h"
#include "k8saudit/parser.h"

namespace k8saudit::lang {

using field_id = k8saudit::detail::field_id;

/// The value type of a field.
enum class field_type : std::uint8_t {
  string,    ///< one string (absent = "")
  strings,   ///< a list of strings; an operator matches when any element matches
  integer,   ///< a number (absent = null: every comparison is false)
  datetime,  ///< a point in time (absent = null)
  timespan,  ///< a duration (absent = null)
  dynamic,   ///< JSON text, looked into by a path; its values' types are known only at run time
};

struct field_info {
  field_id id;
  std::string_view name;  ///< the canonical audit.k8s.io/v1 path
  field_type type;
  field_mask parts;       ///< what the parser must read
};

/// The table entry of a field.
const field_info& info(field_id id) noexcept;

/// Looks a dotted name up among canonical names and AKSAudit aliases (case-sensitive, as in
/// KQL). Returns false when unknown.
bool lookup(std::string_view dotted, field_id& out) noexcept;

/// Levenshtein distance, ignoring ASCII case.
std::size_t edit_distance(std::string_view a, std::string_view b);

/// The known name closest to `dotted` (for "did you mean"), or empty when nothing is close.
std::string_view closest(std::string_view dotted);

/// Every spelling (canonical and alias) with its field, for docs and tests.
struct spelling {
  std::string_view name;
  field_id id;
};
std::span<const spelling> spellings() noexcept;

/// Readers of an event's values by field.
std::string_view get_string(const event& ev, field_id id) noexcept;
std::span<const std::string_view> get_strings(const event& ev, field_id id) noexcept;
std::string_view get_json(const event& ev, field_id id) noexcept;  ///< dynamic bases
/// Integer, datetime (ns since epoch) and timespan (ns) fields; false when null.
bool get_number(const event& ev, field_id id, std::int64_t& out) noexcept;

}  // namespace k8saudit::lang
