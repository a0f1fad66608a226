// SPDX-License-Identifier: Apache-2.0
// Helpers shared by the tests: read everything from memory into owned events, render `cat`.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <k8saudit/detail/source.h>
#include <k8saudit/k8saudit.h>

namespace k8saudit::test {

// A source that hands out at most `step` bytes per read: exercises every refill path.
class trickle_source final : public detail::byte_source {
 public:
  trickle_source(std::string_view d, std::size_t step) : data_(d), step_(step) {}
  result<std::size_t> read(char* dst, std::size_t n) override {
    std::size_t k = std::min({n, step_, data_.size() - pos_});
    std::memcpy(dst, data_.data() + pos_, k);
    pos_ += k;
    return k;
  }
  std::uint64_t position() const noexcept override { return pos_; }
  std::uint64_t size() const noexcept override { return data_.size(); }

 private:
  std::string_view data_;
  std::size_t step_;
  std::size_t pos_{0};
};

/// splitmix64: the same sequence on every platform (std:: distributions are not portable).
struct prng {
  std::uint64_t s;
  std::uint64_t next() {
    std::uint64_t z = (s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  std::size_t below(std::size_t n) { return static_cast<std::size_t>(next() % n); }
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }  // [0, 1)
  template <std::size_t N>
  std::string_view pick(const std::string_view (&a)[N]) {
    return a[below(N)];
  }
};

/// Damages a record: one to three bytes replaced, deleted or inserted, taken from the bytes
/// that matter to JSON and UTF-8 (a line break included, which splits the record).
inline void damage(prng& g, std::string& s) {
  constexpr char bytes[] = {'"', '\\', '{', '}', '[', ']', ',', ':', ' ', 'x', 'u', 'n', '1', '/', '\x01', '\xFF', '\xC3', '\n'};
  const std::size_t n = 1 + g.below(3);
  for (std::size_t k = 0; k < n && !s.empty(); ++k) {
    const std::size_t at = g.below(s.size());
    const char b = bytes[g.below(sizeof bytes)];
    switch (g.below(3)) {
      case 0: s[at] = b; break;
      case 1: s.erase(at, 1); break;
      default: s.insert(at, 1, b); break;
    }
  }
}

/// A small native event: auditID id-<i>, user u<i>, the given verb.
inline std::string ev(int i, std::string_view verb = "get") {
  return R"({"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"id-)" + std::to_string(i) +
         R"(","stage":"ResponseComplete","requestURI":"/api/v1/pods","verb":")" + std::string(verb) +
         R"(","user":{"username":"u)" + std::to_string(i) +
         R"("},"responseStatus":{"metadata":{},"code":200},"stageTimestamp":"2025-10-07T16:19:19.647880Z"})";
}

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

/// The first way two readings of the same input differ (empty when they do not): the events as
/// written, the counters, the errors with their place, field and detail.
inline std::string first_difference(const read_result& a, const read_result& b) {
  if (a.cat != b.cat) return "events differ:\n" + a.cat + "\nagainst\n" + b.cat;
  const counters &x = a.stats, &y = b.stats;
  if (x.records != y.records || x.events != y.events || x.skipped != y.skipped || x.errors != y.errors ||
      x.skipped_by_reason != y.skipped_by_reason || x.errors_by_code != y.errors_by_code) {
    return "counters differ";
  }
  if (a.errors.size() != b.errors.size()) return "error counts differ";
  for (std::size_t i = 0; i < a.errors.size(); ++i) {
    const error &e = a.errors[i], &f = b.errors[i];
    if (e.code != f.code || e.line != f.line || e.offset != f.offset || e.field != f.field || e.detail != f.detail) {
      return "error " + std::to_string(i) + ": " + message(e) + " against " + message(f);
    }
  }
  return {};
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
