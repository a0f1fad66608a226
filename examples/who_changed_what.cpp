// SPDX-License-Identifier: Apache-2.0
// Who created, changed or deleted workloads and credentials? A filter written two ways: as text
// (what a user types) and with the typed builder (what code writes). The reader parses only the
// fields the filter reads, and skips unparsed the records that cannot match.
// Usage: who_changed_what FILE
#include <cstdio>
#include <string>

#include <k8saudit/k8saudit.h>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s FILE\n", argv[0]);
    return 2;
  }
  auto from_text = k8saudit::filter::compile(
      R"(verb in ("create", "update", "patch", "delete") and objectRef.resource in ("pods", "deployments", "secrets", "serviceaccounts"))");
  if (!from_text) {
    std::fprintf(stderr, "%s\n", from_text.error().render().c_str());
    return 2;
  }
  namespace field = k8saudit::field;
  auto from_code = k8saudit::filter::compile(field::verb.in({"create", "update", "patch", "delete"}) &&
                                             field::object_resource.in({"pods", "deployments", "secrets", "serviceaccounts"}));
  if (!from_code) return 2;

  k8saudit::reader_options opt;
  opt.fields = from_text->fields() | k8saudit::part::user;   // what the filter reads, and the user
  opt.prefilter = &from_text->required_literals();
  k8saudit::reader reader(opt);
  if (auto ok = reader.open(argv[1]); !ok) {
    std::fprintf(stderr, "%s\n", k8saudit::message(ok.error()).c_str());
    return 2;
  }
  std::uint64_t found = 0, disagree = 0;
  k8saudit::batch batch;
  while (reader.next(batch)) {
    for (const k8saudit::event& ev : batch.events) {
      const bool hit = from_text->matches(ev);
      disagree += hit != from_code->matches(ev) ? 1 : 0;
      if (!hit) continue;
      ++found;
      std::printf("%.*s %.*s %.*s/%.*s\n", static_cast<int>(ev.user.username.size()), ev.user.username.data(),
                  static_cast<int>(ev.verb.size()), ev.verb.data(), static_cast<int>(ev.object_ref.resource.size()),
                  ev.object_ref.resource.data(), static_cast<int>(ev.object_ref.name.size()),
                  ev.object_ref.name.data());
    }
  }
  const k8saudit::counters& c = reader.stats();
  std::printf("found %llu; records %llu, parsed %llu, prefiltered %llu, errors %llu; text and builder disagree %llu\n",
              static_cast<unsigned long long>(found), static_cast<unsigned long long>(c.records),
              static_cast<unsigned long long>(c.records - c.skipped_by_reason[static_cast<std::size_t>(
                                                             k8saudit::skip_reason::prefiltered)]),
              static_cast<unsigned long long>(
                  c.skipped_by_reason[static_cast<std::size_t>(k8saudit::skip_reason::prefiltered)]),
              static_cast<unsigned long long>(c.errors), static_cast<unsigned long long>(disagree));
  return reader.failed() || disagree != 0 ? 2 : 0;
}
