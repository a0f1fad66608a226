// SPDX-License-Identifier: Apache-2.0
#include "json_scan.h"
#include "ascii.h"

#include <cstdint>
#include <cstring>

namespace k8saudit::detail {
namespace {

bool is_ws(char c) noexcept { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

}  // namespace

std::size_t skip_ws(std::string_view t, std::size_t i) noexcept {
  while (i < t.size() && is_ws(t[i])) ++i;
  return i;
}

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

namespace {

// Four hex digits at p (all readable), or -1.
long hex4(const char* p) noexcept {
  long v = 0;
  for (int i = 0; i < 4; ++i) {
    const int d = hex_value(p[i]);
    if (d < 0) return -1;
    v = (v << 4) | d;
  }
  return v;
}

char* put_utf8(std::uint32_t cp, char* d) noexcept {
  if (cp < 0x80) {
    *d++ = static_cast<char>(cp);
  } else if (cp < 0x800) {
    *d++ = static_cast<char>(0xC0 | (cp >> 6));
    *d++ = static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    *d++ = static_cast<char>(0xE0 | (cp >> 12));
    *d++ = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    *d++ = static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    *d++ = static_cast<char>(0xF0 | (cp >> 18));
    *d++ = static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    *d++ = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    *d++ = static_cast<char>(0x80 | (cp & 0x3F));
  }
  return d;
}

}  // namespace

std::size_t decode_escape(const char* esc, const char* end, char*& dst) noexcept {
  if (end - esc < 2) return 0;
  switch (esc[1]) {
    case '"': *dst++ = '"'; return 2;
    case '\\': *dst++ = '\\'; return 2;
    case '/': *dst++ = '/'; return 2;
    case 'b': *dst++ = '\b'; return 2;
    case 'f': *dst++ = '\f'; return 2;
    case 'n': *dst++ = '\n'; return 2;
    case 'r': *dst++ = '\r'; return 2;
    case 't': *dst++ = '\t'; return 2;
    case 'u': break;
    default: return 0;
  }
  if (end - esc < 6) return 0;
  long cp = hex4(esc + 2);
  std::size_t used = 6;
  if (cp < 0 || (cp >= 0xDC00 && cp <= 0xDFFF)) return 0;
  if (cp >= 0xD800 && cp <= 0xDBFF) {
    if (end - esc < 12 || esc[6] != '\\' || esc[7] != 'u') return 0;
    const long lo = hex4(esc + 8);
    if (lo < 0xDC00 || lo > 0xDFFF) return 0;
    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
    used = 12;
  }
  dst = put_utf8(static_cast<std::uint32_t>(cp), dst);
  return used;
}

bool unescape(std::string_view s, std::string& out) {
  out.clear();
  const char* p = s.data();
  const char* const end = p + s.size();
  while (p < end) {
    const auto* bs = static_cast<const char*>(std::memchr(p, '\\', static_cast<std::size_t>(end - p)));
    if (bs == nullptr) bs = end;
    out.append(p, bs);
    if (bs == end) break;
    char buf[4];
    char* d = buf;
    const std::size_t used = decode_escape(bs, end, d);
    if (used == 0) return false;
    out.append(buf, d);
    p = bs + used;
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
