// SPDX-License-Identifier: Apache-2.0
#include "json_scan.h"
#include "ascii.h"

#include <cstdint>
#include <cstring>

namespace k8saudit::detail {
namespace {

bool is_ws(char c) noexcept { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

std::size_t skip_ws(std::string_view t, std::size_t i) noexcept {
  while (i < t.size() && is_ws(t[i])) ++i;
  return i;
}

bool read_hex4(std::string_view s, std::size_t i, std::uint32_t& v) noexcept {
  if (i + 4 > s.size()) return false;
  v = 0;
  for (std::size_t k = 0; k < 4; ++k) {
    int h = hex_value(s[i + k]);
    if (h < 0) return false;
    v = (v << 4) | static_cast<std::uint32_t>(h);
  }
  return true;
}

void append_utf8(std::uint32_t cp, std::string& out) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

}  // namespace

std::size_t skip_string(std::string_view t, std::size_t i) noexcept {
  if (i >= t.size() || t[i] != '"') return std::string_view::npos;
  for (++i; i < t.size(); ++i) {
    if (t[i] == '\\') {
      ++i;
    } else if (t[i] == '"') {
      return i + 1;
    }
  }
  return std::string_view::npos;
}

std::size_t skip_value(std::string_view t, std::size_t i) noexcept {
  i = skip_ws(t, i);
  if (i >= t.size()) return std::string_view::npos;
  char c = t[i];
  if (c == '"') return skip_string(t, i);
  if (c == '{' || c == '[') {
    // Depth count over brackets outside strings; the text was validated, so this is exact.
    std::size_t depth = 0;
    for (; i < t.size(); ++i) {
      char d = t[i];
      if (d == '"') {
        i = skip_string(t, i);
        if (i == std::string_view::npos) return i;
        --i;
      } else if (d == '{' || d == '[') {
        ++depth;
      } else if (d == '}' || d == ']') {
        if (--depth == 0) return i + 1;
      }
    }
    return std::string_view::npos;
  }
  // Scalar: up to the next structural character or whitespace.
  while (i < t.size() && !is_ws(t[i]) && t[i] != ',' && t[i] != '}' && t[i] != ']') ++i;
  return i;
}

bool unescape(std::string_view s, std::string& out) {
  out.clear();
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c != '\\') {
      out += c;
      continue;
    }
    if (++i >= s.size()) return false;
    switch (s[i]) {
      case '"': out += '"'; break;
      case '\\': out += '\\'; break;
      case '/': out += '/'; break;
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case 'u': {
        std::uint32_t cp = 0;
        if (!read_hex4(s, i + 1, cp)) return false;
        i += 4;
        if (cp >= 0xD800 && cp <= 0xDBFF) {
          std::uint32_t lo = 0;
          if (i + 2 >= s.size() || s[i + 1] != '\\' || s[i + 2] != 'u' || !read_hex4(s, i + 3, lo) ||
              lo < 0xDC00 || lo > 0xDFFF) {
            return false;
          }
          i += 6;
          cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
          return false;
        }
        append_utf8(cp, out);
        break;
      }
      default: return false;
    }
  }
  return true;
}

std::string_view find_member(std::string_view t, std::string_view key, std::string& scratch) {
  std::size_t i = skip_ws(t, 0);
  if (i >= t.size() || t[i] != '{') return {};
  i = skip_ws(t, i + 1);
  while (i < t.size() && t[i] == '"') {
    std::size_t kend = skip_string(t, i);
    if (kend == std::string_view::npos) return {};
    std::string_view k = t.substr(i + 1, kend - i - 2);
    bool match;
    if (k.find('\\') == std::string_view::npos) {
      match = k == key;
    } else {
      match = unescape(k, scratch) && scratch == key;
    }
    i = skip_ws(t, kend);
    if (i >= t.size() || t[i] != ':') return {};
    std::size_t vstart = skip_ws(t, i + 1);
    std::size_t vend = skip_value(t, vstart);
    if (vend == std::string_view::npos) return {};
    if (match) return t.substr(vstart, vend - vstart);
    i = skip_ws(t, vend);
    if (i < t.size() && t[i] == ',') i = skip_ws(t, i + 1);
  }
  return {};
}

}  // namespace k8saudit::detail
