// SPDX-License-Identifier: Apache-2.0
// Filter compilation (type checking, literal preparation, prefilter literals, projection) and
// evaluation. The syntax tree comes from query/expr_parser.cpp or from the typed builder.
#include "k8saudit/filter.h"
#include "ascii.h"

#include <re2/re2.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>

#include "json_scan.h"
#include "query/ast.h"
#include "query/expr_parser.h"
#include "query/fields.h"
#include "query/json_path.h"
#include "query/lexer.h"

namespace k8saudit {
namespace detail {

using lang::field_type;

/// A predicate or connective, ready to evaluate.
struct cnode {
  enum class kind : std::uint8_t { and_, or_, not_, constant, text, number, dynamic } k{kind::constant};
  std::vector<cnode> children{};
  bool constant{true};
  field_id id{};
  field_type ftype{field_type::string};
  std::vector<path_step> path{};
  op oper{op::eq};
  bool negated{false};
  std::vector<literal> values{};       ///< case-insensitive string operands are stored lower-cased
  std::shared_ptr<const re2::RE2> re{};
  std::uint32_t net{0}, mask{0};       ///< ipv4_in_range
  /// Dynamic predicates: text a match's JSON must contain, checked before walking the JSON
  /// (an annotation lookup per event is otherwise the cost of a `decision == "forbid"`).
  std::string quick{};
  bool quick_ci{false};
};

struct filter_program {
  cnode root{};
  field_mask fields{};
  prefilter literals{};
  std::string text{};
};

namespace {

// ---------------------------------------------------------------------------------------------
// String operators (ASCII case folding, as documented).

// Terms are runs of letters and digits; bytes of multi-byte UTF-8 characters count as letters.
bool term_char(char c) noexcept {
  const auto u = static_cast<unsigned char>(c);
  return (u >= '0' && u <= '9') || (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || u >= 0x80;
}

// An occurrence of `needle` in `hay` that starts (and/or ends) on a term boundary. A boundary is
// only required where the needle itself begins (ends) with a term character, so `has "kube-"`
// behaves as KQL's phrase matching does.
bool find_term(std::string_view hay, std::string_view needle, bool ci, bool at_start, bool at_end) noexcept {
  if (needle.empty()) return true;
  const bool check_start = at_start && term_char(needle.front());
  const bool check_end = at_end && term_char(needle.back());
  std::size_t from = 0;
  while (from + needle.size() <= hay.size()) {
    std::size_t p = k8saudit::detail::find_literal(hay.substr(from), needle, ci);
    if (p == std::string_view::npos) return false;
    p += from;
    const std::size_t e = p + needle.size();
    const bool ok_start = !check_start || p == 0 || !term_char(hay[p - 1]);
    const bool ok_end = !check_end || e == hay.size() || !term_char(hay[e]);
    if (ok_start && ok_end) return true;
    from = p + 1;
  }
  return false;
}

bool parse_ipv4(std::string_view s, std::uint32_t& out) noexcept {
  std::uint32_t v = 0;
  int parts = 0;
  std::size_t i = 0;
  while (parts < 4) {
    if (i >= s.size() || s[i] < '0' || s[i] > '9') return false;
    unsigned octet = 0;
    std::size_t digits = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9' && digits < 4) {
      octet = octet * 10 + static_cast<unsigned>(s[i] - '0');
      ++i;
      ++digits;
    }
    if (octet > 255 || digits > 3) return false;
    v = (v << 8) | octet;
    ++parts;
    if (parts < 4) {
      if (i >= s.size() || s[i] != '.') return false;
      ++i;
    }
  }
  if (i != s.size()) return false;
  out = v;
  return true;
}

// The positive form of a string operator on one value (operands already lower-cased for _ci ops).
bool text_match(const cnode& n, std::string_view s) noexcept {
  const std::string_view v = n.values.empty() ? std::string_view{} : std::string_view(n.values[0].text);
  switch (n.oper) {
    case op::eq: return s == v;
    case op::eq_ci: return iequals(s, v);
    case op::has: return find_term(s, v, true, true, true);
    case op::has_cs: return find_term(s, v, false, true, true);
    case op::hasprefix: return find_term(s, v, true, true, false);
    case op::hasprefix_cs: return find_term(s, v, false, true, false);
    case op::hassuffix: return find_term(s, v, true, false, true);
    case op::hassuffix_cs: return find_term(s, v, false, false, true);
    case op::contains: return v.empty() || k8saudit::detail::find_literal(s, v, true) != std::string_view::npos;
    case op::contains_cs: return v.empty() || k8saudit::detail::find_literal(s, v, false) != std::string_view::npos;
    case op::startswith: return s.size() >= v.size() && iequals(s.substr(0, v.size()), v);
    case op::startswith_cs: return s.substr(0, std::min(s.size(), v.size())) == v;
    case op::endswith: return s.size() >= v.size() && iequals(s.substr(s.size() - v.size()), v);
    case op::endswith_cs: return s.size() >= v.size() && s.substr(s.size() - v.size()) == v;
    case op::in:
      for (const literal& l : n.values) {
        if (l.kind == value_kind::string && s == l.text) return true;
      }
      return false;
    case op::in_ci:
      for (const literal& l : n.values) {
        if (l.kind == value_kind::string && iequals(s, l.text)) return true;
      }
      return false;
    case op::regex: return re2::RE2::PartialMatch(re2::StringPiece(s.data(), s.size()), *n.re);
    case op::ipv4_in_range: {
      std::uint32_t ip = 0;
      return parse_ipv4(s, ip) && (ip & n.mask) == n.net;
    }
    default: return false;
  }
}

bool number_match(const cnode& n, std::int64_t x, double xr, bool is_real) noexcept {
  // An integer field against a list (`code in (401, 403)`): the common case, compared directly.
  if (!is_real && n.oper == op::in) {
    for (const literal& l : n.values) {
      if (l.kind != value_kind::real ? x == l.integer : static_cast<double>(x) == l.real) return true;
    }
    return false;
  }
  auto cmp = [&](const literal& l) -> int {  // sign of (x - l)
    if (!is_real && l.kind != value_kind::real) return x < l.integer ? -1 : (x > l.integer ? 1 : 0);
    const double a = is_real ? xr : static_cast<double>(x);
    const double b = l.kind == value_kind::real ? l.real : static_cast<double>(l.integer);
    return a < b ? -1 : (a > b ? 1 : 0);
  };
  switch (n.oper) {
    case op::eq: return cmp(n.values[0]) == 0;
    case op::lt: return cmp(n.values[0]) < 0;
    case op::le: return cmp(n.values[0]) <= 0;
    case op::gt: return cmp(n.values[0]) > 0;
    case op::ge: return cmp(n.values[0]) >= 0;
    case op::between: return cmp(n.values[0]) >= 0 && cmp(n.values[1]) <= 0;
    case op::in:
      return std::any_of(n.values.begin(), n.values.end(), [&](const literal& l) { return cmp(l) == 0; });
    default: return false;
  }
}

// ---------------------------------------------------------------------------------------------
// Dynamic values: JSON text walked by query/json_path.

struct dyn_scratch {
  lang::path_scratch path;
  std::string text;
};

dyn_scratch& scratch() {
  thread_local dyn_scratch s;
  return s;
}

std::string_view as_text(std::string_view v, std::string& buf) { return lang::json_text(v, buf); }

// Equality of one JSON value with one literal, by the literal's kind: numbers equal numbers,
// booleans booleans, datetimes RFC 3339 strings, strings the value's text. Nothing else is equal.
bool dyn_equal(const literal& l, std::string_view v, dyn_scratch& s) {
  switch (l.kind) {
    case value_kind::integer:
    case value_kind::real: {
      lang::json_number x;
      if (!lang::parse_number(v, x)) return false;
      if (x.is_integer && l.kind == value_kind::integer) return x.integer == l.integer;
      return x.real == (l.kind == value_kind::real ? l.real : static_cast<double>(l.integer));
    }
    case value_kind::boolean: return v == (l.boolean ? "true" : "false");
    case value_kind::datetime: {
      auto t = parse_timestamp(as_text(v, s.text));
      return t && t->time_since_epoch().count() == l.integer;
    }
    case value_kind::string: return as_text(v, s.text) == l.text;
    case value_kind::timespan: return false;
  }
  return false;
}

bool dyn_value_match(const cnode& n, std::string_view v, dyn_scratch& s) {
  switch (n.oper) {
    case op::eq: return dyn_equal(n.values[0], v, s);
    case op::in:
      return std::any_of(n.values.begin(), n.values.end(), [&](const literal& l) { return dyn_equal(l, v, s); });
    case op::lt: case op::le: case op::gt: case op::ge: case op::between: {
      // Ordering compares JSON numbers with numbers, and RFC 3339 strings with datetimes.
      if (n.values[0].kind == value_kind::datetime) {
        auto t = parse_timestamp(as_text(v, s.text));
        return t && number_match(n, t->time_since_epoch().count(), 0, false);
      }
      lang::json_number x;
      if (!lang::parse_number(v, x)) return false;
      return x.is_integer ? number_match(n, x.integer, 0, false) : number_match(n, 0, x.real, true);
    }
    default: return text_match(n, as_text(v, s.text));
  }
}

// ---------------------------------------------------------------------------------------------
// Evaluation.

bool eval(const cnode& n, const event& ev) noexcept {
  switch (n.k) {
    case cnode::kind::constant: return n.constant;
    case cnode::kind::and_:
      for (const cnode& c : n.children) {
        if (!eval(c, ev)) return false;
      }
      return true;
    case cnode::kind::or_:
      for (const cnode& c : n.children) {
        if (eval(c, ev)) return true;
      }
      return false;
    case cnode::kind::not_: return !eval(n.children[0], ev);
    case cnode::kind::text: {
      bool hit = false;
      if (n.ftype == field_type::strings) {
        auto list = lang::get_strings(ev, n.id);
        if (n.oper == op::isempty) {
          hit = list.empty();
        } else {
          for (std::string_view s : list) {
            if (text_match(n, s)) {
              hit = true;
              break;
            }
          }
        }
      } else {
        const std::string_view s = lang::get_string(ev, n.id);
        hit = n.oper == op::isempty ? s.empty() : text_match(n, s);
      }
      return hit != n.negated;
    }
    case cnode::kind::number: {
      std::int64_t x = 0;
      const bool present = lang::get_number(ev, n.id, x);
      if (n.oper == op::isempty) return present == n.negated;
      // KQL: a comparison with null is false, and so is its negation.
      if (!present) return false;
      return number_match(n, x, 0, false) != n.negated;
    }
    case cnode::kind::dynamic: {
      const std::string_view base = lang::get_json(ev, n.id);
      // Only a \u escape can hide a safe literal (see prefilter.h), so its absence is enough.
      if (!n.quick.empty() && k8saudit::detail::find_literal(base, n.quick, n.quick_ci) == std::string_view::npos &&
          k8saudit::detail::find_literal(base, "\\u", false) == std::string_view::npos) {
        return false;  // set only on positive predicates: no match without the text
      }
      dyn_scratch& s = scratch();
      lang::walk(base, n.path, s.path);
      bool hit = false;
      if (n.oper == op::isempty) {
        hit = std::all_of(s.path.values.begin(), s.path.values.end(), [](std::string_view v) { return v == "\"\""; });
      } else {
        for (std::string_view v : s.path.values) {
          if (dyn_value_match(n, v, s)) {
            hit = true;
            break;
          }
        }
      }
      return hit != n.negated;
    }
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// Type checking and compilation.

struct compile_error {
  std::size_t pos{0};
  std::string message;
};

std::string_view kind_name(value_kind k) noexcept {
  switch (k) {
    case value_kind::string: return "a string";
    case value_kind::integer: return "an integer";
    case value_kind::real: return "a real number";
    case value_kind::boolean: return "a boolean";
    case value_kind::datetime: return "a datetime";
    case value_kind::timespan: return "a timespan";
  }
  return "a value";
}

std::string_view type_name(field_type t) noexcept {
  switch (t) {
    case field_type::string: return "a string";
    case field_type::strings: return "a list of strings";
    case field_type::integer: return "a number";
    case field_type::datetime: return "a datetime";
    case field_type::timespan: return "a timespan";
    case field_type::dynamic: return "a JSON value";
  }
  return "a value";
}

bool is_string_op(op o) noexcept {
  switch (o) {
    case op::eq_ci: case op::has: case op::has_cs: case op::contains: case op::contains_cs:
    case op::startswith: case op::startswith_cs: case op::endswith: case op::endswith_cs:
    case op::hasprefix: case op::hasprefix_cs: case op::hassuffix: case op::hassuffix_cs:
    case op::in_ci: case op::regex: case op::ipv4_in_range:
      return true;
    default: return false;
  }
}

bool is_ci_op(op o) noexcept {
  switch (o) {
    case op::eq_ci: case op::has: case op::contains: case op::startswith: case op::endswith:
    case op::hasprefix: case op::hassuffix: case op::in_ci:
      return true;
    default: return false;
  }
}

bool is_order_op(op o) noexcept {
  return o == op::lt || o == op::le || o == op::gt || o == op::ge || o == op::between;
}

class compiler {
 public:
  bool build(const ast_node& a, cnode& out) {
    switch (a.k) {
      case ast_node::kind::constant:
        out.k = cnode::kind::constant;
        out.constant = a.constant;
        return true;
      case ast_node::kind::and_:
      case ast_node::kind::or_:
      case ast_node::kind::not_: {
        // Text is limited by the parser; a builder tree gets the same bound here, so evaluation
        // never recurses deeper than this.
        if (depth_ >= lang::expr_parser::max_depth) {
          return fail(a.pos, "the expression nests more than " + std::to_string(lang::expr_parser::max_depth) +
                                 " levels deep");
        }
        ++depth_;
        out.k = a.k == ast_node::kind::and_ ? cnode::kind::and_
                : a.k == ast_node::kind::or_ ? cnode::kind::or_
                                             : cnode::kind::not_;
        out.children.resize(a.children.size());
        for (std::size_t i = 0; i < a.children.size(); ++i) {
          if (!build(*a.children[i], out.children[i])) return false;
        }
        --depth_;
        return true;
      }
      case ast_node::kind::predicate: return predicate(a, out);
    }
    return false;
  }

  field_mask fields{};
  compile_error err{};

 private:
  std::size_t depth_{0};
  bool fail(std::size_t pos, std::string message) {
    err = compile_error{pos, std::move(message)};
    return false;
  }

  bool predicate(const ast_node& a, cnode& out) {
    const lang::field_info& fi = lang::info(a.field.id);
    fields |= fi.parts;
    out.id = a.field.id;
    out.ftype = fi.type;
    out.path = a.field.path;
    out.oper = a.oper;
    out.negated = a.negated;
    out.values = a.values;
    const std::string& name = a.field.spelled;
    const std::string opname = spell(a.oper, a.negated);
    if ((a.oper == op::in || a.oper == op::in_ci || a.oper == op::between) && a.values.empty()) {
      return fail(a.pos, "'" + opname + "' needs at least one value");
    }
    if (a.oper == op::isempty) {
      out.k = fi.type == field_type::dynamic ? cnode::kind::dynamic
              : (fi.type == field_type::string || fi.type == field_type::strings) ? cnode::kind::text
                                                                                   : cnode::kind::number;
      return true;
    }
    switch (fi.type) {
      case field_type::string:
      case field_type::strings:
        out.k = cnode::kind::text;
        if (is_order_op(a.oper)) {
          return fail(a.pos, "'" + opname + "' compares numbers, datetimes and timespans, but '" + name + "' is " +
                                 std::string(type_name(fi.type)));
        }
        for (const literal& l : a.values) {
          if (l.kind != value_kind::string) {
            return fail(l.pos, "'" + name + "' is " + std::string(type_name(fi.type)) + ": compare it with a quoted string, not " +
                                   std::string(kind_name(l.kind)));
          }
        }
        break;
      case field_type::integer:
      case field_type::datetime:
      case field_type::timespan: {
        out.k = cnode::kind::number;
        if (is_string_op(a.oper)) {
          return fail(a.pos, "'" + opname + "' works on strings, but '" + name + "' is " + std::string(type_name(fi.type)));
        }
        for (literal& l : out.values) {
          const bool ok = fi.type == field_type::integer ? (l.kind == value_kind::integer || l.kind == value_kind::real)
                          : fi.type == field_type::datetime ? l.kind == value_kind::datetime
                                                            : l.kind == value_kind::timespan;
          if (!ok) {
            // A datetime range may end with a timespan: between (datetime(x) .. 1h) means x .. x+1h.
            if (fi.type == field_type::datetime && a.oper == op::between && &l == &out.values[1] &&
                l.kind == value_kind::timespan) {
              l.kind = value_kind::datetime;
              if (__builtin_add_overflow(l.integer, out.values[0].integer, &l.integer)) {
                return fail(l.pos, "the end of this range is out of the datetime range");
              }
              continue;
            }
            std::string hint = fi.type == field_type::integer    ? "a number such as 403"
                               : fi.type == field_type::datetime ? "datetime(2024-05-01T10:00:00Z) or ago(1h)"
                                                                 : "a timespan such as 500ms or 5m";
            return fail(l.pos, "'" + name + "' is " + std::string(type_name(fi.type)) + ": compare it with " + hint +
                                   ", not " + std::string(kind_name(l.kind)));
          }
        }
        break;
      }
      case field_type::dynamic: {
        out.k = cnode::kind::dynamic;
        for (const literal& l : a.values) {
          const bool ok = is_string_op(a.oper) ? l.kind == value_kind::string
                          : is_order_op(a.oper) ? (l.kind == value_kind::integer || l.kind == value_kind::real ||
                                                   l.kind == value_kind::datetime)
                                                : l.kind != value_kind::timespan;
          if (!ok) {
            return fail(l.pos, "'" + opname + "' cannot compare a JSON value with " + std::string(kind_name(l.kind)));
          }
        }
        if (!a.negated && a.values.size() == 1 && a.values[0].kind == value_kind::string &&
            (a.oper == op::eq || is_string_op(a.oper)) && a.oper != op::regex && a.oper != op::ipv4_in_range &&
            a.oper != op::in_ci) {
          const std::string_view run = prefilter::longest_safe_run(a.values[0].text);
          if (run.size() >= 3) {
            out.quick = std::string(run);
            out.quick_ci = is_ci_op(a.oper);
            if (out.quick_ci) {
              for (char& c : out.quick) c = ascii_lower(c);
            }
          }
        }
        if (a.oper == op::in) {
          for (const literal& l : a.values) {
            if (l.kind != a.values[0].kind &&
                !((l.kind == value_kind::integer || l.kind == value_kind::real) &&
                  (a.values[0].kind == value_kind::integer || a.values[0].kind == value_kind::real))) {
              return fail(l.pos, "the values of 'in' must all be of one type");
            }
          }
        }
        break;
      }
    }
    if (is_ci_op(a.oper)) {
      for (literal& l : out.values) {
        for (char& c : l.text) c = ascii_lower(c);
      }
    }
    if (a.oper == op::regex) {
      re2::RE2::Options o;
      o.set_log_errors(false);
      const std::string& pat = a.values[0].text;
      auto re = std::make_shared<re2::RE2>(re2::StringPiece(pat.data(), pat.size()), o);
      if (!re->ok()) return fail(a.values[0].pos, "bad regular expression: " + re->error());
      out.re = std::move(re);
    }
    if (a.oper == op::ipv4_in_range) {
      const std::string& cidr = a.values[0].text;
      const auto slash = cidr.find('/');
      std::uint32_t ip = 0;
      int bits = 32;
      bool ok = parse_ipv4(std::string_view(cidr).substr(0, slash), ip);
      if (ok && slash != std::string::npos) {
        const std::string_view b = std::string_view(cidr).substr(slash + 1);
        auto r = std::from_chars(b.data(), b.data() + b.size(), bits);
        ok = r.ec == std::errc() && r.ptr == b.data() + b.size() && bits >= 0 && bits <= 32;
      }
      if (!ok) return fail(a.values[0].pos, "'" + cidr + "' is not an IPv4 address or range such as 10.0.0.0/8");
      out.mask = bits == 0 ? 0u : ~std::uint32_t{0} << (32 - bits);
      out.net = ip & out.mask;
    }
    return true;
  }
};

// ---------------------------------------------------------------------------------------------
// Literals every match contains (see prefilter.h for why only "safe" text qualifies).

using clause = std::vector<prefilter::literal>;

std::size_t strength(const clause& c) {
  std::size_t m = SIZE_MAX;
  for (const auto& l : c) m = std::min(m, l.text.size());
  return c.empty() ? 0 : m;
}

// A literal run of `text`, or nothing when too short to be worth a search.
bool safe_literal(std::string_view text, bool ci, prefilter::literal& out) {
  std::string_view run = prefilter::longest_safe_run(text);
  if (run.size() < 2) return false;
  out = prefilter::literal{std::string(run), ci};
  return true;
}

std::vector<clause> required(const cnode& n) {
  std::vector<clause> out;
  switch (n.k) {
    case cnode::kind::constant:
    case cnode::kind::not_:
    case cnode::kind::number: return out;
    case cnode::kind::and_:
      for (const cnode& c : n.children) {
        auto r = required(c);
        out.insert(out.end(), r.begin(), r.end());
      }
      return out;
    case cnode::kind::or_: {
      clause merged;
      for (const cnode& c : n.children) {
        auto r = required(c);
        if (r.empty()) return {};
        auto best = std::max_element(r.begin(), r.end(),
                                     [](const clause& x, const clause& y) { return strength(x) < strength(y); });
        merged.insert(merged.end(), best->begin(), best->end());
      }
      out.push_back(std::move(merged));
      return out;
    }
    case cnode::kind::text:
    case cnode::kind::dynamic: {
      if (n.negated || n.oper == op::isempty || n.oper == op::regex || n.oper == op::ipv4_in_range) return out;
      if (is_order_op(n.oper)) {
        if (n.k != cnode::kind::dynamic) return out;
      } else {
        // The compared value itself: every alternative must yield a literal.
        clause values;
        bool all = true;
        for (const literal& l : n.values) {
          prefilter::literal lit;
          if (l.kind == value_kind::string && safe_literal(l.text, is_ci_op(n.oper), lit)) {
            values.push_back(std::move(lit));
          } else if (l.kind == value_kind::boolean) {
            values.push_back(prefilter::literal{l.boolean ? "true" : "false", false});
          } else {
            all = false;
          }
        }
        // Log Analytics rows without a Category column take it from their Type
        // (AKSAudit -> kube-audit, AKSAuditAdmin -> kube-audit-admin): that text stands in.
        if (n.id == field_id::category) values.push_back(prefilter::literal{"AKSAudit", false});
        if (all && !values.empty()) out.push_back(std::move(values));
      }
      if (n.k == cnode::kind::dynamic) {
        // A value at the path exists, so the last member name on the path is in the bytes.
        for (auto it = n.path.rbegin(); it != n.path.rend(); ++it) {
          if (it->k != path_step::kind::key) continue;
          prefilter::literal lit;
          if (safe_literal(it->key, false, lit)) out.push_back(clause{std::move(lit)});
          break;
        }
      }
      return out;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Rendering a syntax tree as text (for the builder's filter::text()).

std::string quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string render_literal(const literal& l) {
  switch (l.kind) {
    case value_kind::string: return quote(l.text);
    case value_kind::integer: return std::to_string(l.integer);
    case value_kind::real: {
      char buf[64];
      auto r = std::to_chars(buf, buf + sizeof buf, l.real);
      std::string s(buf, r.ptr);
      if (s.find_first_of(".e") == std::string::npos) s += ".0";
      return s;
    }
    case value_kind::boolean: return l.boolean ? "true" : "false";
    case value_kind::datetime: {
      char buf[max_timestamp_length];
      std::size_t n = format_timestamp(timestamp(std::chrono::nanoseconds(l.integer)), 9, buf);
      return "datetime(" + std::string(buf, n) + ")";
    }
    case value_kind::timespan: {
      std::int64_t ns = l.integer;
      if (ns % 1'000'000'000 == 0) return std::to_string(ns / 1'000'000'000) + "s";
      if (ns % 1'000'000 == 0) return std::to_string(ns / 1'000'000) + "ms";
      if (ns % 1'000 == 0) return std::to_string(ns / 1'000) + "microsecond";
      if (ns % 100 == 0) return std::to_string(ns / 100) + "tick";
      // Below a tick: seconds with nine decimals, which the lexer reads back exactly.
      const std::int64_t whole = ns / 1'000'000'000, frac = ns % 1'000'000'000;
      std::string digits = std::to_string(frac < 0 ? -frac : frac);
      return (ns < 0 && whole == 0 ? "-" : "") + std::to_string(whole) + "." + std::string(9 - digits.size(), '0') +
             digits + "s";
    }
  }
  return {};
}

std::string render_field(const field_ref& f) {
  std::string s(lang::info(f.id).name);
  for (const path_step& st : f.path) {
    switch (st.k) {
      case path_step::kind::key: s += "[" + quote(st.key) + "]"; break;
      case path_step::kind::index: s += "[" + std::to_string(st.index) + "]"; break;
      case path_step::kind::all: s += "[*]"; break;
    }
  }
  return s;
}

std::string render(const ast_node& a) {
  switch (a.k) {
    case ast_node::kind::constant: return a.constant ? "true" : "false";
    case ast_node::kind::not_: return "not(" + render(*a.children[0]) + ")";
    case ast_node::kind::and_:
    case ast_node::kind::or_: {
      std::string s = "(";
      for (std::size_t i = 0; i < a.children.size(); ++i) {
        if (i) s += a.k == ast_node::kind::and_ ? " and " : " or ";
        s += render(*a.children[i]);
      }
      return s + ")";
    }
    case ast_node::kind::predicate: {
      const std::string f = render_field(a.field);
      if (a.oper == op::isempty) return spell(a.oper, a.negated) + "(" + f + ")";
      if (a.oper == op::ipv4_in_range) {
        std::string s = "ipv4_is_in_range(" + f + ", " + render_literal(a.values[0]) + ")";
        return a.negated ? "not(" + s + ")" : s;
      }
      std::string s = f + " " + spell(a.oper, a.negated) + " ";
      if (a.oper == op::in || a.oper == op::in_ci) {
        s += "(";
        for (std::size_t i = 0; i < a.values.size(); ++i) s += (i ? ", " : "") + render_literal(a.values[i]);
        return s + ")";
      }
      if (a.oper == op::between) {
        return s + "(" + render_literal(a.values[0]) + " .. " + render_literal(a.values[1]) + ")";
      }
      return s + render_literal(a.values[0]);
    }
  }
  return {};
}

result<filter, expression_error> make_error(std::string_view text, std::size_t pos, std::string message) {
  expression_error e;
  e.expression = std::string(text);
  e.column = pos + 1;
  e.message = std::move(message);
  return unexpected(std::move(e));
}

std::shared_ptr<filter_program> compile_program(const ast_node& root, std::string text,
                                                      compile_error* err) {
  auto p = std::make_shared<filter_program>();
  compiler c;
  if (!c.build(root, p->root)) {
    *err = c.err;
    return nullptr;
  }
  p->fields = c.fields;
  for (clause& cl : required(p->root)) p->literals.require_any(std::move(cl));
  p->text = std::move(text);
  return p;
}

}  // namespace
}  // namespace detail

// -------------------------------------------------------------------------------------------
// Public API.

std::string expression_error::render() const {
  std::string out = "error: " + message + "\n  ";
  // Show the line the column is on, with the caret under it.
  std::size_t line_start = 0;
  const std::size_t at = column == 0 ? 0 : std::min(column - 1, expression.size());
  for (std::size_t i = 0; i < at; ++i) {
    if (expression[i] == '\n') line_start = i + 1;
  }
  std::size_t line_end = expression.find('\n', line_start);
  if (line_end == std::string::npos) line_end = expression.size();
  std::string line = expression.substr(line_start, line_end - line_start);
  for (char& c : line) {
    if (c == '\t') c = ' ';
  }
  out += line + "\n  " + std::string(at - line_start, ' ') + "^";
  return out;
}

filter::filter() {
  auto p = std::make_shared<detail::filter_program>();
  p->text = "true";
  prog_ = std::move(p);
}

result<filter, expression_error> filter::compile(std::string_view text) {
  const std::vector<lang::token> toks = lang::lex(text);
  lang::expr_parser parser(text, toks);
  detail::ast_ptr root = parser.parse_expression();
  if (!root) return detail::make_error(text, parser.error().pos, parser.error().message);
  const lang::token& after = parser.peek();
  if (after.kind == lang::tok::error) return detail::make_error(text, after.pos, after.text);
  if (after.kind != lang::tok::end) {
    std::string what = after.kind == lang::tok::ident ? "'" + after.text + "'" : std::string(lang::describe(after.kind));
    std::string hint = after.kind == lang::tok::ident ? " (join conditions with 'and' / 'or')" : "";
    return detail::make_error(text, after.pos, "unexpected " + what + " after a complete expression" + hint);
  }
  detail::compile_error err;
  auto prog = detail::compile_program(*root, std::string(text), &err);
  if (!prog) return detail::make_error(text, err.pos, err.message);
  return filter(std::move(prog));
}

result<filter, expression_error> filter::compile(const expr& e) {
  detail::compile_error err;
  auto prog = detail::compile_program(*e.node(), {}, &err);
  if (!prog) return detail::make_error({}, 0, err.message);
  prog->text = detail::render(*e.node());  // after the depth check: render recurses too
  return filter(std::move(prog));
}

result<filter, expression_error> detail::compile_tree(const ast_node& root, std::string_view text) {
  detail::compile_error err;
  auto prog = detail::compile_program(root, std::string(text), &err);
  if (!prog) return detail::make_error(text, err.pos, err.message);
  return filter(std::move(prog));
}

bool filter::matches(const event& ev) const noexcept { return detail::eval(prog_->root, ev); }

std::size_t filter::select(std::span<const event> events, std::span<std::uint32_t> selection) const noexcept {
  std::size_t n = 0;
  const detail::cnode& root = prog_->root;
  for (std::size_t i = 0; i < events.size() && n < selection.size(); ++i) {
    // Branch-free append: the slot is always written, the count moves only on a match.
    selection[n] = static_cast<std::uint32_t>(i);
    n += detail::eval(root, events[i]) ? 1 : 0;
  }
  return n;
}

void filter::select(std::span<const event> events, std::vector<std::uint32_t>& selection) const {
  selection.resize(events.size());
  selection.resize(select(events, std::span<std::uint32_t>(selection)));
}

field_mask filter::fields() const noexcept { return prog_->fields; }
const prefilter& filter::required_literals() const noexcept { return prog_->literals; }
const std::string& filter::text() const noexcept { return prog_->text; }

// -------------------------------------------------------------------------------------------
// The typed builder.

namespace {

using detail::ast_node;
using detail::literal;
using detail::op;
using detail::value_kind;

expr connect(ast_node::kind k, const expr& a, const expr& b) {
  auto n = std::make_shared<ast_node>();
  n->k = k;
  // Flatten chains (a && b && c) into one node.
  for (const expr* e : {&a, &b}) {
    if (e->node()->k == k) {
      n->children.insert(n->children.end(), e->node()->children.begin(), e->node()->children.end());
    } else {
      n->children.push_back(e->node());
    }
  }
  return expr(std::move(n));
}

literal str_lit(std::string_view v) {
  literal l;
  l.kind = value_kind::string;
  l.text = std::string(v);
  return l;
}

literal int_lit(std::int64_t v, value_kind k = value_kind::integer) {
  literal l;
  l.kind = k;
  l.integer = v;
  return l;
}

expr pred(detail::field_id id, op o, bool negated, std::vector<literal> values,
          std::vector<detail::path_step> path = {}) {
  auto n = std::make_shared<ast_node>();
  n->k = ast_node::kind::predicate;
  n->field.id = id;
  n->field.path = std::move(path);
  n->field.spelled = std::string(lang::info(id).name);
  n->oper = o;
  n->negated = negated;
  n->values = std::move(values);
  return expr(std::move(n));
}

}  // namespace

expr operator&&(const expr& a, const expr& b) { return connect(ast_node::kind::and_, a, b); }
expr operator||(const expr& a, const expr& b) { return connect(ast_node::kind::or_, a, b); }
expr operator!(const expr& a) {
  auto n = std::make_shared<ast_node>();
  n->k = ast_node::kind::not_;
  n->children.push_back(a.node());
  return expr(std::move(n));
}

namespace field {

expr string_field::operator==(std::string_view v) const { return pred(id_, op::eq, false, {str_lit(v)}); }
expr string_field::operator!=(std::string_view v) const { return pred(id_, op::eq, true, {str_lit(v)}); }
expr string_field::equals_ci(std::string_view v) const { return pred(id_, op::eq_ci, false, {str_lit(v)}); }
expr string_field::has(std::string_view v) const { return pred(id_, op::has, false, {str_lit(v)}); }
expr string_field::has_cs(std::string_view v) const { return pred(id_, op::has_cs, false, {str_lit(v)}); }
expr string_field::contains(std::string_view v) const { return pred(id_, op::contains, false, {str_lit(v)}); }
expr string_field::contains_cs(std::string_view v) const { return pred(id_, op::contains_cs, false, {str_lit(v)}); }
expr string_field::startswith(std::string_view v) const { return pred(id_, op::startswith, false, {str_lit(v)}); }
expr string_field::startswith_cs(std::string_view v) const { return pred(id_, op::startswith_cs, false, {str_lit(v)}); }
expr string_field::endswith(std::string_view v) const { return pred(id_, op::endswith, false, {str_lit(v)}); }
expr string_field::endswith_cs(std::string_view v) const { return pred(id_, op::endswith_cs, false, {str_lit(v)}); }
expr string_field::in(std::initializer_list<std::string_view> vs) const {
  std::vector<literal> l;
  for (std::string_view v : vs) l.push_back(str_lit(v));
  return pred(id_, op::in, false, std::move(l));
}
expr string_field::in_ci(std::initializer_list<std::string_view> vs) const {
  std::vector<literal> l;
  for (std::string_view v : vs) l.push_back(str_lit(v));
  return pred(id_, op::in_ci, false, std::move(l));
}
expr string_field::matches_regex(std::string_view p) const { return pred(id_, op::regex, false, {str_lit(p)}); }
expr string_field::empty() const { return pred(id_, op::isempty, false, {}); }
expr string_field::ipv4_in_range(std::string_view c) const { return pred(id_, op::ipv4_in_range, false, {str_lit(c)}); }

expr integer_field::operator==(std::int64_t v) const { return pred(id_, op::eq, false, {int_lit(v)}); }
expr integer_field::operator!=(std::int64_t v) const { return pred(id_, op::eq, true, {int_lit(v)}); }
expr integer_field::operator<(std::int64_t v) const { return pred(id_, op::lt, false, {int_lit(v)}); }
expr integer_field::operator<=(std::int64_t v) const { return pred(id_, op::le, false, {int_lit(v)}); }
expr integer_field::operator>(std::int64_t v) const { return pred(id_, op::gt, false, {int_lit(v)}); }
expr integer_field::operator>=(std::int64_t v) const { return pred(id_, op::ge, false, {int_lit(v)}); }
expr integer_field::between(std::int64_t lo, std::int64_t hi) const {
  return pred(id_, op::between, false, {int_lit(lo), int_lit(hi)});
}
expr integer_field::in(std::initializer_list<std::int64_t> vs) const {
  std::vector<literal> l;
  for (std::int64_t v : vs) l.push_back(int_lit(v));
  return pred(id_, op::in, false, std::move(l));
}
expr integer_field::empty() const { return pred(id_, op::isempty, false, {}); }

namespace {
literal time_lit(timestamp t) { return int_lit(t.time_since_epoch().count(), value_kind::datetime); }
literal span_lit(std::chrono::nanoseconds d) { return int_lit(d.count(), value_kind::timespan); }
}  // namespace

expr time_field::operator<(timestamp t) const { return pred(id_, op::lt, false, {time_lit(t)}); }
expr time_field::operator<=(timestamp t) const { return pred(id_, op::le, false, {time_lit(t)}); }
expr time_field::operator>(timestamp t) const { return pred(id_, op::gt, false, {time_lit(t)}); }
expr time_field::operator>=(timestamp t) const { return pred(id_, op::ge, false, {time_lit(t)}); }
expr time_field::between(timestamp lo, timestamp hi) const {
  return pred(id_, op::between, false, {time_lit(lo), time_lit(hi)});
}
expr time_field::empty() const { return pred(id_, op::isempty, false, {}); }

expr duration_field::operator<(std::chrono::nanoseconds d) const { return pred(id_, op::lt, false, {span_lit(d)}); }
expr duration_field::operator<=(std::chrono::nanoseconds d) const { return pred(id_, op::le, false, {span_lit(d)}); }
expr duration_field::operator>(std::chrono::nanoseconds d) const { return pred(id_, op::gt, false, {span_lit(d)}); }
expr duration_field::operator>=(std::chrono::nanoseconds d) const { return pred(id_, op::ge, false, {span_lit(d)}); }
expr duration_field::between(std::chrono::nanoseconds lo, std::chrono::nanoseconds hi) const {
  return pred(id_, op::between, false, {span_lit(lo), span_lit(hi)});
}
expr duration_field::empty() const { return pred(id_, op::isempty, false, {}); }

dynamic_path dynamic_path::operator[](std::string_view key) const {
  dynamic_path p = *this;
  p.steps_.push_back(step{std::string(key), 0, 0});
  return p;
}
dynamic_path dynamic_path::at(std::int64_t index) const {
  dynamic_path p = *this;
  p.steps_.push_back(step{{}, index, 1});
  return p;
}
dynamic_path dynamic_path::all() const {
  dynamic_path p = *this;
  p.steps_.push_back(step{{}, 0, 2});
  return p;
}

expr dynamic_path::make(int o, bool negated, int vk, std::string_view s, std::int64_t i, bool b) const {
  std::vector<detail::path_step> path;
  for (const step& st : steps_) {
    detail::path_step p;
    p.k = st.kind == 0 ? detail::path_step::kind::key
          : st.kind == 1 ? detail::path_step::kind::index
                         : detail::path_step::kind::all;
    p.key = st.key;
    p.index = st.index;
    path.push_back(std::move(p));
  }
  std::vector<literal> values;
  if (vk >= 0) {
    literal l;
    l.kind = static_cast<value_kind>(vk);
    l.text = std::string(s);
    l.integer = i;
    l.boolean = b;
    values.push_back(std::move(l));
  }
  return pred(id_, static_cast<op>(o), negated, std::move(values), std::move(path));
}

namespace {
constexpr int k_string = static_cast<int>(value_kind::string);
constexpr int k_integer = static_cast<int>(value_kind::integer);
constexpr int k_boolean = static_cast<int>(value_kind::boolean);
int o(op x) { return static_cast<int>(x); }
}  // namespace

expr dynamic_path::operator==(std::string_view v) const { return make(o(op::eq), false, k_string, v, 0, false); }
expr dynamic_path::operator==(std::int64_t v) const { return make(o(op::eq), false, k_integer, {}, v, false); }
expr dynamic_path::operator==(bool v) const { return make(o(op::eq), false, k_boolean, {}, 0, v); }
expr dynamic_path::operator!=(std::string_view v) const { return make(o(op::eq), true, k_string, v, 0, false); }
expr dynamic_path::has(std::string_view v) const { return make(o(op::has), false, k_string, v, 0, false); }
expr dynamic_path::contains(std::string_view v) const { return make(o(op::contains), false, k_string, v, 0, false); }
expr dynamic_path::startswith(std::string_view v) const { return make(o(op::startswith), false, k_string, v, 0, false); }
expr dynamic_path::operator>(std::int64_t v) const { return make(o(op::gt), false, k_integer, {}, v, false); }
expr dynamic_path::operator<(std::int64_t v) const { return make(o(op::lt), false, k_integer, {}, v, false); }
expr dynamic_path::empty() const { return make(o(op::isempty), false, -1, {}, 0, false); }

}  // namespace field
}  // namespace k8saudit
