// SPDX-License-Identifier: Apache-2.0
// Apply a Kubernetes audit Policy (audit.k8s.io/v1) to events already logged: drop what the
// policy drops, downgrade the rest to the policy's level (bodies removed, managedFields
// stripped), and write the kept events to stdout as native JSON lines. A summary goes to stderr.
// Usage: apply_policy POLICY.yaml FILE
#include <cstdint>
#include <cstdio>
#include <string>

#include <k8saudit/k8saudit.h>

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s POLICY FILE\n", argv[0]);
    return 2;
  }
  auto policy = k8saudit::policy::load_file(argv[1]);
  if (!policy) {
    std::fprintf(stderr, "%s", policy.error().render().c_str());  // every problem, one per line
    return 2;
  }
  for (const k8saudit::policy_problem& w : policy->warnings())  // e.g. a rule that never matches
    std::fprintf(stderr, "warning: %s: %s\n", w.where.c_str(), w.message.c_str());

  // No projection here: the kept events are written out whole, so every field is parsed.
  k8saudit::reader reader;
  if (auto ok = reader.open(argv[2]); !ok) {
    std::fprintf(stderr, "%s\n", k8saudit::message(ok.error()).c_str());
    return 2;
  }
  std::uint64_t kept = 0, bytes_out = 0;
  std::string out;  // one batch of output lines, written with one fwrite
  k8saudit::batch batch;
  while (reader.next(batch)) {
    out.clear();
    for (const k8saudit::event& ev : batch.events) {
      const k8saudit::policy_decision d = policy->evaluate(ev);  // first matching rule wins
      if (!k8saudit::apply(d, ev, out)) continue;                // dropped (level None / omitted stage)
      out += '\n';                                               // apply() appended one line
      ++kept;
    }
    std::fwrite(out.data(), 1, out.size(), stdout);
    bytes_out += out.size();
    for (const k8saudit::record_error& e : batch.errors)
      std::fprintf(stderr, "%s\n", k8saudit::message(e.error).c_str());
  }
  const k8saudit::counters& c = reader.stats();
  std::fprintf(stderr, "events in %llu, out %llu; bytes in %llu, out %llu; errors %llu\n",
               static_cast<unsigned long long>(c.events), static_cast<unsigned long long>(kept),
               static_cast<unsigned long long>(c.bytes), static_cast<unsigned long long>(bytes_out),
               static_cast<unsigned long long>(c.errors));
  if (reader.failed()) std::fprintf(stderr, "%s\n", k8saudit::message(reader.failure()).c_str());
  return reader.failed() || std::fflush(stdout) != 0 ? 2 : (c.errors != 0 ? 1 : 0);
}
