// SPDX-License-Identifier: Apache-2.0
// Paths into JSON fields (`requestObject.spec.containers[*].image`), walked over the raw text
// that the parser kept, for filters and aggregates alike.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "query/ast.h"

namespace k8saudit::lang {

/// Scratch space for walk(); keep one per thread and reuse it.
struct path_scratch {
  std::vector<std::string_view> values, next;
  std::string key;
};

/// The values at `path` under the JSON text `base`, into s.values (views into `base`, trimmed).
/// Absent members, out-of-range indexes and nulls give nothing; `[*]` gives every element.
void walk(std::string_view base, const std::vector<detail::path_step>& path, path_scratch& s);

/// A JSON number as an integer when it is one that fits, else as a double.
struct json_number {
  bool is_integer{false};
  std::int64_t integer{0};
  double real{0};
};
/// False when `value` is not a JSON number (a string, true, an object ...).
bool parse_number(std::string_view value, json_number& out) noexcept;

/// A JSON string's content (unescaped into `buf` when it has escapes); other values as their text.
std::string_view json_text(std::string_view value, std::string& buf);

}  // namespace k8saudit::lang
