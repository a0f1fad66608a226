// SPDX-License-Identifier: Apache-2.0
//
// k8saudit-gen: writes a deterministic, synthetic Kubernetes audit corpus.
//
//   k8saudit-gen --format jsonl|aks|eventhub|eventlist --size 100M --seed 42 -o FILE
//   k8saudit-gen --format aks --events 300 --non-audit-fraction 0.02 -o sample.json
//   k8saudit-gen --size 64M --stats            # print the event size and verb mix, write nothing
#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "corpus_generator.h"

namespace {

using k8saudit::bench::corpus_format;
using k8saudit::bench::generator_options;

constexpr std::string_view usage =
    "usage: k8saudit-gen [options]\n"
    "  --format F                 jsonl (default), aks, eventhub or eventlist\n"
    "  --size N                   stop once the JSONL form reaches N bytes; suffixes K, M, G (default 64M)\n"
    "  --events N                 also stop after about N events (0 = no limit)\n"
    "  --seed N                   PRNG seed (default 42)\n"
    "  --request-body-fraction F  requests logged with request/response bodies (default 0.05)\n"
    "  --non-audit-fraction F     aks/eventhub: fraction of non-audit klog records (default 0)\n"
    "  --records-per-message N    eventhub: records per message (default 50)\n"
    "  --items-per-list N         eventlist: items per EventList (default 400)\n"
    "  --rate N                   simulated requests per second (default 400)\n"
    "  -o FILE                    output file (default: standard output)\n"
    "  --stats                    print statistics of the events to stderr instead of writing\n"
    "  -h, --help                 this text\n";

[[noreturn]] void die(std::string_view message) {
  std::cerr << "k8saudit-gen: " << message << "\n" << usage;
  std::exit(2);
}

template <class T>
T parse_number(std::string_view flag, std::string_view text) {
  T value{};
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size())
    die(std::string(flag) + ": not a number: " + std::string(text));
  return value;
}

double parse_fraction(std::string_view flag, std::string_view text) {
  char* end = nullptr;
  const std::string s(text);
  const double v = std::strtod(s.c_str(), &end);
  if (end == s.c_str() || *end != '\0' || !(v >= 0.0 && v <= 1.0))
    die(std::string(flag) + ": expected a number in [0, 1]");
  return v;
}

double percentile(const std::vector<std::size_t>& sorted, double p) {
  if (sorted.empty()) return 0;
  const auto i = static_cast<std::size_t>(p * static_cast<double>(sorted.size() - 1));
  return static_cast<double>(sorted[i]);
}

void print_stats(const generator_options& opts) {
  k8saudit::bench::event_generator gen(opts);
  k8saudit::bench::generated_event ev;
  std::vector<std::size_t> sizes;
  std::map<std::string, std::size_t> verbs, levels, stages, codes;
  std::size_t bytes = 0, with_body = 0;
  std::int64_t first = 0, last = 0;
  while (gen.next(ev)) {
    if (sizes.empty()) first = ev.stage_unix_micros;
    last = ev.stage_unix_micros;
    sizes.push_back(ev.json.size() + 1);
    bytes += ev.json.size() + 1;
    ++verbs[std::string(ev.verb)];
    ++levels[std::string(ev.level)];
    ++stages[std::string(ev.stage)];
    if (ev.code != 0) ++codes[std::to_string(ev.code)];
    if (ev.json.find("\"requestObject\":") != std::string::npos ||
        ev.json.find("\"responseObject\":") != std::string::npos)
      ++with_body;
  }
  const std::size_t n = sizes.size();
  std::sort(sizes.begin(), sizes.end());
  std::fprintf(stderr, "events %zu, JSONL bytes %zu, mean %.0f B/event, span %.1f s\n", n, bytes,
               n ? static_cast<double>(bytes) / static_cast<double>(n) : 0.0, static_cast<double>(last - first) / 1e6);
  std::fprintf(
      stderr,
      "event size (bytes incl. newline): min %zu  p10 %.0f  p50 %.0f  p90 %.0f  p99 %.0f  p99.9 %.0f  max %zu\n",
      n ? sizes.front() : 0, percentile(sizes, 0.10), percentile(sizes, 0.50), percentile(sizes, 0.90),
      percentile(sizes, 0.99), percentile(sizes, 0.999), n ? sizes.back() : 0);
  std::fprintf(stderr, "events with requestObject/responseObject: %zu (%.2f%%)\n", with_body,
               n ? 100.0 * static_cast<double>(with_body) / static_cast<double>(n) : 0.0);
  auto show = [n](const char* title, const std::map<std::string, std::size_t>& m) {
    std::vector<std::pair<std::size_t, std::string>> v;
    v.reserve(m.size());
    for (const auto& [k, c] : m) v.emplace_back(c, k);
    std::sort(v.rbegin(), v.rend());
    std::fprintf(stderr, "%s:", title);
    for (const auto& [c, k] : v)
      std::fprintf(stderr, " %s %.2f%%", k.c_str(), 100.0 * static_cast<double>(c) / static_cast<double>(n));
    std::fprintf(stderr, "\n");
  };
  show("verbs", verbs);
  show("levels", levels);
  show("stages", stages);
  show("codes (events with responseStatus)", codes);
}

}  // namespace

int main(int argc, char** argv) {
  generator_options opts;
  corpus_format format = corpus_format::jsonl;
  std::string output;
  bool stats = false;
  bool size_given = false;

  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    auto value = [&]() -> std::string_view {
      if (i + 1 >= argc) die(std::string(arg) + " needs a value");
      return argv[++i];
    };
    if (arg == "-h" || arg == "--help") {
      std::cout << usage;
      return 0;
    } else if (arg == "--format") {
      const auto f = k8saudit::bench::parse_corpus_format(value());
      if (!f) die("--format: expected jsonl, aks, eventhub or eventlist");
      format = *f;
    } else if (arg == "--size") {
      const auto v = k8saudit::bench::parse_size(value());
      if (!v) die("--size: expected a byte count like 4096, 64K, 100M or 2G");
      opts.target_bytes = static_cast<std::size_t>(*v);
      size_given = true;
    } else if (arg == "--events") {
      opts.max_events = parse_number<std::size_t>(arg, value());
    } else if (arg == "--seed") {
      opts.seed = parse_number<std::uint64_t>(arg, value());
    } else if (arg == "--request-body-fraction") {
      opts.request_body_fraction = parse_fraction(arg, value());
    } else if (arg == "--non-audit-fraction") {
      opts.non_audit_fraction = parse_fraction(arg, value());
    } else if (arg == "--records-per-message") {
      opts.records_per_message = parse_number<std::size_t>(arg, value());
    } else if (arg == "--items-per-list") {
      opts.items_per_list = parse_number<std::size_t>(arg, value());
    } else if (arg == "--rate") {
      opts.requests_per_second = parse_number<std::uint32_t>(arg, value());
    } else if (arg == "-o" || arg == "--output") {
      output = value();
    } else if (arg == "--stats") {
      stats = true;
    } else {
      die("unknown argument: " + std::string(arg));
    }
  }
  if (opts.max_events != 0 && !size_given) {
    // --events alone: do not let the default size cut it short.
    opts.target_bytes = static_cast<std::size_t>(-1);
  }

  if (stats) {
    print_stats(opts);
    return 0;
  }
  if (output.empty() || output == "-") {
    std::ios::sync_with_stdio(false);
    k8saudit::bench::write_corpus(std::cout, format, opts);
    return std::cout ? 0 : 1;
  }
  std::ofstream file(output, std::ios::binary | std::ios::trunc);
  if (!file) die("cannot open " + output);
  k8saudit::bench::write_corpus(file, format, opts);
  file.close();
  if (!file) {
    std::cerr << "k8saudit-gen: write error on " << output << "\n";
    return 1;
  }
  return 0;
}
