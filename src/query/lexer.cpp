// SPDX-License-Identifier: Apache-2.0
#include "query/lexer.h"

#include <charconv>
#include <cmath>

#include "json_scan.h"

namespace k8saudit::lang {
namespace {

bool is_ident_start(char c) noexcept { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '$'; }
bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }
bool is_ident_char(char c) noexcept { return is_ident_start(c) || is_digit(c); }

// KQL timespan units, longest spellings first where one is a prefix of another.
struct unit {
  std::string_view name;
  double nanos;
};
constexpr unit units[] = {
    {"microseconds", 1e3}, {"microsecond", 1e3}, {"milliseconds", 1e6}, {"millisecond", 1e6},
    {"minutes", 60e9},     {"minute", 60e9},     {"seconds", 1e9},      {"second", 1e9},
    {"hours", 3600e9},     {"hour", 3600e9},     {"days", 86400e9},     {"day", 86400e9},
    {"ticks", 100},        {"tick", 100},        {"milli", 1e6},        {"micro", 1e3},
    {"min", 60e9},         {"sec", 1e9},         {"hrs", 3600e9},       {"hr", 3600e9},
    {"ms", 1e6},           {"d", 86400e9},       {"h", 3600e9},         {"m", 60e9},
    {"s", 1e9},
};

token make(tok k, std::size_t pos, std::size_t len) {
  token t;
  t.kind = k;
  t.pos = pos;
  t.len = len;
  return t;
}

token fail(std::size_t pos, std::string message) {
  token t = make(tok::error, pos, 1);
  t.text = std::move(message);
  return t;
}

// A quoted string starting at s[i] (quote character q). KQL strings take backslash escapes;
// verbatim strings (@"..."), where a doubled quote stands for itself, take none.
token read_string(std::string_view s, std::size_t start, std::size_t i, bool verbatim) {
  const char q = s[i++];
  token t = make(tok::string, start, 0);
  while (i < s.size()) {
    char c = s[i];
    if (c == q) {
      if (verbatim && i + 1 < s.size() && s[i + 1] == q) {
        t.text += q;
        i += 2;
        continue;
      }
      t.len = i + 1 - start;
      return t;
    }
    if (c == '\n') break;
    if (c == '\\' && !verbatim) {
      if (i + 1 >= s.size()) break;
      char e = s[i + 1];
      switch (e) {
        case 'n': t.text += '\n'; break;
        case 't': t.text += '\t'; break;
        case 'r': t.text += '\r'; break;
        case '\\': t.text += '\\'; break;
        case '\'': t.text += '\''; break;
        case '"': t.text += '"'; break;
        case '/': t.text += '/'; break;
        case 'u': {
          // Reuse the JSON decoder for \uXXXX (with surrogate pairs).
          std::size_t end = i + 6;
          if (end + 6 <= s.size() && s[end] == '\\' && s[end + 1] == 'u') end += 6;
          std::string decoded;
          if (end > s.size() || !detail::unescape(s.substr(i, end - i), decoded)) {
            return fail(i, "a \\u escape needs four hex digits");
          }
          t.text += decoded;
          i = end;
          continue;
        }
        default: return fail(i, "unknown escape in string (use \\\\ for a backslash, or @\"...\" for verbatim text)");
      }
      i += 2;
      continue;
    }
    t.text += c;
    ++i;
  }
  return fail(start, "this string is not closed");
}

token read_number(std::string_view s, std::size_t i) {
  const std::size_t start = i;
  while (i < s.size() && is_digit(s[i])) ++i;
  bool is_real = false;
  if (i + 1 < s.size() && s[i] == '.' && is_digit(s[i + 1])) {
    is_real = true;
    ++i;
    while (i < s.size() && is_digit(s[i])) ++i;
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    std::size_t j = i + 1;
    if (j < s.size() && (s[j] == '+' || s[j] == '-')) ++j;
    if (j < s.size() && is_digit(s[j])) {
      is_real = true;
      i = j;
      while (i < s.size() && is_digit(s[i])) ++i;
    }
  }
  const std::string_view digits = s.substr(start, i - start);
  double value = 0;
  {
    auto r = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (r.ec != std::errc()) return fail(start, "this number is out of range");
  }
  // A unit right after the digits makes a timespan literal.
  if (i < s.size() && is_ident_start(s[i])) {
    std::size_t j = i;
    while (j < s.size() && is_ident_char(s[j])) ++j;
    const std::string_view word = s.substr(i, j - i);
    for (const unit& u : units) {
      if (word == u.name) {
        const double ns = value * u.nanos;
        if (!(std::fabs(ns) < 9.2e18)) return fail(start, "this timespan is out of range");
        token t = make(tok::timespan, start, j - start);
        t.integer = static_cast<std::int64_t>(std::llround(ns));
        return t;
      }
    }
    return fail(i, "unknown timespan unit '" + std::string(word) + "' (use d, h, m, s, ms, microsecond or tick)");
  }
  token t = make(is_real ? tok::real : tok::integer, start, i - start);
  t.real = value;
  if (!is_real) {
    auto r = std::from_chars(digits.data(), digits.data() + digits.size(), t.integer);
    if (r.ec != std::errc()) return fail(start, "this integer does not fit in 64 bits");
  }
  return t;
}

}  // namespace

std::vector<token> lex(std::string_view s) {
  std::vector<token> out;
  std::size_t i = 0;
  auto push = [&](tok k, std::size_t len) {
    out.push_back(make(k, i, len));
    i += len;
  };
  while (true) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n')) ++i;
    if (i + 1 < s.size() && s[i] == '/' && s[i + 1] == '/') {  // a comment to the end of the line
      while (i < s.size() && s[i] != '\n') ++i;
      continue;
    }
    if (i >= s.size()) {
      out.push_back(make(tok::end, s.size(), 0));
      return out;
    }
    const char c = s[i];
    const char n = i + 1 < s.size() ? s[i + 1] : '\0';
    if (is_ident_start(c) || (c == '!' && is_ident_start(n))) {
      // Words, and negated word operators such as !has, !in~, !contains_cs.
      std::size_t j = i + 1;
      while (j < s.size() && is_ident_char(s[j])) ++j;
      if (j < s.size() && s[j] == '~') {
        std::string_view w = s.substr(i, j - i);
        if (w == "in" || w == "!in") ++j;
      }
      token t = make(tok::ident, i, j - i);
      t.text = std::string(s.substr(i, j - i));
      out.push_back(std::move(t));
      i = j;
      if (out.back().text == "datetime") {
        // KQL writes datetime literals unquoted: datetime(2024-05-01T10:00:00Z). Their text
        // becomes one string token; a quoted form is lexed normally.
        std::size_t k = i;
        while (k < s.size() && s[k] == ' ') ++k;
        if (k < s.size() && s[k] == '(') {
          std::size_t a = k + 1;
          while (a < s.size() && s[a] == ' ') ++a;
          if (a < s.size() && s[a] != '"' && s[a] != '\'' && s[a] != ')') {
            std::size_t b = s.find(')', a);
            if (b == std::string_view::npos) {
              out.push_back(fail(k, "datetime( is not closed"));
              return out;
            }
            out.push_back(make(tok::lparen, k, 1));
            token lit = make(tok::string, a, b - a);
            std::string_view raw = s.substr(a, b - a);
            while (!raw.empty() && raw.back() == ' ') raw.remove_suffix(1);
            lit.text = std::string(raw);
            out.push_back(std::move(lit));
            out.push_back(make(tok::rparen, b, 1));
            i = b + 1;
          }
        }
      }
      continue;
    }
    if (c == '@' && (n == '"' || n == '\'')) {
      token t = read_string(s, i, i + 1, true);
      if (t.kind == tok::error) { out.push_back(std::move(t)); return out; }
      i += t.len;
      out.push_back(std::move(t));
      continue;
    }
    if (c == '"' || c == '\'') {
      token t = read_string(s, i, i, false);
      if (t.kind == tok::error) { out.push_back(std::move(t)); return out; }
      i += t.len;
      out.push_back(std::move(t));
      continue;
    }
    if (is_digit(c)) {
      token t = read_number(s, i);
      if (t.kind == tok::error) { out.push_back(std::move(t)); return out; }
      i += t.len;
      out.push_back(std::move(t));
      continue;
    }
    switch (c) {
      case '(': push(tok::lparen, 1); continue;
      case ')': push(tok::rparen, 1); continue;
      case '[': push(tok::lbracket, 1); continue;
      case ']': push(tok::rbracket, 1); continue;
      case ',': push(tok::comma, 1); continue;
      case '|': push(tok::pipe, 1); continue;
      case '*': push(tok::star, 1); continue;
      case '-': push(tok::minus, 1); continue;
      case '+': push(tok::plus, 1); continue;
      case '/': push(tok::slash, 1); continue;  // `//` comments are handled above
      case '.': push(n == '.' ? tok::dotdot : tok::dot, n == '.' ? 2 : 1); continue;
      case '=':
        if (n == '=') { push(tok::eq, 2); continue; }
        if (n == '~') { push(tok::eq_ci, 2); continue; }
        push(tok::assign, 1);
        continue;
      case '!':
        if (n == '=') { push(tok::ne, 2); continue; }
        if (n == '~') { push(tok::ne_ci, 2); continue; }
        break;
      case '<':
        if (n == '=') { push(tok::le, 2); continue; }
        if (n == '>') { push(tok::ne, 2); continue; }
        push(tok::lt, 1);
        continue;
      case '>':
        if (n == '=') { push(tok::ge, 2); continue; }
        push(tok::gt, 1);
        continue;
      default: break;
    }
    out.push_back(fail(i, std::string("unexpected character '") + c + "'"));
    return out;
  }
}

std::string_view describe(tok kind) noexcept {
  switch (kind) {
    case tok::end: return "the end of the expression";
    case tok::ident: return "a name";
    case tok::string: return "a string";
    case tok::integer: return "an integer";
    case tok::real: return "a number";
    case tok::timespan: return "a timespan";
    case tok::lparen: return "'('";
    case tok::rparen: return "')'";
    case tok::lbracket: return "'['";
    case tok::rbracket: return "']'";
    case tok::comma: return "','";
    case tok::dot: return "'.'";
    case tok::dotdot: return "'..'";
    case tok::pipe: return "'|'";
    case tok::star: return "'*'";
    case tok::minus: return "'-'";
    case tok::plus: return "'+'";
    case tok::slash: return "'/'";
    case tok::assign: return "'='";
    case tok::eq: return "'=='";
    case tok::ne: return "'!='";
    case tok::eq_ci: return "'=~'";
    case tok::ne_ci: return "'!~'";
    case tok::lt: return "'<'";
    case tok::le: return "'<='";
    case tok::gt: return "'>'";
    case tok::ge: return "'>='";
    case tok::error: return "an error";
  }
  return "?";
}

}  // namespace k8saudit::lang
