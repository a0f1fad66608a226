// SPDX-License-Identifier: Apache-2.0
#include "query/json_path.h"

#include <algorithm>
#include <charconv>
#include <cstdint>

#include "json_scan.h"

namespace k8saudit::lang {
namespace {

bool is_ws(char c) noexcept { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

std::size_t skip_ws(std::string_view t, std::size_t i) noexcept {
  while (i < t.size() && is_ws(t[i])) ++i;
  return i;
}

std::string_view trim(std::string_view t) noexcept {
  std::size_t b = skip_ws(t, 0);
  std::size_t e = t.size();
  while (e > b && is_ws(t[e - 1])) --e;
  return t.substr(b, e - b);
}

template <class F>
void for_each_element(std::string_view arr, F&& f) {
  arr = trim(arr);
  if (arr.size() < 2 || arr.front() != '[') return;
  std::size_t i = skip_ws(arr, 1);
  if (i < arr.size() && arr[i] == ']') return;
  while (i < arr.size()) {
    const std::size_t start = skip_ws(arr, i);
    const std::size_t end = detail::skip_value(arr, start);
    if (end == std::string_view::npos) return;
    f(arr.substr(start, end - start));
    i = skip_ws(arr, end);
    if (i >= arr.size() || arr[i] != ',') return;
    ++i;
  }
}

}  // namespace

void walk(std::string_view base, const std::vector<detail::path_step>& path, path_scratch& s) {
  using detail::path_step;
  s.values.clear();
  base = trim(base);
  if (base.empty()) return;
  s.values.push_back(base);
  for (const path_step& st : path) {
    s.next.clear();
    for (std::string_view v : s.values) {
      switch (st.k) {
        case path_step::kind::key: {
          std::string_view m = detail::find_member(v, st.key, s.key);
          if (!m.empty()) s.next.push_back(trim(m));
          break;
        }
        case path_step::kind::index: {
          std::int64_t count = 0;
          if (st.index < 0) for_each_element(v, [&](std::string_view) { ++count; });
          const std::int64_t want = st.index < 0 ? count + st.index : st.index;
          std::int64_t k = 0;
          for_each_element(v, [&](std::string_view e) {
            if (k++ == want) s.next.push_back(e);
          });
          break;
        }
        case path_step::kind::all: for_each_element(v, [&](std::string_view e) { s.next.push_back(e); }); break;
      }
    }
    std::swap(s.values, s.next);
  }
  s.values.erase(std::remove(s.values.begin(), s.values.end(), std::string_view("null")), s.values.end());
}

bool parse_number(std::string_view v, json_number& out) noexcept {
  if (v.empty() || !(v.front() == '-' || (v.front() >= '0' && v.front() <= '9'))) return false;
  const char* end = v.data() + v.size();
  auto r = std::from_chars(v.data(), end, out.integer);
  if (r.ec == std::errc() && r.ptr == end) {
    out.is_integer = true;
    out.real = static_cast<double>(out.integer);
    return true;
  }
  out.is_integer = false;
  auto rd = std::from_chars(v.data(), end, out.real);
  return rd.ec == std::errc() && rd.ptr == end;
}

std::string_view json_text(std::string_view v, std::string& buf) {
  if (v.size() >= 2 && v.front() == '"') {
    std::string_view content = v.substr(1, v.size() - 2);
    if (content.find('\\') == std::string_view::npos) return content;
    if (!detail::unescape(content, buf)) return content;
    return buf;
  }
  return v;
}

}  // namespace k8saudit::lang
