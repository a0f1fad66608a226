// SPDX-License-Identifier: Apache-2.0
// Pipelines: parsing (`where | summarize | top | order by | take | project | extend`), the
// group table with its mergeable aggregates, serialisation, and the operators that run on the
// finished table.
#include "k8saudit/aggregate.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <map>
#include <set>
#include <unordered_map>

#define XXH_INLINE_ALL  // the group table hashes short keys: inlined XXH3 beats a library call
#include <xxhash.h>

#include "json_scan.h"
#include "k8saudit/sketches.h"
#include "k8saudit/write.h"
#include "query/ast.h"
#include "query/expr_parser.h"
#include "query/fields.h"
#include "query/json_path.h"
#include "query/lexer.h"

namespace k8saudit {
namespace detail {
namespace {

using lang::field_type;
using lang::tok;
using lang::token;

// ---------------------------------------------------------------------------------------------
// The compiled pipeline.

enum class agg_kind : std::uint8_t { count, countif, dcount, sum, min, max, avg, percentiles, make_set, requests };

struct key_spec {
  field_ref field;
  field_type type{field_type::string};  // lang::info(field.id).type, kept at hand
  bool binned{false};
  std::int64_t step{0};  // bin width: ns for datetime/timespan, units for integers
  std::string name;
};

struct agg_spec {
  agg_kind kind{agg_kind::count};
  field_ref field;                  // the argument, when there is one
  bool has_field{false};
  std::shared_ptr<filter> pred;     // countif
  std::vector<double> percents;     // percentiles
  std::size_t set_max{0};
  std::vector<std::string> names;   // output columns (several for percentiles)
};

enum class sort_dir : std::uint8_t { desc, asc };

struct post_op {
  enum class kind : std::uint8_t { top, order, take, project, extend, where } k{kind::take};
  std::size_t count{0};                              // top / take
  std::vector<std::pair<std::size_t, sort_dir>> by;  // column index, direction
  std::vector<std::pair<std::string, std::size_t>> project;  // output name, source column
  // extend: name = a (op b)*, operands are columns or numbers
  struct operand {
    bool is_column{false};
    std::size_t column{0};
    value number{};
  };
  std::string name;
  std::vector<operand> operands;
  std::vector<char> ops;
  // where: column cmp literal, all of them
  struct condition {
    std::size_t column{0};
    tok cmp{tok::eq};
    value rhs{};
  };
  std::vector<condition> conditions;
};

}  // namespace

struct query_program {
  std::string text;
  query_limits limits;
  std::optional<filter> where;       // leading where clauses, and-ed
  std::vector<key_spec> keys;
  std::vector<agg_spec> aggs;
  std::vector<post_op> post;
  std::vector<std::string> columns;  // after summarize (keys then aggregates)
  field_mask fields{};
  prefilter no_literals{};
  /// One plain string key (`by verb`): groups are keyed by the string itself, with no encoding.
  bool raw_key{false};
};

namespace {

// ---------------------------------------------------------------------------------------------
// Column names, KQL style: dots and brackets become underscores.

std::string column_name(const std::string& spelled) {
  std::string out;
  for (char c : spelled) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_') {
      out += c;
    } else if (!out.empty() && out.back() != '_') {
      out += '_';
    }
  }
  while (!out.empty() && out.back() == '_') out.pop_back();
  return out;
}

std::string number_name(double p) {
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, p);
  std::string s(buf, r.ptr);
  for (char& c : s) {
    if (c == '.') c = '_';
  }
  return s;
}

value::kind field_value_kind(field_type t) {
  switch (t) {
    case field_type::integer: return value::kind::integer;
    case field_type::datetime: return value::kind::datetime;
    case field_type::timespan: return value::kind::timespan;
    case field_type::dynamic: return value::kind::dynamic;
    default: return value::kind::string;
  }
}

// ---------------------------------------------------------------------------------------------
// Parsing.

struct pipeline_error {
  std::size_t pos{0};
  std::string message;
};

class pipeline_parser {
 public:
  pipeline_parser(std::string_view src, const std::vector<token>& toks, query_program& prog)
      : src_(src), toks_(toks), p_(prog), ep_(src, toks) {}

  bool parse() {
    // An optional table name first, as copied from Log Analytics: `AKSAudit | where ...`.
    if (toks_.size() > 2 && peek().kind == tok::ident && toks_[1].kind == tok::pipe && !is_operator(peek().text)) {
      ep_.next();
      ep_.next();
    }
    std::vector<ast_ptr> wheres;
    bool summarized = false;
    while (true) {
      const token& t = peek();
      if (t.kind == tok::error) return fail(t.pos, t.text);
      if (t.kind != tok::ident) return fail(t.pos, "expected an operator (where, summarize, top, order by, take, project, extend)");
      const std::string op = t.text;
      ep_.next();
      if (op == "where" || op == "filter") {
        if (!summarized) {
          ast_ptr e = ep_.parse_expression();
          if (!e) return from_ep();
          wheres.push_back(std::move(e));
        } else if (!parse_post_where()) {
          return false;
        }
      } else if (op == "summarize") {
        if (summarized) return fail(t.pos, "only one summarize per query");
        if (!parse_summarize()) return false;
        summarized = true;
      } else if (op == "top" || op == "order" || op == "sort" || op == "take" || op == "limit" || op == "project" ||
                 op == "extend") {
        if (!summarized) {
          return fail(t.pos, "'" + op + "' works on the rows of a summarize: add one before it (to list events, use `k8saudit filter`)");
        }
        if (!parse_post(op, t.pos)) return false;
      } else {
        return fail(t.pos, "unknown operator '" + op + "' (use where, summarize, top, order by, take, project, extend)");
      }
      if (peek().kind == tok::end) break;
      if (peek().kind != tok::pipe) return fail(peek().pos, "expected '|' between operators");
      ep_.next();
    }
    if (!summarized) return fail(src_.size(), "a query needs a summarize (to list events, use `k8saudit filter`)");
    if (!wheres.empty()) {
      ast_ptr root = wheres.front();
      if (wheres.size() > 1) {
        auto n = std::make_shared<ast_node>();
        n->k = ast_node::kind::and_;
        n->children = wheres;
        root = n;
      }
      auto f = compile_tree(*root, src_);
      if (!f) return fail(f.error().column == 0 ? 0 : f.error().column - 1, f.error().message);
      p_.fields |= f->fields();
      p_.where = std::move(*f);
    }
    p_.raw_key = p_.keys.size() == 1 && !p_.keys[0].binned &&
                 lang::info(p_.keys[0].field.id).type == field_type::string;
    return true;
  }

  pipeline_error err;

 private:
  static bool is_operator(const std::string& w) {
    return w == "where" || w == "filter" || w == "summarize" || w == "top" || w == "order" || w == "sort" ||
           w == "take" || w == "limit" || w == "project" || w == "extend";
  }
  const token& peek() const { return ep_.peek(); }
  bool fail(std::size_t pos, std::string message) {
    if (err.message.empty()) err = pipeline_error{pos, std::move(message)};
    return false;
  }
  bool from_ep() { return fail(ep_.error().pos, ep_.error().message); }
  bool expect(tok k, std::string_view what) { return ep_.expect(k, what) || from_ep(); }

  // `name =` before an aggregate, a key, a projected or extended column.
  std::string optional_name() {
    if (peek().kind == tok::ident && toks_[ep_.position() + 1].kind == tok::assign) {
      std::string n = peek().text;
      ep_.next();
      ep_.next();
      return n;
    }
    return {};
  }

  bool field(field_ref& f) { return ep_.parse_field(f) || from_ep(); }

  bool numeric_field(const field_ref& f, std::string_view fn) {
    const field_type t = lang::info(f.id).type;
    if (t == field_type::integer || t == field_type::datetime || t == field_type::timespan || t == field_type::dynamic) {
      return true;
    }
    return fail(f.pos, std::string(fn) + "() needs a number, datetime or timespan field; '" + f.spelled + "' is a string");
  }

  bool parse_summarize() {
    do {
      agg_spec a;
      const std::string name = optional_name();
      const token& fn = peek();
      if (fn.kind != tok::ident) return fail(fn.pos, "expected an aggregate such as count()");
      const std::string f = fn.text;
      ep_.next();
      if (!expect(tok::lparen, "after " + f)) return false;
      std::string base;
      if (f == "count") {
        a.kind = agg_kind::count;
        base = "count_";
      } else if (f == "requests") {
        a.kind = agg_kind::requests;
        base = "requests_";
        p_.fields |= part::audit_id;
      } else if (f == "countif") {
        a.kind = agg_kind::countif;
        base = "countif_";
        ast_ptr e = ep_.parse_expression();
        if (!e) return from_ep();
        auto compiled = compile_tree(*e, src_);
        if (!compiled) return fail(compiled.error().column - 1, compiled.error().message);
        p_.fields |= compiled->fields();
        a.pred = std::make_shared<filter>(std::move(*compiled));
      } else if (f == "dcount" || f == "sum" || f == "min" || f == "max" || f == "avg" || f == "make_set" ||
                 f == "percentile" || f == "percentiles") {
        if (!field(a.field)) return false;
        a.has_field = true;
        p_.fields |= lang::info(a.field.id).parts;
        const std::string arg = column_name(a.field.spelled);
        if (f == "dcount") {
          a.kind = agg_kind::dcount;
          base = "dcount_" + arg;
        } else if (f == "make_set") {
          a.kind = agg_kind::make_set;
          base = "set_" + arg;
          a.set_max = p_.limits.max_set_size;
          if (peek().kind == tok::comma) {
            ep_.next();
            const token& n = peek();
            if (n.kind != tok::integer || n.integer < 1 || n.integer > 1'000'000) {
              return fail(n.pos, "make_set's size must be an integer from 1 to 1000000");
            }
            a.set_max = static_cast<std::size_t>(n.integer);
            ep_.next();
          }
        } else if (f == "percentile" || f == "percentiles") {
          if (!numeric_field(a.field, f)) return false;
          if (lang::info(a.field.id).type == field_type::datetime) {
            // 1% of a time since 1970 is months: the sketch's bound means nothing there.
            return fail(a.field.pos, f + "() of a datetime is not supported: use min(), max() or bin() by time");
          }
          a.kind = agg_kind::percentiles;
          do {
            if (!expect(tok::comma, "before the percentile")) return false;
            const token& n = peek();
            if ((n.kind != tok::integer && n.kind != tok::real) || n.real < 0 || n.real > 100) {
              return fail(n.pos, "a percentile is a number from 0 to 100");
            }
            a.percents.push_back(n.real);
            ep_.next();
          } while (f == "percentiles" && peek().kind == tok::comma);
          for (double pc : a.percents) a.names.push_back("percentile_" + arg + "_" + number_name(pc));
        } else {
          if (!numeric_field(a.field, f)) return false;
          if ((f == "sum" || f == "avg") && lang::info(a.field.id).type == field_type::datetime) {
            return fail(a.field.pos, f + "() of a datetime has no meaning: use min() or max()");
          }
          a.kind = f == "sum" ? agg_kind::sum : f == "min" ? agg_kind::min : f == "max" ? agg_kind::max : agg_kind::avg;
          base = f + "_" + arg;
        }
      } else {
        return fail(fn.pos, "unknown aggregate '" + f +
                                "' (use count, countif, dcount, sum, min, max, avg, percentile, percentiles, make_set, requests)");
      }
      if (!expect(tok::rparen, "to close " + f + "(")) return false;
      if (a.names.empty()) a.names.push_back(name.empty() ? base : name);
      else if (!name.empty()) {
        if (a.names.size() != 1) return fail(fn.pos, "percentiles() makes several columns: it cannot be named");
        a.names[0] = name;
      }
      p_.aggs.push_back(std::move(a));
      if (peek().kind != tok::comma) break;
      ep_.next();
    } while (true);
    if (ep_.at_word("by")) {
      ep_.next();
      do {
        key_spec k;
        k.name = optional_name();
        if (ep_.at_word("bin") && toks_[ep_.position() + 1].kind == tok::lparen) {
          ep_.next();
          ep_.next();
          if (!field(k.field)) return false;
          const field_type t = lang::info(k.field.id).type;
          if (!expect(tok::comma, "before the bin size")) return false;
          literal step;
          if (!ep_.parse_literal(step)) return from_ep();
          const bool ok = (t == field_type::datetime || t == field_type::timespan) ? step.kind == value_kind::timespan
                          : t == field_type::integer ? step.kind == value_kind::integer
                                                     : false;
          if (!ok || step.integer <= 0) {
            return fail(step.pos, "bin() needs a datetime or timespan field with a positive timespan, or a number "
                                  "field with a positive integer");
          }
          k.binned = true;
          k.step = step.integer;
          if (!expect(tok::rparen, "to close bin(")) return false;
        } else {
          if (!field(k.field)) return false;
        }
        if (lang::info(k.field.id).type == field_type::strings) {
          return fail(k.field.pos, "'" + k.field.spelled + "' is a list: group by a single value (dcount() or "
                                   "make_set() summarize lists)");
        }
        p_.fields |= lang::info(k.field.id).parts;
        k.type = lang::info(k.field.id).type;
        if (k.name.empty()) k.name = column_name(k.field.spelled);
        p_.keys.push_back(std::move(k));
        if (peek().kind != tok::comma) break;
        ep_.next();
      } while (true);
    }
    for (const key_spec& k : p_.keys) p_.columns.push_back(k.name);
    for (const agg_spec& a : p_.aggs) p_.columns.insert(p_.columns.end(), a.names.begin(), a.names.end());
    for (std::size_t i = 0; i < p_.columns.size(); ++i) {
      for (std::size_t j = 0; j < i; ++j) {
        if (p_.columns[i] == p_.columns[j]) {
          return fail(0, "two columns are named '" + p_.columns[i] + "': name one with `name = ...`");
        }
      }
    }
    return true;
  }

  bool column(std::size_t& out) {
    const token& t = peek();
    if (t.kind != tok::ident) return fail(t.pos, "expected a column name");
    for (std::size_t i = 0; i < p_.columns.size(); ++i) {
      if (p_.columns[i] == t.text) {
        out = i;
        ep_.next();
        return true;
      }
    }
    std::string msg = "unknown column '" + t.text + "'; the columns are:";
    for (const std::string& c : p_.columns) msg += " " + c;
    return fail(t.pos, msg);
  }

  bool direction(sort_dir& d) {
    d = sort_dir::desc;  // KQL sorts descending unless told otherwise
    if (ep_.at_word("asc")) {
      d = sort_dir::asc;
      ep_.next();
    } else if (ep_.at_word("desc")) {
      ep_.next();
    }
    return true;
  }

  bool count(std::size_t& n) {
    const token& t = peek();
    if (t.kind != tok::integer || t.integer < 0) return fail(t.pos, "expected a number of rows");
    n = static_cast<std::size_t>(t.integer);
    ep_.next();
    return true;
  }

  bool literal_value(value& v) {
    literal l;
    if (!ep_.parse_literal(l)) return from_ep();
    switch (l.kind) {
      case value_kind::string: v.k = value::kind::string; v.text = l.text; break;
      case value_kind::integer: v.k = value::kind::integer; v.integer = l.integer; break;
      case value_kind::real: v.k = value::kind::real; v.real = l.real; break;
      case value_kind::boolean: v.k = value::kind::boolean; v.integer = l.boolean ? 1 : 0; break;
      case value_kind::datetime: v.k = value::kind::datetime; v.integer = l.integer; break;
      case value_kind::timespan: v.k = value::kind::timespan; v.integer = l.integer; break;
    }
    return true;
  }

  bool parse_post_where() {
    post_op op;
    op.k = post_op::kind::where;
    do {
      post_op::condition c;
      if (!column(c.column)) return false;
      const token& t = peek();
      if (t.kind != tok::eq && t.kind != tok::ne && t.kind != tok::lt && t.kind != tok::le && t.kind != tok::gt &&
          t.kind != tok::ge) {
        return fail(t.pos, "after summarize, where compares a column with a value (==, !=, <, <=, >, >=)");
      }
      c.cmp = t.kind;
      ep_.next();
      if (!literal_value(c.rhs)) return false;
      op.conditions.push_back(std::move(c));
      if (!ep_.at_word("and")) break;
      ep_.next();
    } while (true);
    p_.post.push_back(std::move(op));
    return true;
  }

  bool parse_post(const std::string& name, std::size_t pos) {
    post_op op;
    if (name == "top") {
      op.k = post_op::kind::top;
      if (!count(op.count)) return false;
      if (!ep_.at_word("by")) return fail(peek().pos, "expected 'by' after top N");
      ep_.next();
      std::size_t c = 0;
      sort_dir d{};
      if (!column(c) || !direction(d)) return false;
      op.by.emplace_back(c, d);
    } else if (name == "order" || name == "sort") {
      op.k = post_op::kind::order;
      if (!ep_.at_word("by")) return fail(peek().pos, "expected 'by' after " + name);
      ep_.next();
      do {
        std::size_t c = 0;
        sort_dir d{};
        if (!column(c) || !direction(d)) return false;
        op.by.emplace_back(c, d);
        if (peek().kind != tok::comma) break;
        ep_.next();
      } while (true);
    } else if (name == "take" || name == "limit") {
      op.k = post_op::kind::take;
      if (!count(op.count)) return false;
    } else if (name == "project") {
      op.k = post_op::kind::project;
      std::vector<std::string> out;
      do {
        std::string n = optional_name();
        std::size_t c = 0;
        if (!column(c)) return false;
        op.project.emplace_back(n.empty() ? p_.columns[c] : n, c);
        out.push_back(op.project.back().first);
        if (peek().kind != tok::comma) break;
        ep_.next();
      } while (true);
      p_.columns = out;
    } else {  // extend: one post_op per `name = expression`, comma-separated
      op.k = post_op::kind::extend;
      op.name = optional_name();
      if (op.name.empty()) return fail(pos, "extend needs `name = expression`");
      do {
        post_op::operand o;
        const token& t = peek();
        if (t.kind == tok::ident) {
          o.is_column = true;
          if (!column(o.column)) return false;
        } else if (!literal_value(o.number)) {
          return false;
        } else if (o.number.k != value::kind::integer && o.number.k != value::kind::real &&
                   o.number.k != value::kind::timespan) {
          return fail(t.pos, "extend computes with numbers and timespans");
        }
        op.operands.push_back(std::move(o));
        const token& s = peek();
        const char c = s.kind == tok::star ? '*' : s.kind == tok::minus ? '-' : s.kind == tok::plus ? '+'
                       : s.kind == tok::slash ? '/' : '\0';
        if (c == '\0') break;
        op.ops.push_back(c);
        ep_.next();
      } while (true);
      p_.columns.push_back(op.name);
      if (peek().kind == tok::comma) {  // another `name = expression` of the same extend
        ep_.next();
        if (!check_unique(pos)) return false;
        p_.post.push_back(std::move(op));
        return parse_post(name, peek().pos);
      }
    }
    if (!check_unique(pos)) return false;
    p_.post.push_back(std::move(op));
    return true;
  }

  bool check_unique(std::size_t pos) {
    for (std::size_t i = 0; i < p_.columns.size(); ++i) {
      for (std::size_t j = 0; j < i; ++j) {
        if (p_.columns[i] == p_.columns[j]) {
          return fail(pos, "two columns would be named '" + p_.columns[i] + "': choose another name");
        }
      }
    }
    return true;
  }

  std::string_view src_;
  const std::vector<token>& toks_;
  query_program& p_;
  lang::expr_parser ep_;
};

}  // namespace

// ---------------------------------------------------------------------------------------------
// Group state.

namespace {

struct agg_state {
  std::uint64_t n{0};
  std::int64_t isum{0};
  double dsum{0};
  bool has_int{false}, has_real{false};
  bool sum_real{false};  ///< an integer sum overflowed: the total goes on in dsum
  std::int64_t imin{0}, imax{0};
  double dmin{0}, dmax{0};
  std::unique_ptr<distinct_counter> distinct;
  std::unique_ptr<quantile_sketch> quantiles;
  std::unique_ptr<std::set<std::string, std::less<>>> set;
  bool set_full{false};
};

struct group {
  std::uint64_t events{0};  ///< events that fell in the group
  std::vector<agg_state> aggs;
};

// The groups of a state: an open-addressing index (power-of-two slots, linear probing, the
// hash kept beside each key) over a vector of entries. A node-based std::unordered_map costs a
// division and two pointer chases per lookup, which was most of the price of a `by`.
class group_table {
 public:
  struct entry {
    std::string key;
    std::uint64_t hash;
    group g;
  };

  group* find(std::string_view key, std::uint64_t h) noexcept {
    if (slots_.empty()) return nullptr;
    for (std::size_t i = h & mask_;; i = (i + 1) & mask_) {
      const std::uint32_t s = slots_[i];
      if (s == 0) return nullptr;
      entry& e = entries_[s - 1];
      if (e.hash == h && e.key.size() == key.size() &&
          (key.empty() || std::memcmp(e.key.data(), key.data(), key.size()) == 0)) {
        recent_ = s;
        return &e.g;
      }
    }
  }
  /// The group found or added last, when its key is `key`: events in a row often share their
  /// key, which then costs one compare instead of a hash and a probe.
  group* find_recent(std::string_view key) noexcept {
    if (recent_ == 0) return nullptr;
    entry& e = entries_[recent_ - 1];
    return e.key == key ? &e.g : nullptr;
  }
  group* find(std::string_view key) noexcept { return find(key, hash(key)); }

  /// Adds an absent key.
  group& insert(std::string_view key, std::uint64_t h) {
    if ((entries_.size() + 1) * 2 > slots_.size()) grow();
    entries_.push_back(entry{std::string(key), h, group{}});
    recent_ = static_cast<std::uint32_t>(entries_.size());
    place(recent_, h);
    return entries_.back().g;
  }
  group& insert(std::string_view key) { return insert(key, hash(key)); }

  [[nodiscard]] std::size_t size() const noexcept { return entries_.size(); }
  [[nodiscard]] const std::vector<entry>& entries() const noexcept { return entries_; }

  static std::uint64_t hash(std::string_view key) noexcept { return XXH3_64bits(key.data(), key.size()); }

 private:
  void place(std::uint32_t index1, std::uint64_t h) noexcept {
    std::size_t i = h & mask_;
    while (slots_[i] != 0) i = (i + 1) & mask_;
    slots_[i] = index1;
  }
  void grow() {
    const std::size_t n = slots_.empty() ? 16 : slots_.size() * 2;
    slots_.assign(n, 0);
    mask_ = n - 1;
    for (std::size_t k = 0; k < entries_.size(); ++k) place(static_cast<std::uint32_t>(k + 1), entries_[k].hash);
  }

  std::vector<std::uint32_t> slots_;  // 0 = empty, else entry index + 1
  std::size_t mask_{0};
  std::vector<entry> entries_;
  std::uint32_t recent_{0};  // entry index + 1 of the last group found or added (0 = none)
};

// Keys as bytes: per key one kind byte, then 8 bytes (numbers) or a 4-byte length and the text.
void encode(const value& v, std::string& out) {
  out += static_cast<char>(v.k);
  if (v.k == value::kind::string || v.k == value::kind::dynamic) {
    const auto n = static_cast<std::uint32_t>(v.text.size());
    char len[4];
    std::memcpy(len, &n, 4);
    out.append(len, 4);
    out += v.text;
  } else if (v.k == value::kind::real) {
    char b[8];
    std::memcpy(b, &v.real, 8);
    out.append(b, 8);
  } else if (v.k != value::kind::null) {
    char b[8];
    std::memcpy(b, &v.integer, 8);
    out.append(b, 8);
  }
}

bool decode(std::string_view& in, value& v) {
  if (in.empty()) return false;
  const auto k = static_cast<unsigned char>(in[0]);
  if (k > static_cast<unsigned char>(value::kind::dynamic)) return false;
  v = value{};
  v.k = static_cast<value::kind>(k);
  in.remove_prefix(1);
  if (v.k == value::kind::string || v.k == value::kind::dynamic) {
    if (in.size() < 4) return false;
    std::uint32_t n = 0;
    std::memcpy(&n, in.data(), 4);
    in.remove_prefix(4);
    if (in.size() < n) return false;
    v.text = std::string(in.substr(0, n));
    in.remove_prefix(n);
  } else if (v.k == value::kind::real) {
    if (in.size() < 8) return false;
    std::memcpy(&v.real, in.data(), 8);
    in.remove_prefix(8);
  } else if (v.k != value::kind::null) {
    if (in.size() < 8) return false;
    std::memcpy(&v.integer, in.data(), 8);
    in.remove_prefix(8);
  }
  return true;
}

// The values of a field in one event, as text (dcount, make_set) or numbers.
struct field_reader {
  lang::path_scratch path;
  std::string scratch_text;
};

// The values a JSON path reaches in an event, typed: numbers, booleans, strings, and other JSON
// (objects, arrays) as their text.
void read_values(const event& ev, const field_ref& f, std::vector<value>& out, field_reader& r) {
  out.clear();
  // Only JSON fields come here: keys and aggregates read the typed fields directly (append_key,
  // each_text, each_number).
  switch (lang::info(f.id).type) {
    default: return;
    case field_type::dynamic: {
      lang::walk(lang::get_json(ev, f.id), f.path, r.path);
      for (std::string_view raw : r.path.values) {
        value v;
        lang::json_number x;
        if (lang::parse_number(raw, x)) {
          v.k = x.is_integer ? value::kind::integer : value::kind::real;
          v.integer = x.integer;
          v.real = x.real;
        } else if (raw == "true" || raw == "false") {
          v.k = value::kind::boolean;
          v.integer = raw == "true" ? 1 : 0;
        } else if (!raw.empty() && raw.front() == '"') {
          v.k = value::kind::string;
          v.text = std::string(lang::json_text(raw, r.scratch_text));
        } else {
          v.k = value::kind::dynamic;
          v.text = std::string(raw);
        }
        out.push_back(std::move(v));
      }
      return;
    }
  }
}

}  // namespace

// A group key being built from several values (their encodings, one after another). Keys of a
// few short values, the usual ones, are written into a fixed buffer with no growth check per
// value; a longer key moves to a string.
class key_builder {
 public:
  void clear() noexcept {
    n_ = 0;
    spilled_ = false;
  }
  [[gnu::always_inline]] void put(const char* p, std::size_t len) {
    if (len == 0) return;  // an empty value's view may hold no pointer (memcpy needs one)
    if (len <= small_.size() - n_ && !spilled_) [[likely]] {
      std::memcpy(small_.data() + n_, p, len);
      n_ += len;
      return;
    }
    spill(p, len);
  }
  [[nodiscard]] std::string_view view() const noexcept {
    return spilled_ ? std::string_view(big_) : std::string_view(small_.data(), n_);
  }

 private:
  void spill(const char* p, std::size_t len) {
    if (!spilled_) {
      big_.assign(small_.data(), n_);
      spilled_ = true;
    }
    big_.append(p, len);
  }
  std::size_t n_{0};
  bool spilled_{false};
  std::array<char, 240> small_;
  std::string big_;
};

struct query_groups {
  group_table groups;
  std::uint64_t seen{0}, matched{0}, overflow{0};
  std::size_t bytes{0};  ///< what the state holds, as query_limits::max_memory counts it

  // Per-state scratch (a state is used by one thread at a time).
  key_builder key;
  std::string encoded;
  std::vector<value> vals;
  field_reader reader;
};

namespace {

std::string_view text_of(const value& v, std::string& buf) {
  switch (v.k) {
    case value::kind::string:
    case value::kind::dynamic: return v.text;
    case value::kind::null: return {};
    default: buf = to_text(v); return buf;
  }
}

void add_number(agg_state& s, const value& v) {
  if (v.k == value::kind::null || v.k == value::kind::string || v.k == value::kind::dynamic) return;
  if (v.k == value::kind::real) {
    if (!s.has_real || v.real < s.dmin) s.dmin = v.real;
    if (!s.has_real || v.real > s.dmax) s.dmax = v.real;
    s.has_real = true;
    s.dsum += v.real;
  } else {
    if (!s.has_int || v.integer < s.imin) s.imin = v.integer;
    if (!s.has_int || v.integer > s.imax) s.imax = v.integer;
    s.has_int = true;
    std::int64_t total = 0;
    if (__builtin_add_overflow(s.isum, v.integer, &total)) {  // too big for integers: go on in doubles
      s.dsum += static_cast<double>(v.integer);
      s.sum_real = true;
    } else {
      s.isum = total;
    }
  }
  ++s.n;
}

// Appends one key's encoding (the same bytes encode() writes for the equivalent value) without
// building a value: the common fields cost a lookup and a copy into the key buffer.
void append_key(const event& ev, const key_spec& k, query_groups& st) {
  const field_type t = k.type;
  char head[9];
  switch (t) {
    case field_type::string: {
      const std::string_view sv = lang::get_string(ev, k.field.id);
      head[0] = static_cast<char>(value::kind::string);
      const auto n = static_cast<std::uint32_t>(sv.size());
      std::memcpy(head + 1, &n, 4);
      st.key.put(head, 5);
      st.key.put(sv.data(), sv.size());
      return;
    }
    case field_type::integer:
    case field_type::datetime:
    case field_type::timespan: {
      std::int64_t x = 0;
      if (!lang::get_number(ev, k.field.id, x)) {
        head[0] = static_cast<char>(value::kind::null);
        st.key.put(head, 1);
        return;
      }
      if (k.binned) x = (x / k.step - ((x % k.step) < 0 ? 1 : 0)) * k.step;
      head[0] = static_cast<char>(field_value_kind(t));
      std::memcpy(head + 1, &x, 8);
      st.key.put(head, 9);
      return;
    }
    default: {  // a JSON path: its first value (bin() of JSON is refused when parsing)
      read_values(ev, k.field, st.vals, st.reader);
      st.encoded.clear();
      encode(st.vals.empty() ? value{} : st.vals.front(), st.encoded);
      st.key.put(st.encoded.data(), st.encoded.size());
      return;
    }
  }
}

// Calls f(std::string_view) for every text value of a field (string and list fields directly).
template <class F>
void each_text(const event& ev, const field_ref& f, query_groups& st, F&& fn) {
  const field_type t = lang::info(f.id).type;
  if (t == field_type::string) {
    fn(lang::get_string(ev, f.id));
    return;
  }
  if (t == field_type::strings) {
    for (std::string_view s : lang::get_strings(ev, f.id)) fn(s);
    return;
  }
  read_values(ev, f, st.vals, st.reader);
  std::string buf;
  for (const value& v : st.vals) {
    if (v.k != value::kind::null) fn(text_of(v, buf));
  }
}

// Calls f(const value&) for every numeric value of a field (number fields without allocation).
template <class F>
void each_number(const event& ev, const field_ref& f, query_groups& st, F&& fn) {
  const field_type t = lang::info(f.id).type;
  if (t == field_type::integer || t == field_type::datetime || t == field_type::timespan) {
    value v;
    if (lang::get_number(ev, f.id, v.integer)) {
      v.k = field_value_kind(t);
      fn(v);
    }
    return;
  }
  read_values(ev, f, st.vals, st.reader);
  for (const value& v : st.vals) fn(v);
}

// What a new group counts against query_limits::max_memory: its entry, key and aggregate states,
// and what its bounded sketches may grow to (a distinct counter's HyperLogLog, a quantile
// sketch's buckets), so that those never need to be refused later.
constexpr std::size_t sketch_reserve = std::size_t{16} << 10;
constexpr std::size_t set_node_cost = 64;  // a std::set<std::string> node, roughly
std::size_t group_cost(const query_program& p, std::string_view key) noexcept {
  std::size_t n = sizeof(group_table::entry) + 2 * sizeof(std::uint32_t) + key.size() + p.aggs.size() * sizeof(agg_state);
  for (const agg_spec& a : p.aggs) {
    if (a.kind == agg_kind::dcount || a.kind == agg_kind::requests || a.kind == agg_kind::percentiles) {
      n += sketch_reserve;
    }
  }
  return n;
}

bool over_budget(const query_program& p, const query_groups& st) noexcept { return st.bytes > p.limits.max_memory; }

// A distinct counter may outgrow its reservation only while exact: that excess is counted, and
// once the state is over its limit the counter switches to its HyperLogLog (which fits in the
// reservation).
void account_distinct(const query_program& p, query_groups& st, distinct_counter& d, std::size_t before) {
  const std::size_t after = d.memory_bytes();
  if (after == before) return;
  const auto excess = [](std::size_t b) { return b > sketch_reserve ? b - sketch_reserve : 0; };
  st.bytes = st.bytes - excess(before) + excess(after);
  if (over_budget(p, st) && after > sketch_reserve) {
    d.use_sketch();
    st.bytes -= excess(after);
  }
}

// What an aggregate state holds beyond its group's reservation (group_cost).
std::size_t variable_bytes(const agg_state& s) noexcept {
  std::size_t n = 0;
  if (s.distinct && s.distinct->memory_bytes() > sketch_reserve) n += s.distinct->memory_bytes() - sketch_reserve;
  if (s.set) {
    for (const std::string& v : *s.set) n += set_node_cost + v.size();
  }
  return n;
}

void update(const query_program& p, group& g, const event& ev, query_groups& st) {
  if (g.aggs.size() != p.aggs.size()) g.aggs.resize(p.aggs.size());
  ++g.events;
  for (std::size_t i = 0; i < p.aggs.size(); ++i) {
    const agg_spec& a = p.aggs[i];
    agg_state& s = g.aggs[i];
    switch (a.kind) {
      case agg_kind::count: ++s.n; break;
      case agg_kind::countif:
        if (a.pred->matches(ev)) ++s.n;
        break;
      case agg_kind::requests:
        if (!s.distinct) s.distinct = std::make_unique<distinct_counter>(p.limits.exact_distinct);
        if (!ev.audit_id.empty()) {
          const std::size_t before = s.distinct->memory_bytes();
          s.distinct->add(ev.audit_id);
          account_distinct(p, st, *s.distinct, before);
        }
        break;
      case agg_kind::dcount:
      case agg_kind::make_set: {
        each_text(ev, a.field, st, [&](std::string_view t) {
          if (a.kind == agg_kind::dcount) {
            if (t.empty()) return;  // KQL's dcount ignores empty values
            if (!s.distinct) s.distinct = std::make_unique<distinct_counter>(p.limits.exact_distinct);
            const std::size_t before = s.distinct->memory_bytes();
            s.distinct->add(t);
            account_distinct(p, st, *s.distinct, before);
            return;
          }
          if (!s.set) s.set = std::make_unique<std::set<std::string, std::less<>>>();
          if (s.set->size() >= a.set_max && !s.set->empty() && t >= *s.set->rbegin()) {
            if (s.set->find(t) == s.set->end()) s.set_full = true;
            return;
          }
          if (s.set->find(t) != s.set->end()) return;  // already there: no node to allocate
          if (st.bytes + set_node_cost + t.size() > p.limits.max_memory) {
            s.set_full = true;
            return;
          }
          s.set->emplace(t);
          st.bytes += set_node_cost + t.size();
          if (s.set->size() > a.set_max) {
            st.bytes -= set_node_cost + std::prev(s.set->end())->size();
            s.set->erase(std::prev(s.set->end()));
            s.set_full = true;
          }
        });
        break;
      }
      case agg_kind::sum:
      case agg_kind::min:
      case agg_kind::max:
      case agg_kind::avg:
        each_number(ev, a.field, st, [&](const value& v) { add_number(s, v); });
        break;
      case agg_kind::percentiles:
        each_number(ev, a.field, st, [&](const value& v) {
          if (v.k == value::kind::integer || v.k == value::kind::timespan || v.k == value::kind::datetime) {
            if (!s.quantiles) s.quantiles = std::make_unique<quantile_sketch>();
            s.quantiles->add(static_cast<double>(v.integer));
          } else if (v.k == value::kind::real) {
            if (!s.quantiles) s.quantiles = std::make_unique<quantile_sketch>();
            s.quantiles->add(v.real);
          }
        });
        break;
    }
  }
}

void merge_agg(const agg_spec& a, agg_state& s, const agg_state& o) {
  s.n += o.n;
  std::int64_t total = 0;
  if (__builtin_add_overflow(s.isum, o.isum, &total)) {
    s.dsum += static_cast<double>(o.isum);
    s.sum_real = true;
  } else {
    s.isum = total;
  }
  s.sum_real = s.sum_real || o.sum_real;
  s.dsum += o.dsum;
  if (o.has_int) {
    s.imin = s.has_int ? std::min(s.imin, o.imin) : o.imin;
    s.imax = s.has_int ? std::max(s.imax, o.imax) : o.imax;
    s.has_int = true;
  }
  if (o.has_real) {
    s.dmin = s.has_real ? std::min(s.dmin, o.dmin) : o.dmin;
    s.dmax = s.has_real ? std::max(s.dmax, o.dmax) : o.dmax;
    s.has_real = true;
  }
  if (o.distinct) {
    if (!s.distinct) s.distinct = std::make_unique<distinct_counter>(*o.distinct);
    else (void)s.distinct->merge(*o.distinct);
  }
  if (o.quantiles) {
    if (!s.quantiles) s.quantiles = std::make_unique<quantile_sketch>(*o.quantiles);
    else (void)s.quantiles->merge(*o.quantiles);
  }
  if (o.set) {
    if (!s.set) s.set = std::make_unique<std::set<std::string, std::less<>>>();
    s.set->insert(o.set->begin(), o.set->end());
    while (s.set->size() > a.set_max) {
      s.set->erase(std::prev(s.set->end()));
      s.set_full = true;
    }
  }
  s.set_full = s.set_full || o.set_full;
}

// ---------------------------------------------------------------------------------------------
// Serialisation helpers (little-endian fixed-width; sketches bring their own).

void put64(std::string& out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out += static_cast<char>((v >> (8 * i)) & 0xff);
}
bool get64(std::string_view& in, std::uint64_t& v) {
  if (in.size() < 8) return false;
  v = 0;
  for (int i = 0; i < 8; ++i) v |= static_cast<std::uint64_t>(static_cast<unsigned char>(in[static_cast<std::size_t>(i)])) << (8 * i);
  in.remove_prefix(8);
  return true;
}
void put_str(std::string& out, std::string_view s) {
  put64(out, s.size());
  out += s;
}
bool get_str(std::string_view& in, std::string& s) {
  std::uint64_t n = 0;
  if (!get64(in, n) || in.size() < n) return false;
  s = std::string(in.substr(0, static_cast<std::size_t>(n)));
  in.remove_prefix(static_cast<std::size_t>(n));
  return true;
}

constexpr std::string_view state_magic = "K8SAUDIT-QUERY-STATE 1\n";

// ---------------------------------------------------------------------------------------------
// Finishing.

value finish_agg(const agg_spec& a, const agg_state& s, std::size_t which) {
  value v;
  const field_type t = a.has_field ? lang::info(a.field.id).type : field_type::integer;
  const value::kind nk = t == field_type::dynamic ? value::kind::integer : field_value_kind(t);
  switch (a.kind) {
    case agg_kind::count:
    case agg_kind::countif:
      v.k = value::kind::integer;
      v.integer = static_cast<std::int64_t>(s.n);
      return v;
    case agg_kind::dcount:
    case agg_kind::requests:
      v.k = value::kind::integer;
      v.integer = s.distinct ? static_cast<std::int64_t>(s.distinct->estimate()) : 0;
      return v;
    case agg_kind::sum:
      if (s.n == 0) return v;
      if (s.has_real || s.sum_real) {
        v.k = value::kind::real;
        v.real = static_cast<double>(s.isum) + s.dsum;
      } else {
        v.k = nk == value::kind::datetime ? value::kind::integer : nk;
        v.integer = s.isum;
      }
      return v;
    case agg_kind::avg:
      if (s.n == 0) return v;
      if (nk == value::kind::timespan && !s.has_real && !s.sum_real) {
        v.k = value::kind::timespan;
        v.integer = static_cast<std::int64_t>(std::llround(static_cast<double>(s.isum) / static_cast<double>(s.n)));
      } else {
        v.k = value::kind::real;
        v.real = (static_cast<double>(s.isum) + s.dsum) / static_cast<double>(s.n);
      }
      return v;
    case agg_kind::min:
    case agg_kind::max: {
      if (s.n == 0) return v;
      const bool is_min = a.kind == agg_kind::min;
      if (s.has_real) {
        double r = is_min ? s.dmin : s.dmax;
        if (s.has_int) r = is_min ? std::min(r, static_cast<double>(s.imin)) : std::max(r, static_cast<double>(s.imax));
        v.k = value::kind::real;
        v.real = r;
      } else {
        v.k = nk;
        v.integer = is_min ? s.imin : s.imax;
      }
      return v;
    }
    case agg_kind::percentiles: {
      if (!s.quantiles || s.quantiles->count() == 0) return v;
      const double q = s.quantiles->quantile(a.percents[which] / 100.0);
      if (t != field_type::dynamic &&
          (nk == value::kind::timespan || nk == value::kind::integer || nk == value::kind::datetime)) {
        v.k = nk;
        v.integer = static_cast<std::int64_t>(std::llround(q));
      } else {
        v.k = value::kind::real;
        v.real = q;
      }
      return v;
    }
    case agg_kind::make_set: {
      v.k = value::kind::dynamic;
      v.text = "[";
      if (s.set) {
        bool first = true;
        for (const std::string& e : *s.set) {
          if (!first) v.text += ',';
          first = false;
          write_json_string(e, v.text);
        }
      }
      v.text += ']';
      return v;
    }
  }
  return v;
}

int compare(const value& a, const value& b) {
  auto rank = [](const value& v) { return v.k == value::kind::null ? 0 : 1; };
  if (rank(a) != rank(b)) return rank(a) < rank(b) ? -1 : 1;
  const bool an = a.k == value::kind::real, bn = b.k == value::kind::real;
  if (a.k == value::kind::string || a.k == value::kind::dynamic || b.k == value::kind::string ||
      b.k == value::kind::dynamic) {
    std::string ba, bb;
    const std::string_view x = text_of(a, ba), y = text_of(b, bb);
    return x < y ? -1 : (x > y ? 1 : 0);
  }
  if (an || bn) {
    const double x = an ? a.real : static_cast<double>(a.integer);
    const double y = bn ? b.real : static_cast<double>(b.integer);
    return x < y ? -1 : (x > y ? 1 : 0);
  }
  return a.integer < b.integer ? -1 : (a.integer > b.integer ? 1 : 0);
}

// extend's arithmetic: numbers, timespans and datetimes as KQL combines them; anything else, a
// division by zero and an overflow give null.
value arith(const value& a, char op, const value& b) {
  value r;
  using K = value::kind;
  auto numeric = [](const value& v) {
    return v.k == K::integer || v.k == K::real || v.k == K::timespan || v.k == K::datetime;
  };
  if (!numeric(a) || !numeric(b)) return r;
  if (a.k == K::real || b.k == K::real) {
    if (a.k == K::datetime || b.k == K::datetime) return r;
    const double x = a.k == K::real ? a.real : static_cast<double>(a.integer);
    const double y = b.k == K::real ? b.real : static_cast<double>(b.integer);
    r.k = K::real;
    r.real = op == '+' ? x + y : op == '-' ? x - y : op == '*' ? x * y : (y == 0 ? NAN : x / y);
    if (!std::isfinite(r.real)) r = value{};
    return r;
  }
  // Result kinds: datetime - datetime = timespan; datetime +/- timespan = datetime;
  // timespan / timespan = real (a ratio); timespan with numbers = timespan.
  if (a.k == K::datetime || b.k == K::datetime) {
    if (op == '-' && a.k == K::datetime && b.k == K::datetime) r.k = K::timespan;
    else if ((op == '+' || op == '-') && a.k == K::datetime && b.k == K::timespan) r.k = K::datetime;
    else if (op == '+' && a.k == K::timespan && b.k == K::datetime) r.k = K::datetime;
    else return r;
  } else if (op == '/' && a.k == K::timespan && b.k == K::timespan) {
    if (b.integer == 0) return r;
    r.k = K::real;
    r.real = static_cast<double>(a.integer) / static_cast<double>(b.integer);
    return r;
  } else {
    r.k = (a.k == K::timespan || b.k == K::timespan) ? K::timespan : K::integer;
  }
  bool overflow = false;
  switch (op) {
    case '+': overflow = __builtin_add_overflow(a.integer, b.integer, &r.integer); break;
    case '-': overflow = __builtin_sub_overflow(a.integer, b.integer, &r.integer); break;
    case '*': overflow = __builtin_mul_overflow(a.integer, b.integer, &r.integer); break;
    default:
      if (b.integer == 0 || (a.integer == INT64_MIN && b.integer == -1)) return value{};
      r.integer = a.integer / b.integer;
  }
  return overflow ? value{} : r;
}

bool holds(const post_op::condition& c, const value& v) {
  if (v.k == value::kind::null) return false;
  const int r = compare(v, c.rhs);
  switch (c.cmp) {
    case tok::eq: return r == 0;
    case tok::ne: return r != 0;
    case tok::lt: return r < 0;
    case tok::le: return r <= 0;
    case tok::gt: return r > 0;
    case tok::ge: return r >= 0;
    default: return false;
  }
}

}  // namespace
}  // namespace detail

// -------------------------------------------------------------------------------------------
// Public API.

result<query, expression_error> query::compile(std::string_view text, query_limits limits) {
  auto prog = std::make_shared<detail::query_program>();
  prog->text = std::string(text);
  prog->limits = limits;
  const std::vector<lang::token> toks = lang::lex(text);
  detail::pipeline_parser parser(text, toks, *prog);
  if (!parser.parse()) {
    expression_error e;
    e.expression = std::string(text);
    e.column = parser.err.pos + 1;
    e.message = parser.err.message;
    return unexpected(std::move(e));
  }
  return query(std::move(prog));
}

query_state query::make_state() const { return query_state(*this); }
field_mask query::fields() const noexcept { return prog_->fields; }
const prefilter& query::required_literals() const noexcept {
  return prog_->where ? prog_->where->required_literals() : prog_->no_literals;
}
const std::string& query::text() const noexcept { return prog_->text; }

query_state::query_state(query q) : query_(std::move(q)), groups_(std::make_unique<detail::query_groups>()) {}
query_state::query_state(query_state&&) noexcept = default;
query_state& query_state::operator=(query_state&&) noexcept = default;
query_state::~query_state() = default;

std::uint64_t query_state::events_seen() const noexcept { return groups_->seen; }
std::uint64_t query_state::events_matched() const noexcept { return groups_->matched; }
std::size_t query_state::memory_bytes() const noexcept { return groups_->bytes; }

void query_state::add(const event& ev) {
  const detail::query_program& p = *query_.prog_;
  detail::query_groups& st = *groups_;
  ++st.seen;
  if (p.where && !p.where->matches(ev)) return;
  ++st.matched;
  std::string_view key;
  if (p.raw_key) {
    key = lang::get_string(ev, p.keys[0].field.id);
  } else {
    st.key.clear();
    for (const detail::key_spec& k : p.keys) detail::append_key(ev, k, st);
    key = st.key.view();
  }
  detail::group* g = st.groups.find_recent(key);
  std::uint64_t h = 0;
  if (g == nullptr) {
    h = detail::group_table::hash(key);
    g = st.groups.find(key, h);
  }
  if (g == nullptr) {
    const std::size_t cost = detail::group_cost(p, key);
    if (st.groups.size() >= p.limits.max_groups || st.bytes + cost > p.limits.max_memory) {
      ++st.overflow;
      return;
    }
    g = &st.groups.insert(key, h);
    st.bytes += cost;
  }
  detail::update(p, *g, ev, st);
}

result<void> query_state::merge(const query_state& other) {
  if (other.query_.text() != query_.text()) {
    return unexpected(errc::format_mismatch, {}, "the states come from different queries");
  }
  const detail::query_program& p = *query_.prog_;
  detail::query_groups& st = *groups_;
  st.seen += other.groups_->seen;
  st.matched += other.groups_->matched;
  st.overflow += other.groups_->overflow;
  for (const auto& e : other.groups_->groups.entries()) {
    detail::group* mine = st.groups.find(e.key, e.hash);
    if (mine == nullptr) {
      const std::size_t cost = detail::group_cost(p, e.key);
      if (st.groups.size() >= p.limits.max_groups || st.bytes + cost > p.limits.max_memory) {
        st.overflow += e.g.events;
        continue;
      }
      mine = &st.groups.insert(e.key, e.hash);
      st.bytes += cost;
    }
    if (mine->aggs.size() != p.aggs.size()) mine->aggs.resize(p.aggs.size());
    mine->events += e.g.events;
    for (std::size_t i = 0; i < p.aggs.size() && i < e.g.aggs.size(); ++i) {
      detail::agg_state& s = mine->aggs[i];
      const std::size_t before = detail::variable_bytes(s);
      detail::merge_agg(p.aggs[i], s, e.g.aggs[i]);
      if (detail::over_budget(p, st) && s.distinct) s.distinct->use_sketch();
      st.bytes = st.bytes - before + detail::variable_bytes(s);
    }
  }
  return {};
}

void query_state::serialize(std::string& out) const {
  const detail::query_program& p = *query_.prog_;
  const detail::query_groups& st = *groups_;
  out += detail::state_magic;
  detail::put_str(out, p.text);
  detail::put64(out, st.seen);
  detail::put64(out, st.matched);
  detail::put64(out, st.overflow);
  // Groups in key order, so equal states serialise to equal bytes.
  std::vector<const detail::group_table::entry*> sorted;
  sorted.reserve(st.groups.size());
  for (const auto& e : st.groups.entries()) sorted.push_back(&e);
  std::sort(sorted.begin(), sorted.end(), [](auto* a, auto* b) { return a->key < b->key; });
  detail::put64(out, sorted.size());
  std::string encoded;
  for (const auto* e : sorted) {
    if (p.raw_key) {  // the saved form is always encoded
      encoded.clear();
      value v;
      v.k = value::kind::string;
      v.text = e->key;
      detail::encode(v, encoded);
      detail::put_str(out, encoded);
    } else {
      detail::put_str(out, e->key);
    }
    detail::put64(out, e->g.events);
    for (std::size_t i = 0; i < p.aggs.size(); ++i) {
      static const detail::agg_state empty_state{};
      const detail::agg_state& s = i < e->g.aggs.size() ? e->g.aggs[i] : empty_state;
      detail::put64(out, s.n);
      detail::put64(out, static_cast<std::uint64_t>(s.isum));
      std::uint64_t bits = 0;
      std::memcpy(&bits, &s.dsum, 8);
      detail::put64(out, bits);
      detail::put64(out, static_cast<std::uint64_t>(s.imin));
      detail::put64(out, static_cast<std::uint64_t>(s.imax));
      std::memcpy(&bits, &s.dmin, 8);
      detail::put64(out, bits);
      std::memcpy(&bits, &s.dmax, 8);
      detail::put64(out, bits);
      const std::uint64_t flags = (s.has_int ? 1u : 0u) | (s.has_real ? 2u : 0u) | (s.set_full ? 4u : 0u) |
                                  (s.distinct ? 8u : 0u) | (s.quantiles ? 16u : 0u) | (s.set ? 32u : 0u) |
                                  (s.sum_real ? 64u : 0u);
      detail::put64(out, flags);
      if (s.distinct) s.distinct->serialize(out);
      if (s.quantiles) s.quantiles->serialize(out);
      if (s.set) {
        detail::put64(out, s.set->size());
        for (const std::string& v : *s.set) detail::put_str(out, v);
      }
    }
  }
}

result<query_state> query_state::deserialize(std::string_view in, query_limits limits) {
  auto bad = [](std::string_view why) { return unexpected(errc::format_mismatch, {}, why); };
  if (!in.starts_with(detail::state_magic)) return bad("not a k8saudit query state (or another version)");
  in.remove_prefix(detail::state_magic.size());
  std::string text;
  if (!detail::get_str(in, text)) return bad("the state is truncated");
  auto q = query::compile(text, limits);
  if (!q) return bad("the saved query does not compile");
  query_state st = q->make_state();
  detail::query_groups& g = *st.groups_;
  std::uint64_t n = 0;
  if (!detail::get64(in, g.seen) || !detail::get64(in, g.matched) || !detail::get64(in, g.overflow) ||
      !detail::get64(in, n)) {
    return bad("the state is truncated");
  }
  const detail::query_program& p = *q->prog_;
  for (std::uint64_t i = 0; i < n; ++i) {
    std::string key;
    if (!detail::get_str(in, key)) return bad("the state is truncated");
    {  // the key must decode to one value per key column
      std::string_view k = key;
      value v;
      for (std::size_t j = 0; j < p.keys.size(); ++j) {
        if (!detail::decode(k, v)) return bad("a group key is corrupt");
      }
      if (!k.empty()) return bad("a group key is corrupt");
      if (p.raw_key) {
        if (v.k != value::kind::string) return bad("a group key is corrupt");
        key = v.text;
      }
    }
    if (g.groups.find(key) != nullptr) return bad("a group appears twice");
    detail::group& grp = g.groups.insert(key);
    g.bytes += detail::group_cost(p, key);
    if (!detail::get64(in, grp.events)) return bad("the state is truncated");
    grp.aggs.resize(p.aggs.size());
    for (std::size_t a = 0; a < p.aggs.size(); ++a) {
      detail::agg_state& s = grp.aggs[a];
      std::uint64_t isum = 0, dsum = 0, imin = 0, imax = 0, dmin = 0, dmax = 0, flags = 0;
      if (!detail::get64(in, s.n) || !detail::get64(in, isum) || !detail::get64(in, dsum) ||
          !detail::get64(in, imin) || !detail::get64(in, imax) || !detail::get64(in, dmin) ||
          !detail::get64(in, dmax) || !detail::get64(in, flags)) {
        return bad("the state is truncated");
      }
      s.isum = static_cast<std::int64_t>(isum);
      std::memcpy(&s.dsum, &dsum, 8);
      s.imin = static_cast<std::int64_t>(imin);
      s.imax = static_cast<std::int64_t>(imax);
      std::memcpy(&s.dmin, &dmin, 8);
      std::memcpy(&s.dmax, &dmax, 8);
      s.has_int = (flags & 1) != 0;
      s.has_real = (flags & 2) != 0;
      s.set_full = (flags & 4) != 0;
      s.sum_real = (flags & 64) != 0;
      if (flags & 8) {
        auto d = distinct_counter::deserialize(in);
        if (!d) return bad("a distinct counter is corrupt");
        s.distinct = std::make_unique<distinct_counter>(std::move(*d));
      }
      if (flags & 16) {
        auto d = quantile_sketch::deserialize(in);
        if (!d) return bad("a quantile sketch is corrupt");
        s.quantiles = std::make_unique<quantile_sketch>(std::move(*d));
      }
      if (flags & 32) {
        std::uint64_t m = 0;
        if (!detail::get64(in, m) || m > in.size()) return bad("the state is truncated");
        s.set = std::make_unique<std::set<std::string, std::less<>>>();
        for (std::uint64_t e = 0; e < m; ++e) {
          std::string v;
          if (!detail::get_str(in, v)) return bad("the state is truncated");
          s.set->insert(std::move(v));
        }
      }
      g.bytes += detail::variable_bytes(s);
    }
  }
  if (!in.empty()) return bad("unexpected bytes after the state");
  return st;
}

table query_state::finish() const {
  const detail::query_program& p = *query_.prog_;
  const detail::query_groups& st = *groups_;
  table t;
  for (const detail::key_spec& k : p.keys) t.columns.push_back(k.name);
  for (const detail::agg_spec& a : p.aggs) t.columns.insert(t.columns.end(), a.names.begin(), a.names.end());
  std::vector<std::vector<value>> rows;
  rows.reserve(st.groups.size());
  for (const auto& e : st.groups.entries()) {
    const auto* kv = &e;
    std::vector<value> row;
    std::string_view k = kv->key;
    if (p.raw_key) {
      value v;
      v.k = value::kind::string;
      v.text = kv->key;
      row.push_back(std::move(v));
    } else {
      for (std::size_t j = 0; j < p.keys.size(); ++j) {
        value v;
        detail::decode(k, v);
        row.push_back(std::move(v));
      }
    }
    for (std::size_t i = 0; i < p.aggs.size(); ++i) {
      const detail::agg_spec& a = p.aggs[i];
      static const detail::agg_state empty_state{};
      const detail::agg_state& s = i < kv->g.aggs.size() ? kv->g.aggs[i] : empty_state;
      for (std::size_t w = 0; w < a.names.size(); ++w) row.push_back(detail::finish_agg(a, s, w));
      if (a.kind == detail::agg_kind::make_set && s.set_full) {
        t.notes.push_back(a.names[0] + ": make_set kept the " + std::to_string(a.set_max) +
                          " smallest values of a group; more were seen");
      }
      if ((a.kind == detail::agg_kind::dcount || a.kind == detail::agg_kind::requests) && s.distinct &&
          !s.distinct->is_exact()) {
        t.notes.push_back(a.names[0] + ": more than " + std::to_string(s.distinct->exact_limit()) +
                          " distinct values in a group (or the state's memory limit reached): the count is a "
                          "HyperLogLog estimate (about 1% error)");
      }
    }
    rows.push_back(std::move(row));
  }
  // A summarize with no `by` has one row even over no input, as in KQL.
  if (p.keys.empty() && rows.empty()) {
    std::vector<value> row;
    const detail::agg_state empty_state{};
    for (const detail::agg_spec& a : p.aggs) {
      for (std::size_t w = 0; w < a.names.size(); ++w) row.push_back(detail::finish_agg(a, empty_state, w));
    }
    rows.push_back(std::move(row));
  }
  // Deterministic order before the operators: by the key columns.
  std::sort(rows.begin(), rows.end(), [&](const auto& a, const auto& b) {
    for (std::size_t j = 0; j < p.keys.size(); ++j) {
      const int c = detail::compare(a[j], b[j]);
      if (c != 0) return c < 0;
    }
    return false;
  });
  std::sort(t.notes.begin(), t.notes.end());
  t.notes.erase(std::unique(t.notes.begin(), t.notes.end()), t.notes.end());
  if (st.overflow > 0) {
    t.notes.push_back(std::to_string(st.overflow) + " events fell in groups beyond the limits (" +
                      std::to_string(p.limits.max_groups) + " groups, " +
                      (p.limits.max_memory >= (std::size_t{1} << 20) ? std::to_string(p.limits.max_memory >> 20) + " MiB"
                                                                       : std::to_string(p.limits.max_memory >> 10) + " KiB") +
                      " of state) and were not aggregated");
  }
  for (const detail::post_op& op : p.post) {
    switch (op.k) {
      case detail::post_op::kind::top:
      case detail::post_op::kind::order:
        std::stable_sort(rows.begin(), rows.end(), [&](const auto& a, const auto& b) {
          for (const auto& [c, d] : op.by) {
            const int r = detail::compare(a[c], b[c]);
            if (r != 0) return d == detail::sort_dir::asc ? r < 0 : r > 0;
          }
          return false;
        });
        if (op.k == detail::post_op::kind::top && rows.size() > op.count) rows.resize(op.count);
        break;
      case detail::post_op::kind::take:
        if (rows.size() > op.count) rows.resize(op.count);
        break;
      case detail::post_op::kind::where:
        rows.erase(std::remove_if(rows.begin(), rows.end(),
                                  [&](const auto& r) {
                                    for (const auto& c : op.conditions) {
                                      if (!detail::holds(c, r[c.column])) return true;
                                    }
                                    return false;
                                  }),
                   rows.end());
        break;
      case detail::post_op::kind::project: {
        std::vector<std::string> cols;
        for (const auto& [name, c] : op.project) cols.push_back(name);
        for (auto& r : rows) {
          std::vector<value> nr;
          for (const auto& [name, c] : op.project) nr.push_back(r[c]);
          r = std::move(nr);
        }
        t.columns = std::move(cols);
        break;
      }
      case detail::post_op::kind::extend:
        for (auto& r : rows) {
          auto operand = [&](const detail::post_op::operand& o) { return o.is_column ? r[o.column] : o.number; };
          // * and / before + and -.
          std::vector<value> terms{operand(op.operands[0])};
          std::vector<char> adds;
          for (std::size_t i = 0; i < op.ops.size(); ++i) {
            const value rhs = operand(op.operands[i + 1]);
            if (op.ops[i] == '*' || op.ops[i] == '/') {
              terms.back() = detail::arith(terms.back(), op.ops[i], rhs);
            } else {
              terms.push_back(rhs);
              adds.push_back(op.ops[i]);
            }
          }
          value acc = terms[0];
          for (std::size_t i = 0; i < adds.size(); ++i) acc = detail::arith(acc, adds[i], terms[i + 1]);
          r.push_back(std::move(acc));
        }
        t.columns.push_back(op.name);
        break;
    }
  }
  t.rows = std::move(rows);
  return t;
}

namespace {
constexpr overview_section overview[] = {
    {"breakdown",
     "summarize count(), first = min(requestReceivedTimestamp), last = max(stageTimestamp) "
     "by stage, level, verb, class = bin(responseStatus.code, 100)"},
    {"top users", "summarize count() by user.username | top 10 by count_"},
    {"top resources", "where isnotempty(objectRef.resource) | summarize count() by objectRef.resource | top 10 by count_"},
    {"top namespaces",
     "where isnotempty(objectRef.namespace) | summarize count() by objectRef.namespace | top 10 by count_"},
    {"denials",
     // An authorizer's "forbid" decision (annotation authorization.k8s.io/decision) is always
     // answered 403, and the API server audits RequestReceived before authorizing, so the codes
     // alone find every denial; reading the annotations of every event would cost 2-3% more.
     "where responseStatus.code in (401, 403) | summarize count() by user.username, verb, objectRef.resource "
     "| top 10 by count_"},
    {"latency (ResponseComplete)",
     R"(where stage == "ResponseComplete" | summarize count(), avg(latency), percentiles(latency, 50, 90, 99), )"
     "max(latency)"},
};
}  // namespace

std::span<const overview_section> overview_sections() noexcept { return overview; }

table overview_breakdown(const table& by_all, std::string_view column) {
  table t;
  std::size_t col = 0, count_col = 0;
  for (std::size_t i = 0; i < by_all.columns.size(); ++i) {
    if (by_all.columns[i] == column) col = i;
    if (by_all.columns[i] == "count_") count_col = i;
  }
  t.columns = {std::string(column), "count_"};
  std::vector<std::pair<value, std::int64_t>> sums;
  for (const auto& row : by_all.rows) {
    auto it = std::find_if(sums.begin(), sums.end(), [&](const auto& p) { return p.first == row[col]; });
    if (it == sums.end()) {
      sums.emplace_back(row[col], 0);
      it = std::prev(sums.end());
    }
    it->second += row[count_col].integer;
  }
  const bool by_value = column == "class";
  std::stable_sort(sums.begin(), sums.end(), [&](const auto& a, const auto& b) {
    if (by_value) return detail::compare(a.first, b.first) < 0;
    if (a.second != b.second) return a.second > b.second;
    return detail::compare(a.first, b.first) < 0;
  });
  for (auto& [v, n] : sums) {
    value c;
    c.k = value::kind::integer;
    c.integer = n;
    t.rows.push_back({v, c});
  }
  return t;
}

table overview_totals(const table& by_all) {
  table t;
  t.columns = {"events", "first", "last"};
  std::size_t count_col = 0, first_col = 0, last_col = 0;
  for (std::size_t i = 0; i < by_all.columns.size(); ++i) {
    if (by_all.columns[i] == "count_") count_col = i;
    if (by_all.columns[i] == "first") first_col = i;
    if (by_all.columns[i] == "last") last_col = i;
  }
  value events, first, last;
  events.k = value::kind::integer;
  for (const auto& row : by_all.rows) {
    events.integer += row[count_col].integer;
    const value& f = row[first_col];
    const value& l = row[last_col];
    if (f.k != value::kind::null && (first.k == value::kind::null || f.integer < first.integer)) first = f;
    if (l.k != value::kind::null && (last.k == value::kind::null || l.integer > last.integer)) last = l;
  }
  t.rows.push_back({events, first, last});
  return t;
}

std::string to_text(const value& v) {
  switch (v.k) {
    case value::kind::null: return {};
    case value::kind::integer: return std::to_string(v.integer);
    case value::kind::boolean: return v.integer ? "true" : "false";
    case value::kind::real: {
      char buf[32];
      auto r = std::to_chars(buf, buf + sizeof buf, v.real);
      return std::string(buf, r.ptr);
    }
    case value::kind::string:
    case value::kind::dynamic: return v.text;
    case value::kind::datetime: {
      char buf[max_timestamp_length];
      const std::size_t n = format_timestamp(timestamp(std::chrono::nanoseconds(v.integer)), 7, buf);
      return std::string(buf, n);
    }
    case value::kind::timespan: {
      // KQL's form: [-][d.]hh:mm:ss[.fffffff]
      std::int64_t ns = v.integer;
      std::string s = ns < 0 ? "-" : "";
      const std::uint64_t a = ns < 0 ? static_cast<std::uint64_t>(-(ns + 1)) + 1 : static_cast<std::uint64_t>(ns);
      const std::uint64_t secs = a / 1'000'000'000, frac = a % 1'000'000'000;
      const std::uint64_t d = secs / 86400, h = secs / 3600 % 24, m = secs / 60 % 60, sec = secs % 60;
      char buf[64];
      if (d > 0) {
        std::snprintf(buf, sizeof buf, "%llu.%02llu:%02llu:%02llu", static_cast<unsigned long long>(d),
                      static_cast<unsigned long long>(h), static_cast<unsigned long long>(m),
                      static_cast<unsigned long long>(sec));
      } else {
        std::snprintf(buf, sizeof buf, "%02llu:%02llu:%02llu", static_cast<unsigned long long>(h),
                      static_cast<unsigned long long>(m), static_cast<unsigned long long>(sec));
      }
      s += buf;
      if (frac != 0) {
        std::snprintf(buf, sizeof buf, ".%07llu", static_cast<unsigned long long>(frac / 100));
        s += buf;
      }
      return s;
    }
  }
  return {};
}

}  // namespace k8saudit
