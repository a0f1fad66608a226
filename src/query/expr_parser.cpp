// SPDX-License-Identifier: Apache-2.0
#include "query/expr_parser.h"

#include <chrono>

#include "k8saudit/time.h"
#include "query/datetime.h"

namespace k8saudit::lang {
namespace {

using detail::ast_node;
using detail::ast_ptr;
using detail::literal;
using detail::op;
using detail::value_kind;

struct word_op {
  std::string_view word;
  op o;
  bool negated;
};

constexpr word_op word_ops[] = {
    {"has", op::has, false},
    {"!has", op::has, true},
    {"has_cs", op::has_cs, false},
    {"!has_cs", op::has_cs, true},
    {"contains", op::contains, false},
    {"!contains", op::contains, true},
    {"contains_cs", op::contains_cs, false},
    {"!contains_cs", op::contains_cs, true},
    {"startswith", op::startswith, false},
    {"!startswith", op::startswith, true},
    {"startswith_cs", op::startswith_cs, false},
    {"!startswith_cs", op::startswith_cs, true},
    {"endswith", op::endswith, false},
    {"!endswith", op::endswith, true},
    {"endswith_cs", op::endswith_cs, false},
    {"!endswith_cs", op::endswith_cs, true},
    {"hasprefix", op::hasprefix, false},
    {"!hasprefix", op::hasprefix, true},
    {"hasprefix_cs", op::hasprefix_cs, false},
    {"!hasprefix_cs", op::hasprefix_cs, true},
    {"hassuffix", op::hassuffix, false},
    {"!hassuffix", op::hassuffix, true},
    {"hassuffix_cs", op::hassuffix_cs, false},
    {"!hassuffix_cs", op::hassuffix_cs, true},
    {"in", op::in, false},
    {"!in", op::in, true},
    {"in~", op::in_ci, false},
    {"!in~", op::in_ci, true},
    {"between", op::between, false},
    {"!between", op::between, true},
    {"matches", op::regex, false},
};

std::shared_ptr<ast_node> make_node(ast_node::kind k) {
  auto n = std::make_shared<ast_node>();
  n->k = k;
  return n;
}

}  // namespace

ast_ptr expr_parser::fail(std::size_t pos, std::string message) {
  if (err_.message.empty()) err_ = syntax_error{pos, std::move(message)};
  return nullptr;
}

bool expr_parser::fail_bool(std::size_t pos, std::string message) {
  fail(pos, std::move(message));
  return false;
}

bool expr_parser::expect(tok kind, std::string_view what) {
  const token& t = peek();
  if (t.kind == tok::error) return fail_bool(t.pos, t.text);
  if (t.kind != kind) {
    return fail_bool(t.pos, "expected " + std::string(describe(kind)) + " " + std::string(what) + ", found " +
                                (t.kind == tok::ident ? "'" + t.text + "'" : std::string(describe(t.kind))));
  }
  next();
  return true;
}

ast_ptr expr_parser::parse_expression() {
  ast_ptr e = parse_or();
  if (!e) return nullptr;
  return e;
}

// `operand (word operand)*` as one n-ary node: `or` over `and` over unary terms.
ast_ptr expr_parser::parse_chain(std::string_view word, ast_ptr (expr_parser::*operand)()) {
  ast_ptr left = (this->*operand)();
  if (!left || !at_word(word)) return left;
  auto n = make_node(word == "or" ? ast_node::kind::or_ : ast_node::kind::and_);
  n->children.push_back(std::move(left));
  while (at_word(word)) {
    next();
    ast_ptr right = (this->*operand)();
    if (!right) return nullptr;
    n->children.push_back(std::move(right));
  }
  return n;
}

ast_ptr expr_parser::parse_or() { return parse_chain("or", &expr_parser::parse_and); }
ast_ptr expr_parser::parse_and() { return parse_chain("and", &expr_parser::parse_unary); }

ast_ptr expr_parser::parse_unary() {
  const token& t = peek();
  if (t.kind == tok::error) return fail(t.pos, t.text);
  if (depth_ >= max_depth) {
    return fail(t.pos, "the expression nests parentheses and not() more than " + std::to_string(max_depth) +
                           " levels deep");
  }
  struct nesting {
    std::size_t& d;
    explicit nesting(std::size_t& depth) : d(depth) { ++d; }
    ~nesting() { --d; }
    nesting(const nesting&) = delete;
    nesting& operator=(const nesting&) = delete;
  } level(depth_);
  if (t.kind == tok::lparen) {
    next();
    ast_ptr inner = parse_or();
    if (!inner) return nullptr;
    if (!expect(tok::rparen, "to close the parenthesis")) return nullptr;
    return inner;
  }
  if (t.kind == tok::ident) {
    const bool call = toks_[i_ + 1 < toks_.size() ? i_ + 1 : i_].kind == tok::lparen;
    if (t.text == "true" || t.text == "false") {
      auto n = make_node(ast_node::kind::constant);
      n->constant = t.text == "true";
      n->pos = t.pos;
      next();
      return n;
    }
    if (call) {
      const token& name = next();
      return parse_call(name);
    }
    if (t.text == "not") return fail(t.pos, "'not' is a function in KQL: write not(expression)");
    return parse_predicate();
  }
  if (t.kind == tok::end) return fail(t.pos, "expected an expression, found the end");
  return fail(t.pos, "expected a field name, '(' or not(...), found " + std::string(describe(t.kind)));
}

ast_ptr expr_parser::parse_call(const token& name) {
  next();  // '('
  const std::string& fn = name.text;
  if (fn == "not") {
    ast_ptr inner = parse_or();
    if (!inner) return nullptr;
    if (!expect(tok::rparen, "to close not(")) return nullptr;
    auto n = make_node(ast_node::kind::not_);
    n->children.push_back(std::move(inner));
    n->pos = name.pos;
    return n;
  }
  auto n = make_node(ast_node::kind::predicate);
  n->pos = name.pos;
  if (fn == "isempty" || fn == "isnotempty" || fn == "isnull" || fn == "isnotnull") {
    if (!parse_field(n->field)) return nullptr;
    n->oper = op::isempty;
    n->negated = fn == "isnotempty" || fn == "isnotnull";
  } else if (fn == "ipv4_is_in_range") {
    if (!parse_field(n->field)) return nullptr;
    if (!expect(tok::comma, "between the field and the range")) return nullptr;
    literal range;
    if (!parse_literal(range)) return nullptr;
    n->oper = op::ipv4_in_range;
    n->values.push_back(std::move(range));
  } else {
    std::string msg = "unknown function '" + fn + "'";
    static constexpr std::string_view known[] = {"not", "isempty", "isnotempty", "isnull", "isnotnull",
                                                 "ipv4_is_in_range"};
    std::string_view best;
    std::size_t best_d = fn.size() / 3 + 2;
    for (std::string_view k : known) {
      const std::size_t d = edit_distance(fn, k);
      if (d < best_d) {
        best_d = d;
        best = k;
      }
    }
    if (!best.empty()) msg += " (did you mean '" + std::string(best) + "'?)";
    return fail(name.pos, msg + "; a filter may call not, isempty, isnotempty, isnull, isnotnull, ipv4_is_in_range");
  }
  if (!expect(tok::rparen, "to close " + fn + "(")) return nullptr;
  return n;
}

bool expr_parser::parse_field(detail::field_ref& out) {
  const token& first = peek();
  if (first.kind == tok::error) return fail_bool(first.pos, first.text);
  if (first.kind != tok::ident) {
    return fail_bool(first.pos, "expected a field name, found " + std::string(describe(first.kind)));
  }
  next();
  std::vector<detail::path_step> steps;
  steps.push_back({detail::path_step::kind::key, first.text, 0});
  std::size_t end = first.pos + first.len;
  while (true) {
    const token& t = peek();
    if (t.kind == tok::dot) {
      next();
      const token& name = peek();
      if (name.kind != tok::ident) return fail_bool(name.pos, "expected a name after '.'");
      next();
      steps.push_back({detail::path_step::kind::key, name.text, 0});
      end = name.pos + name.len;
    } else if (t.kind == tok::lbracket) {
      next();
      const token& k = peek();
      bool minus = false;
      if (k.kind == tok::minus) {
        minus = true;
        next();
      }
      const token& v = peek();
      if (!minus && v.kind == tok::string) {
        steps.push_back({detail::path_step::kind::key, v.text, 0});
      } else if (v.kind == tok::integer) {
        steps.push_back({detail::path_step::kind::index, {}, minus ? -v.integer : v.integer});
      } else if (!minus && v.kind == tok::star) {
        steps.push_back({detail::path_step::kind::all, {}, 0});
      } else {
        return fail_bool(v.pos, "expected a quoted key, an index or * inside [ ]");
      }
      next();
      const token& close = peek();
      if (!expect(tok::rbracket, "after the key")) return false;
      end = close.pos + close.len;
    } else {
      break;
    }
  }
  out.pos = first.pos;
  out.spelled = std::string(src_.substr(first.pos, end - first.pos));
  // The longest run of leading names that is a known field; the rest is a path into it.
  std::size_t names = 0;
  while (names < steps.size() && steps[names].k == detail::path_step::kind::key) ++names;
  for (std::size_t k = names; k > 0; --k) {
    std::string dotted = steps[0].key;
    for (std::size_t j = 1; j < k; ++j) dotted += "." + steps[j].key;
    field_id id{};
    if (lookup(dotted, id)) {
      out.id = id;
      out.path.assign(steps.begin() + static_cast<std::ptrdiff_t>(k), steps.end());
      if (!out.path.empty() && info(id).type != field_type::dynamic) {
        return fail_bool(first.pos, "'" + dotted + "' has no sub-fields (it is a " +
                                        (info(id).type == field_type::strings ? "list of strings" : "scalar") + ")");
      }
      return true;
    }
  }
  std::string dotted = steps[0].key;
  for (std::size_t j = 1; j < names; ++j) dotted += "." + steps[j].key;
  std::string msg = "unknown field '" + dotted + "'";
  std::string_view guess = closest(dotted);
  if (!guess.empty()) msg += " (did you mean '" + std::string(guess) + "'?)";
  return fail_bool(first.pos, msg);
}

bool expr_parser::parse_literal(literal& out) {
  const token& t = peek();
  out.pos = t.pos;
  switch (t.kind) {
    case tok::string:
      out.kind = value_kind::string;
      out.text = t.text;
      next();
      return true;
    case tok::integer:
      out.kind = value_kind::integer;
      out.integer = t.integer;
      next();
      return true;
    case tok::real:
      out.kind = value_kind::real;
      out.real = t.real;
      next();
      return true;
    case tok::timespan:
      out.kind = value_kind::timespan;
      out.integer = t.integer;
      next();
      return true;
    case tok::minus: {
      // One sign only, read without recursion (a hostile "------5" must not grow the stack).
      next();
      const token& n = peek();
      if (n.kind != tok::integer && n.kind != tok::real && n.kind != tok::timespan) {
        return fail_bool(t.pos, "'-' must be followed by a number or a timespan");
      }
      if (!parse_literal(out)) return false;
      if (out.kind == value_kind::integer || out.kind == value_kind::timespan) {
        out.integer = -out.integer;
      } else if (out.kind == value_kind::real) {
        out.real = -out.real;
      } else {
        return fail_bool(t.pos, "'-' must be followed by a number or a timespan");
      }
      out.pos = t.pos;
      return true;
    }
    case tok::ident: {
      if (t.text == "true" || t.text == "false") {
        out.kind = value_kind::boolean;
        out.boolean = t.text == "true";
        next();
        return true;
      }
      const std::string fn = t.text;
      next();
      if (fn == "datetime" || fn == "now" || fn == "ago") {
        if (!expect(tok::lparen, "after " + fn)) return false;
        out.kind = value_kind::datetime;
        const auto now = std::chrono::time_point_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now());
        if (fn == "datetime") {
          const token& s = peek();
          if (s.kind != tok::string) return fail_bool(s.pos, "datetime( needs a date such as 2024-05-01T10:00:00Z");
          if (!parse_kql_datetime(s.text, out.integer)) {
            return fail_bool(s.pos, "'" + s.text + "' is not a date and time (use 2024-05-01, 2024-05-01 10:00 or RFC 3339)");
          }
          next();
        } else if (fn == "now") {
          out.integer = now.time_since_epoch().count();
        } else {
          literal span;
          if (!parse_timespan_arg(span, "ago")) return false;
          if (__builtin_sub_overflow(now.time_since_epoch().count(), span.integer, &out.integer)) {
            return fail_bool(span.pos, "ago(...) is out of the datetime range");
          }
        }
        return expect(tok::rparen, "to close " + fn + "(");
      }
      if (fn == "timespan" || fn == "time") {
        if (!expect(tok::lparen, "after " + fn)) return false;
        literal span;
        if (!parse_timespan_arg(span, fn)) return false;
        out = span;
        out.pos = t.pos;
        return expect(tok::rparen, "to close " + fn + "(");
      }
      return fail_bool(t.pos, "expected a value (a string, number, timespan, true/false or datetime(...)), found '" +
                                  fn + "'" + (fn.empty() ? "" : "; strings need quotes"));
    }
    case tok::error: return fail_bool(t.pos, t.text);
    default:
      return fail_bool(t.pos, "expected a value (a string, number, timespan, true/false or datetime(...)), found " +
                                  std::string(describe(t.kind)));
  }
}

// The argument of ago(), timespan() and time(): a timespan token, possibly negated; never a
// nested call (no recursion).
bool expr_parser::parse_timespan_arg(literal& out, const std::string& fn) {
  const token& t = peek();
  const bool minus = t.kind == tok::minus;
  if (minus) next();
  const token& v = peek();
  if (v.kind != tok::timespan) return fail_bool(v.pos, fn + "( needs a timespan such as 5m");
  out.kind = value_kind::timespan;
  out.integer = minus ? -v.integer : v.integer;
  out.pos = t.pos;
  next();
  return true;
}

ast_ptr expr_parser::parse_predicate() {
  auto n = make_node(ast_node::kind::predicate);
  if (!parse_field(n->field)) return nullptr;
  const token& t = peek();
  n->pos = t.pos;
  switch (t.kind) {
    case tok::eq: n->oper = op::eq; break;
    case tok::ne: n->oper = op::eq; n->negated = true; break;
    case tok::eq_ci: n->oper = op::eq_ci; break;
    case tok::ne_ci: n->oper = op::eq_ci; n->negated = true; break;
    case tok::lt: n->oper = op::lt; break;
    case tok::le: n->oper = op::le; break;
    case tok::gt: n->oper = op::gt; break;
    case tok::ge: n->oper = op::ge; break;
    case tok::assign: return fail(t.pos, "'=' is not a comparison: use '==' (or '=~' to ignore case)");
    case tok::error: return fail(t.pos, t.text);
    case tok::ident: {
      bool found = false;
      for (const word_op& w : word_ops) {
        if (t.text == w.word) {
          n->oper = w.o;
          n->negated = w.negated;
          found = true;
          break;
        }
      }
      if (!found) {
        return fail(t.pos, "unknown operator '" + t.text + "' after '" + n->field.spelled +
                               "' (use ==, !=, =~, has, contains, startswith, endswith, in, between, matches regex, <, >)");
      }
      break;
    }
    default:
      return fail(t.pos, "expected an operator after '" + n->field.spelled + "' (==, !=, =~, has, contains, in, ...), found " +
                             std::string(describe(t.kind)));
  }
  next();
  if (n->oper == op::regex) {
    if (!at_word("regex")) return fail(peek().pos, "expected 'regex' after 'matches'");
    next();
  }
  if (n->oper == op::in || n->oper == op::in_ci) {
    if (!expect(tok::lparen, "to open the list after " + spell(n->oper, n->negated))) return nullptr;
    while (true) {
      literal v;
      if (!parse_literal(v)) return nullptr;
      n->values.push_back(std::move(v));
      if (peek().kind == tok::comma) {
        next();
        continue;
      }
      break;
    }
    if (!expect(tok::rparen, "to close the list")) return nullptr;
    return n;
  }
  if (n->oper == op::between) {
    if (!expect(tok::lparen, "after between")) return nullptr;
    literal lo, hi;
    if (!parse_literal(lo)) return nullptr;
    if (!expect(tok::dotdot, "between the bounds (between (a .. b))")) return nullptr;
    if (!parse_literal(hi)) return nullptr;
    if (!expect(tok::rparen, "to close between (")) return nullptr;
    n->values.push_back(std::move(lo));
    n->values.push_back(std::move(hi));
    return n;
  }
  literal v;
  if (!parse_literal(v)) return nullptr;
  n->values.push_back(std::move(v));
  return n;
}

}  // namespace k8saudit::lang

namespace k8saudit::detail {

std::string spell(op o, bool negated) {
  std::string s;
  switch (o) {
    case op::eq: return negated ? "!=" : "==";
    case op::eq_ci: return negated ? "!~" : "=~";
    case op::has: s = "has"; break;
    case op::has_cs: s = "has_cs"; break;
    case op::contains: s = "contains"; break;
    case op::contains_cs: s = "contains_cs"; break;
    case op::startswith: s = "startswith"; break;
    case op::startswith_cs: s = "startswith_cs"; break;
    case op::endswith: s = "endswith"; break;
    case op::endswith_cs: s = "endswith_cs"; break;
    case op::hasprefix: s = "hasprefix"; break;
    case op::hasprefix_cs: s = "hasprefix_cs"; break;
    case op::hassuffix: s = "hassuffix"; break;
    case op::hassuffix_cs: s = "hassuffix_cs"; break;
    case op::in: s = "in"; break;
    case op::in_ci: s = "in~"; break;
    case op::regex: return "matches regex";
    case op::lt: return "<";
    case op::le: return "<=";
    case op::gt: return ">";
    case op::ge: return ">=";
    case op::between: s = "between"; break;
    case op::isempty: return negated ? "isnotempty" : "isempty";
    case op::ipv4_in_range: return "ipv4_is_in_range";
  }
  return negated ? "!" + s : s;
}

}  // namespace k8saudit::detail
