// SPDX-License-Identifier: Apache-2.0
// Helpers shared by the tests: read everything from memory into owned events, render `cat`.
#pragma once

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <k8saudit/k8saudit.h>

namespace k8saudit::test {

struct read_result {
  std::vector<owned_event> events;
  std::vector<error> errors;
  counters stats;
  std::string cat;  // every event written as native JSON lines

  [[nodiscard]] bool adds_up() const {
    return stats.records == stats.events + stats.skipped + stats.errors && stats.events == events.size() &&
           stats.errors == errors.size();
  }
};

/// Reads everything `rd` (already opened) yields.
inline read_result drain(reader& rd) {
  read_result r;
  batch b;
  while (rd.next(b)) {
    for (const event& e : b.events) {
      r.events.push_back(e.to_owned());
      write_json(e, r.cat);
      r.cat += '\n';
    }
    for (const record_error& e : b.errors) r.errors.push_back(e.error);
  }
  r.stats = rd.stats();
  return r;
}

inline read_result read_all(std::string_view data, reader_options opt = {}) {
  reader rd(opt);
  rd.open_memory(data, "mem");
  return drain(rd);
}

inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

/// The JSON string literal for `s` (quotes included).
inline std::string json_quote(std::string_view s) {
  std::string out;
  write_json_string(s, out);
  return out;
}

}  // namespace k8saudit::test
