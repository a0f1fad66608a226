// SPDX-License-Identifier: Apache-2.0
// Aggregate audit events with a KQL-style pipeline, and the merge pattern: states built apart
// (one per thread, per file or per machine) merged at the end give what one state gives.
// Exits 1 if the merged result differs from the single-pass one.
// Usage: summarize FILE
#include <cstdint>
#include <cstdio>
#include <string>

#include <k8saudit/k8saudit.h>

namespace {
const char* const kPipeline = "summarize count(), p99 = percentile(latency, 99) by verb | top 5 by count_";

void print(const k8saudit::table& t) {
  for (const std::string& column : t.columns) std::printf("%-18s", column.c_str());
  std::printf("\n");
  for (const auto& row : t.rows) {
    for (const k8saudit::value& cell : row) std::printf("%-18s", k8saudit::to_text(cell).c_str());
    std::printf("\n");
  }
  for (const std::string& note : t.notes) std::printf("note: %s\n", note.c_str());  // limits hit
}

int fail(const std::string& message, int status = 2) {
  std::fprintf(stderr, "%s\n", message.c_str());
  return status;
}
}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s FILE\n", argv[0]);
    return 2;
  }
  auto q = k8saudit::query::compile(kPipeline);  // compiled once; immutable, shareable
  if (!q) return fail(q.error().render());
  k8saudit::reader_options opt;
  opt.fields = q->fields();                 // parse only what the pipeline reads
  opt.prefilter = &q->required_literals();  // from leading `where` clauses (none here)

  // 1. One state fed every batch of one reader.
  k8saudit::query_state whole = q->make_state();
  k8saudit::reader reader(opt);
  if (auto ok = reader.open(argv[1]); !ok) return fail(k8saudit::message(ok.error()));
  k8saudit::batch batch;
  while (reader.next(batch)) whole.add(batch.events);  // the leading `where` clauses apply in add()
  if (reader.failed()) return fail(k8saudit::message(reader.failure()));
  const k8saudit::table result = whole.finish();
  print(result);

  // 2. The merge pattern. Here a second pass sends the first half of the events to one state and
  // the rest to another; in real code each state lives in its own thread (see read_parallel()'s
  // worker index) or on its own machine, and travels as bytes: serialize() / deserialize().
  k8saudit::query_state first = q->make_state(), second = q->make_state();
  const std::uint64_t half = whole.events_seen() / 2;
  std::uint64_t n = 0;
  if (auto ok = reader.open(argv[1]); !ok) return fail(k8saudit::message(ok.error()));  // reopen: restart
  while (reader.next(batch))
    for (const k8saudit::event& ev : batch.events) (n++ < half ? first : second).add(ev);
  if (reader.failed()) return fail(k8saudit::message(reader.failure()));
  std::string bytes;
  second.serialize(bytes);  // e.g. sent over the network ...
  auto received = k8saudit::query_state::deserialize(bytes);
  if (!received || !first.merge(*received)) return fail("cannot merge the states", 1);
  const k8saudit::table merged = first.finish();
  const bool same = merged.columns == result.columns && merged.rows == result.rows;
  std::printf("merged %llu + %llu events (state %zu bytes): %s\n", static_cast<unsigned long long>(half),
              static_cast<unsigned long long>(n - half), bytes.size(),
              same ? "same table as one state" : "DIFFERENT from one state");
  return same ? 0 : 1;
}
