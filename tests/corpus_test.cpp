// SPDX-License-Identifier: Apache-2.0
// Golden tests over the real public samples in ../shared/corpus (skipped with a message when the
// folder is absent: the samples are never copied into this project).
#include <doctest/doctest.h>

#include <filesystem>
#include <map>
#include <string>

#include "test_util.h"

using namespace k8saudit;
namespace fs = std::filesystem;

namespace {

fs::path corpus_dir() { return fs::path(K8SAUDIT_SHARED_DIR) / "corpus"; }

struct expectation {
  std::uint64_t records, events, skipped, errors;
};

// What each sample holds, established by reading the files (see the corpus README):
// GKE Cloud Logging entries are skipped (gcp_log_entry), everything else is an event.
const std::map<std::string, expectation>& expected() {
  static const std::map<std::string, expectation> m = {
      {"audit2rbac/demo.log", {37, 37, 0, 0}},
      {"elastic/kubernetes-test-kube-audit.log", {1, 1, 0, 0}},
      {"elastic/gcp-test-k8s-nonmatching-resourcename.log", {1, 0, 1, 0}},
      {"sumologic/aks-kube-audit-record.json", {1, 1, 0, 0}},
      {"sumologic/aks-kube-audit-admin-record.json", {1, 1, 0, 0}},
      {"khi/gke_container_recorder_test_1_1.json", {1, 0, 1, 0}},
      {"khi/oss_test-log.json", {1, 1, 0, 0}},
      {"panther/eks_k8s_audit.part1.jsonl", {93, 93, 0, 0}},
      {"panther/aks_records.part1.jsonl", {17, 17, 0, 0}},
      {"panther/gke_protopayload.part1.jsonl", {26, 0, 26, 0}},
  };
  return m;
}

}  // namespace

TEST_CASE("corpus: every real sample reads with the expected counts") {
  if (!fs::is_directory(corpus_dir())) {
    MESSAGE("SKIPPED: " << corpus_dir().string() << " not found; corpus golden tests not run");
    return;
  }
  std::size_t files = 0;
  for (const auto& entry : fs::recursive_directory_iterator(corpus_dir())) {
    if (!entry.is_regular_file()) continue;
    std::string rel = fs::relative(entry.path(), corpus_dir()).generic_string();
    if (rel == "README.md" || rel.ends_with(".tsv")) continue;
    ++files;
    CAPTURE(rel);
    reader r;
    REQUIRE(r.open(entry.path().string()).has_value());
    batch b;
    std::uint64_t events = 0;
    while (r.next(b)) {
      for (const event& e : b.events) {
        ++events;
        CHECK(e.origin.file == entry.path().string());
        CHECK(e.origin.line >= 1);
        // Every event written back parses again to the same verb and user.
        std::string line;
        write_json(e, line);
        parser p;
        auto again = p.parse(line);
        REQUIRE(again.has_value());
        CHECK(again->verb == e.verb);
        CHECK(again->user.username == e.user.username);
        CHECK(again->stage_timestamp == e.stage_timestamp);
      }
      for (const record_error& e : b.errors) FAIL_CHECK(message(e.error));
    }
    CHECK_FALSE(r.failed());
    const counters& c = r.stats();
    CHECK(c.records == c.events + c.skipped + c.errors);
    CHECK(c.events == events);
    if (rel.starts_with("falco/")) {
      CHECK(c.records == 1);
      CHECK(c.events == 1);
      continue;
    }
    auto it = expected().find(rel);
    REQUIRE_MESSAGE(it != expected().end(), "no expectation for " << rel);
    CHECK(c.records == it->second.records);
    CHECK(c.events == it->second.events);
    CHECK(c.skipped == it->second.skipped);
    CHECK(c.errors == it->second.errors);
  }
  CHECK(files == expected().size() + 23);  // + the 23 falco traces
}
