// SPDX-License-Identifier: Apache-2.0
#include "table_output.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include <k8saudit/write.h>

namespace k8saudit::cli {

output_format choose_output(const std::string& requested) {
  if (requested == "json") return output_format::json;
  if (requested == "csv") return output_format::csv;
  if (requested == "table") return output_format::table;
  return ::isatty(STDOUT_FILENO) ? output_format::table : output_format::json;
}

namespace {

void json_cell(const value& v, std::string& o) {
  switch (v.k) {
    case value::kind::null: o += "null"; return;
    case value::kind::integer: o += std::to_string(v.integer); return;
    case value::kind::boolean: o += v.integer ? "true" : "false"; return;
    case value::kind::real:
      if (!std::isfinite(v.real)) {
        o += "null";
      } else {
        o += to_text(v);
      }
      return;
    case value::kind::dynamic: o += v.text; return;
    default: write_json_string(to_text(v), o); return;
  }
}

void csv_cell(const std::string& s, std::string& o) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) {
    o += s;
    return;
  }
  o += '"';
  for (char c : s) {
    if (c == '"') o += '"';
    o += c;
  }
  o += '"';
}

// Display width of UTF-8 text (code points; good enough for names and numbers).
std::size_t width(const std::string& s) {
  return static_cast<std::size_t>(std::count_if(s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

}  // namespace

std::string render(const table& t, output_format f) {
  std::string o;
  switch (f) {
    case output_format::json:
      for (const auto& row : t.rows) {
        o += '{';
        for (std::size_t c = 0; c < t.columns.size(); ++c) {
          if (c) o += ',';
          write_json_string(t.columns[c], o);
          o += ':';
          json_cell(row[c], o);
        }
        o += "}\n";
      }
      return o;
    case output_format::csv:
      for (std::size_t c = 0; c < t.columns.size(); ++c) {
        if (c) o += ',';
        csv_cell(t.columns[c], o);
      }
      o += "\r\n";
      for (const auto& row : t.rows) {
        for (std::size_t c = 0; c < t.columns.size(); ++c) {
          if (c) o += ',';
          csv_cell(to_text(row[c]), o);
        }
        o += "\r\n";
      }
      return o;
    case output_format::table: {
      std::vector<std::vector<std::string>> cells;
      std::vector<std::size_t> w(t.columns.size());
      for (std::size_t c = 0; c < t.columns.size(); ++c) w[c] = width(t.columns[c]);
      for (const auto& row : t.rows) {
        std::vector<std::string> r;
        for (std::size_t c = 0; c < t.columns.size(); ++c) {
          r.push_back(to_text(row[c]));
          w[c] = std::max(w[c], width(r.back()));
        }
        cells.push_back(std::move(r));
      }
      auto line = [&](const std::vector<std::string>& r, const std::vector<value>* types) {
        for (std::size_t c = 0; c < r.size(); ++c) {
          const bool numeric = types != nullptr && ((*types)[c].k == value::kind::integer || (*types)[c].k == value::kind::real);
          const std::string pad(w[c] - width(r[c]), ' ');
          if (c) o += "  ";
          o += numeric ? pad + r[c] : (c + 1 < r.size() ? r[c] + pad : r[c]);
        }
        o += '\n';
      };
      line(t.columns, nullptr);
      std::vector<std::string> rule;
      for (std::size_t c = 0; c < t.columns.size(); ++c) rule.emplace_back(w[c], '-');
      line(rule, nullptr);
      for (std::size_t i = 0; i < cells.size(); ++i) line(cells[i], &t.rows[i]);
      return o;
    }
  }
  return o;
}

}  // namespace k8saudit::cli
