// SPDX-License-Identifier: Apache-2.0
// Filter AKS diagnostic records (Event Hub `{"records":[...]}` messages, PT1H.json blobs ...) with
// a filter expression, and print each match with the AKS cluster it came from. Shows the two
// things that make filtering fast: the projection (parse only the fields needed) and the
// prefilter (records whose bytes cannot match are not parsed at all).
// Usage: filter_aks_records FILE [EXPRESSION]
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include <k8saudit/k8saudit.h>

namespace {
int len(std::string_view s) { return static_cast<int>(s.size()); }  // for printf's "%.*s"
unsigned long long ull(std::uint64_t n) { return n; }
}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || argc > 3) {
    std::fprintf(stderr, "usage: %s FILE [EXPRESSION]\n", argv[0]);
    return 2;
  }
  const char* text = argc == 3 ? argv[2] : R"(verb in ("create","delete") and objectRef.namespace startswith "app-")";
  auto f = k8saudit::filter::compile(text);  // syntax, field names and types are checked here
  if (!f) {
    std::fprintf(stderr, "%s\n", f.error().render().c_str());  // message, expression and a caret
    return 2;
  }
  k8saudit::reader_options opt;
  // Projection: what the filter reads, plus what we print. The envelope (origin: cluster, pod,
  // time) is always available.
  opt.fields =
      f->fields() | k8saudit::part::verb | k8saudit::part::object_ref | k8saudit::part::user | k8saudit::part::stage;
  opt.prefilter = &f->required_literals();  // must outlive the reader; still call matches() below
  k8saudit::reader reader(opt);
  if (auto ok = reader.open(argv[1]); !ok) {
    std::fprintf(stderr, "%s\n", k8saudit::message(ok.error()).c_str());
    return 2;
  }
  std::printf("filter: %s\nprefilter: %s\n", f->text().c_str(), f->required_literals().to_string().c_str());
  std::uint64_t matched = 0;
  k8saudit::batch batch;
  while (reader.next(batch)) {
    for (const k8saudit::event& ev : batch.events) {
      if (!f->matches(ev)) continue;
      ++matched;
      std::printf("%.*s: %.*s %.*s %.*s/%.*s/%.*s (%.*s)\n", len(ev.origin.cluster()), ev.origin.cluster().data(),
                  len(ev.user.username), ev.user.username.data(), len(ev.verb), ev.verb.data(),
                  len(ev.object_ref.namespace_), ev.object_ref.namespace_.data(), len(ev.object_ref.resource),
                  ev.object_ref.resource.data(), len(ev.object_ref.name), ev.object_ref.name.data(), len(ev.stage_text),
                  ev.stage_text.data());
    }
    for (const k8saudit::record_error& e : batch.errors)  // bad records: reported, reading goes on
      std::fprintf(stderr, "%.*s: %s\n", len(e.file), e.file.data(), k8saudit::message(e.error).c_str());
  }
  // records == events + skipped + errors. Skips are not errors (e.g. AKS records of another
  // category, such as `guard`, or records the prefilter ruled out).
  const k8saudit::counters& c = reader.stats();
  std::printf("matched %llu (of %llu events parsed); records %llu, skipped %llu, errors %llu\n", ull(matched),
              ull(c.events), ull(c.records), ull(c.skipped), ull(c.errors));
  for (std::size_t r = 0; r < c.skipped_by_reason.size(); ++r)
    if (c.skipped_by_reason[r] != 0)
      std::printf("  skipped %s %llu\n", std::string(k8saudit::name(static_cast<k8saudit::skip_reason>(r))).c_str(),
                  ull(c.skipped_by_reason[r]));
  for (std::size_t e = 0; e < c.errors_by_code.size(); ++e)
    if (c.errors_by_code[e] != 0)
      std::printf("  error %s %llu\n", std::string(k8saudit::name(static_cast<k8saudit::errc>(e))).c_str(),
                  ull(c.errors_by_code[e]));
  if (reader.failed()) std::fprintf(stderr, "%s\n", k8saudit::message(reader.failure()).c_str());
  return reader.failed() ? 2 : (c.errors != 0 ? 1 : 0);
}
