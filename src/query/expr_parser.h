// SPDX-License-Identifier: Apache-2.0
// Text -> syntax tree for the `where` expression language. Types are checked later, when the
// tree is compiled (filter.cpp), so that text and the typed builder share one checker.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

#include "query/ast.h"
#include "query/lexer.h"

namespace k8saudit::lang {

struct syntax_error {
  std::size_t pos{0};  ///< byte offset in the source
  std::string message;
};

class expr_parser {
 public:
  /// Deeper nesting of parentheses and not() is a syntax error (the parser, the checker and
  /// the evaluator recurse once per level).
  static constexpr std::size_t max_depth = 100;

  expr_parser(std::string_view source, std::span<const token> tokens, std::size_t start = 0)
      : src_(source), toks_(tokens), i_(start) {}

  /// Parses one boolean expression starting at the current token. On failure returns nullptr
  /// and error() says where and why.
  detail::ast_ptr parse_expression();

  /// The current token (pipelines continue after an expression).
  [[nodiscard]] const token& peek() const noexcept { return toks_[i_]; }
  [[nodiscard]] std::size_t position() const noexcept { return i_; }
  [[nodiscard]] const syntax_error& error() const noexcept { return err_; }

  /// A field reference (pipelines read keys and aggregate arguments with it).
  bool parse_field(detail::field_ref& out);
  /// A literal value.
  bool parse_literal(detail::literal& out);
  /// Records a syntax error (the first one wins) and returns false.
  bool fail_bool(std::size_t pos, std::string message);
  /// Moves past the current token.
  const token& next() noexcept { return toks_[i_ < toks_.size() - 1 ? i_++ : i_]; }
  [[nodiscard]] bool at_word(std::string_view w) const noexcept {
    return toks_[i_].kind == tok::ident && toks_[i_].text == w;
  }
  bool expect(tok kind, std::string_view what);

 private:
  detail::ast_ptr parse_chain(std::string_view word, detail::ast_ptr (expr_parser::*operand)());
  detail::ast_ptr parse_or();
  detail::ast_ptr parse_and();
  detail::ast_ptr parse_unary();
  detail::ast_ptr parse_call(const token& name);
  detail::ast_ptr parse_predicate();
  detail::ast_ptr fail(std::size_t pos, std::string message);
  bool parse_timespan_arg(detail::literal& out, const std::string& fn);

  std::string_view src_;
  std::span<const token> toks_;
  std::size_t i_{0};
  std::size_t depth_{0};  ///< open parentheses and not( calls: bounded, so recursion is too
  syntax_error err_{};
};

}  // namespace k8saudit::lang
