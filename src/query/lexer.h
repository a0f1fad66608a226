// SPDX-License-Identifier: Apache-2.0
// Tokens of the query language (the `where` clause of KQL, and later its pipelines).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace k8saudit::lang {

enum class tok : std::uint8_t {
  end,
  ident,      ///< a name or a word operator (`and`, `has`, `!has`, `in~`, `matches` ...)
  string,     ///< a string literal (text holds the decoded value)
  integer,    ///< an integer literal
  real,       ///< a real literal
  timespan,   ///< a timespan literal such as 5m or 1.5h (value in nanoseconds)
  lparen, rparen, lbracket, rbracket, comma, dot, dotdot, pipe, star, minus, plus, slash, assign,
  eq, ne, eq_ci, ne_ci, lt, le, gt, ge,
  error,      ///< a character or literal the lexer cannot read (text says why)
};

struct token {
  tok kind{tok::end};
  std::size_t pos{0};   ///< byte offset of the token's first character in the source
  std::size_t len{0};   ///< bytes of source the token spans
  std::string text{};   ///< identifier spelling, decoded string, or the error message
  std::int64_t integer{0};  ///< integer value, or timespan in nanoseconds
  double real{0};
};

/// Splits `source` into tokens; the last one is tok::end or tok::error.
std::vector<token> lex(std::string_view source);

/// A human name for a token kind ("'=='", "a string", "the end of the expression").
std::string_view describe(tok kind) noexcept;

}  // namespace k8saudit::lang
