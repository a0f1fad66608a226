// SPDX-License-Identifier: Apache-2.0
// The syntax tree of a filter expression, shared by the text parser and the typed builder
// (filter.h). Type checking and compilation (filter.cpp) turn it into an evaluable program.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "query/fields.h"

namespace k8saudit::detail {

/// One step of a path into a dynamic value: `.name` / `["name"]`, `[3]` / `[-1]`, or `[*]`.
struct path_step {
  enum class kind : std::uint8_t { key, index, all } k{kind::key};
  std::string key{};
  std::int64_t index{0};
};

/// A field as written: its id, an optional sub-path (dynamic fields) and its spelling.
struct field_ref {
  lang::field_id id{};
  std::vector<path_step> path{};
  std::string spelled{};   ///< as written, for messages
  std::size_t pos{0};      ///< source offset (0 for builder-made nodes)
};

enum class value_kind : std::uint8_t { string, integer, real, boolean, datetime, timespan };

struct literal {
  value_kind kind{value_kind::string};
  std::string text{};       ///< string value
  std::int64_t integer{0};  ///< integer, datetime (ns since epoch) or timespan (ns)
  double real{0};
  bool boolean{false};
  std::size_t pos{0};
};

/// Comparison operators; the `!` forms are the positive ones with `negated` set.
enum class op : std::uint8_t {
  eq, eq_ci,                    // == =~
  has, has_cs,
  contains, contains_cs,
  startswith, startswith_cs,
  endswith, endswith_cs,
  hasprefix, hasprefix_cs,
  hassuffix, hassuffix_cs,
  in, in_ci,
  regex,                        // matches regex
  lt, le, gt, ge,
  between,
  isempty,                      // isempty(f); isnotempty is its negation
  ipv4_in_range,                // ipv4_is_in_range(f, "cidr")
};

struct ast_node;
using ast_ptr = std::shared_ptr<const ast_node>;

struct ast_node {
  enum class kind : std::uint8_t { and_, or_, not_, constant, predicate } k{kind::constant};
  std::vector<ast_ptr> children{};  ///< and_ / or_ (two or more), not_ (one)
  bool constant{true};              ///< kind::constant
  // kind::predicate
  field_ref field{};
  op oper{op::eq};
  bool negated{false};
  std::vector<literal> values{};    ///< one; several for in; two for between
  std::size_t pos{0};               ///< where the operator was written, for messages
};

/// The source spelling of an operator ("!contains_cs", "in~", "between").
std::string spell(op o, bool negated);

}  // namespace k8saudit::detail
