// SPDX-License-Identifier: Apache-2.0
// Stream a file of any format and size (JSON lines, AKS records, EventList, .gz ...) and count
// events by verb. Usage: count_by_verb FILE
#include <cstdio>
#include <map>
#include <string>

#include <k8saudit/k8saudit.h>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s FILE\n", argv[0]);
    return 2;
  }
  k8saudit::reader_options opt;
  opt.fields = k8saudit::part::verb;  // read only what we need: the rest is skipped unread
  k8saudit::reader reader(opt);
  if (auto ok = reader.open(argv[1]); !ok) {
    std::fprintf(stderr, "%s\n", k8saudit::message(ok.error()).c_str());
    return 2;
  }
  std::map<std::string, std::uint64_t, std::less<>> by_verb;
  k8saudit::batch batch;
  while (reader.next(batch)) {
    for (const k8saudit::event& ev : batch.events) {
      auto it = by_verb.find(ev.verb);
      if (it == by_verb.end()) it = by_verb.emplace(std::string(ev.verb), 0).first;
      ++it->second;
    }
  }
  for (const auto& [verb, n] : by_verb) std::printf("%-16s %llu\n", verb.c_str(), static_cast<unsigned long long>(n));
  const k8saudit::counters& c = reader.stats();
  std::printf("records %llu = events %llu + skipped %llu + errors %llu\n", static_cast<unsigned long long>(c.records),
              static_cast<unsigned long long>(c.events), static_cast<unsigned long long>(c.skipped),
              static_cast<unsigned long long>(c.errors));
  return reader.failed() ? 2 : 0;
}
