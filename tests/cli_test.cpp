// SPDX-License-Identifier: Apache-2.0
// The k8saudit command, run as a user would: exit codes, check --json, cat.
#include <doctest/doctest.h>

#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "test_util.h"

namespace fs = std::filesystem;

namespace {

struct run_result {
  int code;
  std::string out;
};

run_result run(const std::string& args, bool with_stderr = false) {
  std::string cmd = std::string(K8SAUDIT_CLI) + " " + args + (with_stderr ? " 2>&1" : " 2>/dev/null");
  run_result r{-1, {}};
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return r;
  char buf[4096];
  std::size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  int st = pclose(p);
  r.code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

fs::path temp_file(const std::string& name, const std::string& content) {
  fs::path p = fs::temp_directory_path() / ("k8saudit-cli-test-" + std::to_string(::getpid()) + "-" + name);
  std::ofstream(p, std::ios::binary) << content;
  return p;
}

}  // namespace

TEST_CASE("cli: check --json reports counts and the first errors with line and offset") {
  if (std::string_view(K8SAUDIT_CLI).empty()) {
    MESSAGE("SKIPPED: the CLI is not built");
    return;
  }
  std::string good = R"({"kind":"Event","verb":"get","auditID":"a","stageTimestamp":"2025-01-01T00:00:00Z"})";
  std::string in = good + "\n" + "oops\n" + good + "\n" + R"({"category":"guard","properties":{"log":"I1007 x"}})" + "\n";
  fs::path f = temp_file("check.jsonl", in);
  auto r = run("check --json " + f.string());
  CHECK(r.code == 1);
  CHECK(r.out.find(R"("records":4,"events":2,"skipped":1,"errors":1)") != std::string::npos);
  CHECK(r.out.find(R"("skipped_by_reason":{"not_audit_category":1})") != std::string::npos);
  CHECK(r.out.find(R"("errors_by_reason":{"invalid_json":1})") != std::string::npos);
  CHECK(r.out.find(R"("line":2,"offset":)" + std::to_string(good.size() + 1)) != std::string::npos);

  fs::path clean = temp_file("clean.jsonl", good + "\n");
  CHECK(run("check --json " + clean.string()).code == 0);
  CHECK(run("check /nonexistent/file").code == 2);
  CHECK(run("check --input-format xml " + clean.string()).code == 2);
  CHECK(run("frobnicate").code == 2);
  fs::remove(f);
  fs::remove(clean);
}

TEST_CASE("cli: check --strict reports a bad value the default reading skips unread") {
  if (std::string_view(K8SAUDIT_CLI).empty()) {
    MESSAGE("SKIPPED: the CLI is not built");
    return;
  }
  // A missing colon inside a field no one reads: simdjson's first stage passes it, and only a
  // walk of that value finds it. (A field the parser does not know is not named in the error.)
  const std::string bad = R"({"kind":"Event","verb":"get","auditID":"a","stageTimestamp":"2025-01-01T00:00:00Z","extra":{"a" 1}})";
  fs::path f = temp_file("strict.jsonl", bad + "\n");
  auto lax = run("check --json " + f.string());
  CHECK(lax.code == 0);
  CHECK(lax.out.find(R"("records":1,"events":1,"skipped":0,"errors":0)") != std::string::npos);
  auto strict = run("check --json --strict " + f.string());
  CHECK(strict.code == 1);
  CHECK(strict.out.find(R"("records":1,"events":0,"skipped":0,"errors":1)") != std::string::npos);
  CHECK(strict.out.find(R"("line":1,"offset":0,"field":"","code":"invalid_json")") != std::string::npos);
  fs::remove(f);
}

TEST_CASE("cli: cat unwraps the bundled AKS sample to the same lines as the JSON-lines sample") {
  if (std::string_view(K8SAUDIT_CLI).empty()) {
    MESSAGE("SKIPPED: the CLI is not built");
    return;
  }
  fs::path data(K8SAUDIT_DATA_DIR);
  auto native = run("cat " + (data / "sample.jsonl").string());
  auto hub = run("cat --input-format aks " + (data / "sample-aks-eventhub.json").string());
  auto pt1h = run("cat " + (data / "sample-aks-pt1h.json").string());
  CHECK(native.code == 0);
  CHECK(hub.code == 0);
  CHECK(pt1h.code == 0);
  CHECK(native.out.size() > 1000);
  CHECK(hub.out == native.out);
  CHECK(pt1h.out == native.out);
  // Native API-server lines come back byte for byte.
  CHECK(native.out == k8saudit::test::slurp(data / "sample.jsonl"));
}

namespace {

run_result run_all_output(const std::string& args) {  // stdout and stderr together
  return run(args, true);
}

std::string log_analytics_rows() {
  return R"([{"TimeGenerated":"2025-10-07T16:19:21Z","AuditId":"la1","Level":"Metadata","Stage":"ResponseComplete",)"
         R"("Verb":"delete","User":{"username":"alice"},"ObjectRef":{"resource":"secrets","namespace":"prod"},)"
         R"("ResponseStatus":{"code":200},"Category":"kube-audit","Type":"AKSAudit"},)"
         "\n"
         R"({"TimeGenerated":"2025-10-07T16:19:22Z","AuditId":"la2","Level":"Metadata","Stage":"ResponseComplete",)"
         R"("Verb":"get","User":"{\"username\":\"bob\"}","ObjectRef":"{\"resource\":\"pods\"}","Type":"AKSAudit"}])";
}

}  // namespace

TEST_CASE("cli: filter works on every input format and agrees with itself with and without the prefilter") {
  if (std::string_view(K8SAUDIT_CLI).empty()) {
    MESSAGE("SKIPPED: the CLI is not built");
    return;
  }
  fs::path data(K8SAUDIT_DATA_DIR);
  const std::string expr = R"(-e 'verb == "delete" or objectRef.resource == "secrets"' )";
  auto native = run("filter " + expr + (data / "sample.jsonl").string());
  REQUIRE(native.code == 0);
  const auto lines = std::count(native.out.begin(), native.out.end(), '\n');
  CHECK(lines > 0);
  CHECK(lines < 53);
  for (const char* f : {"sample-aks-eventhub.json", "sample-aks-pt1h.json", "sample-eventlist.json"}) {
    CAPTURE(f);
    auto r = run("filter " + expr + (data / f).string());
    CHECK(r.code == 0);
    CHECK(r.out == native.out);  // the same events, written as native JSON lines
    CHECK(run("filter --no-prefilter " + expr + (data / f).string()).out == native.out);
    CHECK(run("filter --count " + expr + (data / f).string()).out == std::to_string(lines) + "\n");
  }
  // Forced format, standard input, gzip.
  CHECK(run("filter --input-format aks " + expr + (data / "sample-aks-eventhub.json").string()).out == native.out);
  CHECK(run("filter " + expr + "- < " + (data / "sample.jsonl").string()).out == native.out);
  fs::path gz = fs::temp_directory_path() / ("k8saudit-cli-test-" + std::to_string(::getpid()) + ".jsonl.gz");
  REQUIRE(std::system(("gzip -c " + (data / "sample.jsonl").string() + " > " + gz.string()).c_str()) == 0);
  CHECK(run("filter " + expr + gz.string()).out == native.out);
  fs::remove(gz);
  // Log Analytics rows, with AKSAudit column names in the expression.
  fs::path la = temp_file("la.json", log_analytics_rows());
  auto r = run(R"(filter --count -e 'Verb == "delete" and ObjectRef.namespace == "prod"' )" + la.string());
  CHECK(r.code == 0);
  CHECK(r.out == "1\n");
  CHECK(run(R"(filter --count -e 'User.username == "bob"' )" + la.string()).out == "1\n");
  fs::remove(la);
  // A JSON array of events, and legacy AzureDiagnostics rows (the event in log_s).
  const std::string del = R"({"kind":"Event","auditID":"d1","verb":"delete","objectRef":{"resource":"pods"}})";
  const std::string get = R"({"kind":"Event","auditID":"g1","verb":"get","objectRef":{"resource":"pods"}})";
  fs::path arr = temp_file("array.json", "[\n" + del + ",\n" + get + "\n]\n");
  auto only_d1 = [](const std::string& out) {
    return std::count(out.begin(), out.end(), '\n') == 1 && out.find(R"("auditID":"d1")") != std::string::npos;
  };
  CHECK(only_d1(run(R"(filter -e 'verb == "delete"' )" + arr.string()).out));
  fs::remove(arr);
  fs::path diag = temp_file(
      "diag.jsonl", R"({"Category":"kube-audit","ResourceId":"/SUBSCRIPTIONS/S/MANAGEDCLUSTERS/PROD-AKS","log_s":)" +
                        k8saudit::test::json_quote(del) + "}\n" + R"({"Category":"kube-audit","log_s":)" +
                        k8saudit::test::json_quote(get) + "}\n");
  CHECK(only_d1(run(R"(filter -e 'verb == "delete" and cluster == "PROD-AKS"' )" + diag.string()).out));
  CHECK(run(R"(filter --count -e 'Category == "kube-audit"' )" + diag.string()).out == "2\n");
  fs::remove(diag);
}

TEST_CASE("cli: filter --raw writes the original records, envelope included") {
  if (std::string_view(K8SAUDIT_CLI).empty()) {
    MESSAGE("SKIPPED: the CLI is not built");
    return;
  }
  fs::path data(K8SAUDIT_DATA_DIR);
  auto r = run(R"(filter --raw -e 'verb == "delete"' )" + (data / "sample-aks-pt1h.json").string());
  REQUIRE(r.code == 0);
  const std::string original = k8saudit::test::slurp(data / "sample-aks-pt1h.json");
  std::size_t start = 0;
  int n = 0;
  while (start < r.out.size()) {
    const std::size_t end = r.out.find('\n', start);
    REQUIRE(end != std::string::npos);
    const std::string line = r.out.substr(start, end - start);
    CHECK(line.find(R"("properties")") != std::string::npos);        // the AKS envelope is kept
    CHECK(original.find(line + "\n") != std::string::npos);          // byte for byte
    start = end + 1;
    ++n;
  }
  CHECK(n > 0);
}

TEST_CASE("cli: filter exit codes, expression errors with a caret, bad records reported") {
  if (std::string_view(K8SAUDIT_CLI).empty()) {
    MESSAGE("SKIPPED: the CLI is not built");
    return;
  }
  fs::path data(K8SAUDIT_DATA_DIR);
  const std::string sample = (data / "sample.jsonl").string();
  CHECK(run(R"(filter -e 'verb == "no-such-verb"' )" + sample).code == 1);
  CHECK(run(R"(filter --count -e 'verb == "no-such-verb"' )" + sample).out == "0\n");

  auto bad = run_all_output(R"(filter -e 'vreb == "delete"' )" + sample);
  CHECK(bad.code == 2);
  CHECK(bad.out.find("unknown field 'vreb' (did you mean 'verb'?)") != std::string::npos);
  CHECK(bad.out.find("\n  vreb == \"delete\"\n  ^") != std::string::npos);
  auto type = run_all_output(R"(filter -e 'responseStatus.code == "abc"' )" + sample);
  CHECK(type.code == 2);
  CHECK(type.out.find("\n                         ^") != std::string::npos);  // under "abc"

  std::string good = R"({"kind":"Event","verb":"delete","auditID":"a"})";
  fs::path f = temp_file("filter-bad.jsonl", good + "\n{\"kind\":\"Event\",\"verb\":\"delete\",\n" + good + "\n");
  auto r = run_all_output(R"(filter --no-prefilter -e 'verb == "delete"' )" + f.string());
  CHECK(r.code == 2);  // as grep: an error was met, even though events matched
  CHECK(r.out.find(":2: offset") != std::string::npos);
  CHECK(r.out.find("truncated_record") != std::string::npos);
  CHECK(r.out.find("3 records: 2 events, 0 skipped, 1 error") != std::string::npos);
  CHECK(r.out.find("2 matched") != std::string::npos);
  fs::remove(f);
  CHECK(run(R"(filter -e 'verb == "delete"' /nonexistent/file)").code == 2);
  CHECK(run("filter " + sample).code == 2);  // -e is required
}

TEST_CASE("cli: policy check, apply and explain on the shipped policies") {
  if (std::string_view(K8SAUDIT_CLI).empty()) {
    MESSAGE("SKIPPED: the CLI is not built");
    return;
  }
  const fs::path data(K8SAUDIT_DATA_DIR);
  const fs::path policies = data.parent_path() / "policies";
  const std::string sample = (data / "sample.jsonl").string();
  for (const char* name : {"kubernetes-example.yaml", "aks-cost-saving.yaml"}) {
    CAPTURE(name);
    const std::string p = (policies / name).string();
    auto check = run("policy check -p " + p, true);
    CHECK(check.code == 0);
    CHECK(check.out.find("rule 0") != std::string::npos);
    CHECK(check.out.find("warning") == std::string::npos);  // the shipped policies are clean

    fs::path summary = fs::temp_directory_path() / ("k8saudit-cli-test-" + std::to_string(::getpid()) + "-sum.json");
    auto kept = run("policy apply -p " + p + " --summary-json " + summary.string() + " " + sample);
    CHECK(kept.code == 0);
    const auto kept_lines = std::count(kept.out.begin(), kept.out.end(), '\n');
    CHECK(kept_lines > 0);
    CHECK(kept_lines < 53);
    const std::string sum = k8saudit::test::slurp(summary);
    CHECK(sum.find(R"("events_in":53,"events_out":)" + std::to_string(kept_lines) + ",") != std::string::npos);
    fs::remove(summary);
    // Every kept line is a native event again, at a level no higher than the input's.
    k8saudit::parser parser;
    std::size_t start = 0;
    while (start < kept.out.size()) {
      const std::size_t end = kept.out.find('\n', start);
      auto ev = parser.parse(std::string_view(kept.out).substr(start, end - start));
      REQUIRE(ev.has_value());
      CHECK(ev->level != k8saudit::level::none);
      start = end + 1;
    }
    // The same events from the AKS forms of the sample.
    CHECK(run("policy apply -p " + p + " " + (data / "sample-aks-pt1h.json").string()).out == kept.out);
    CHECK(run("policy apply -p " + p + " " + (data / "sample-aks-eventhub.json").string()).out == kept.out);

    auto explain = run("policy explain --json -p " + p + " " + sample);
    CHECK(explain.code == 0);
    CHECK(std::count(explain.out.begin(), explain.out.end(), '\n') == 53);
    std::size_t dropped = 0;
    for (std::size_t at = explain.out.find(R"("dropped":true)"); at != std::string::npos;
         at = explain.out.find(R"("dropped":true)", at + 1)) {
      ++dropped;
    }
    CHECK(static_cast<long>(dropped) == 53 - kept_lines);
    CHECK(explain.out.find(R"({"auditID":")") == 0);
    CHECK(explain.out.find(R"("omitStages":["RequestReceived"])") != std::string::npos);
  }
}

TEST_CASE("cli: a broken policy lists every problem and exits 2") {
  if (std::string_view(K8SAUDIT_CLI).empty()) {
    MESSAGE("SKIPPED: the CLI is not built");
    return;
  }
  fs::path p = temp_file("broken-policy.yaml", R"(apiVersion: audit.k8s.io/v1
kind: Policy
rules:
  - level: Everything
  - level: Metadata
    resources:
      - group: "apps/v1"
        resourceNames: ["x"]
  - level: None
    nonResourceURLs: ["healthz"]
    namespaces: ["default"]
)");
  auto r = run("policy check -p " + p.string(), true);
  CHECK(r.code == 2);
  CHECK(r.out.find("rules[0].level") != std::string::npos);
  CHECK(r.out.find("rules[1].resources[0].group") != std::string::npos);
  CHECK(r.out.find("rules[1].resources[0].resourceNames") != std::string::npos);
  CHECK(r.out.find("rules[2].nonResourceURLs") != std::string::npos);
  CHECK(run("policy apply -p " + p.string() + " " + (fs::path(K8SAUDIT_DATA_DIR) / "sample.jsonl").string()).code == 2);
  CHECK(run("policy check -p /nonexistent/policy.yaml").code == 2);
  fs::remove(p);
}

TEST_CASE("cli: query, top and stats on the bundled sample, in every output format") {
  if (std::string_view(K8SAUDIT_CLI).empty()) {
    MESSAGE("SKIPPED: the CLI is not built");
    return;
  }
  const fs::path data(K8SAUDIT_DATA_DIR);
  const std::string sample = (data / "sample.jsonl").string();
  auto json = run("query --output json 'summarize n = count() by verb | top 2 by n' " + sample);
  CHECK(json.code == 0);
  CHECK(json.out == "{\"verb\":\"update\",\"n\":14}\n{\"verb\":\"create\",\"n\":8}\n");
  auto csv = run("query --output csv 'summarize n = count() by verb | top 2 by n' " + sample);
  CHECK(csv.out == "verb,n\r\nupdate,14\r\ncreate,8\r\n");
  auto table = run("query --output table 'summarize n = count() by verb | top 2 by n' " + sample);
  CHECK(table.out == "verb    n\n------  --\nupdate  14\ncreate   8\n");
  // top is summarize count() by ... | top N by count_
  CHECK(run("top --output json --by verb -n 2 " + sample).out ==
        "{\"verb\":\"update\",\"count_\":14}\n{\"verb\":\"create\",\"count_\":8}\n");
  CHECK(run(R"(top --output json --by user.username -n 1 -e 'verb == "delete"' )" + sample).out.find("count_") !=
        std::string::npos);
  // The AKS forms of the sample give the same answers, with any thread count.
  const std::string q = "'summarize count(), dcount(user.username), percentiles(latency, 50, 99) by objectRef.namespace'";
  const auto reference = run("query --output json " + q + " " + sample);
  CHECK(reference.code == 0);
  for (const char* f : {"sample-aks-eventhub.json", "sample-aks-pt1h.json", "sample-eventlist.json"}) {
    CAPTURE(f);
    CHECK(run("query -j 2 --output json " + q + " " + (data / f).string()).out == reference.out);
  }
  auto stats = run("stats --output json " + sample);
  CHECK(stats.code == 0);
  CHECK(stats.out.find(R"({"section":"totals","events":53,"first":"2025-10-07T16:00:00.0000000Z",)") == 0);
  CHECK(stats.out.find(R"({"section":"verb","verb":"update","count_":14})") != std::string::npos);
  CHECK(stats.out.find(R"x("section":"latency (ResponseComplete)")x") != std::string::npos);
  auto stats_table = run("stats --output table " + sample);
  CHECK(stats_table.out.find("## top users") != std::string::npos);

  auto bad = run("query 'summarize count() by vreb' " + sample, true);
  CHECK(bad.code == 2);
  CHECK(bad.out.find("did you mean 'verb'") != std::string::npos);
  CHECK(run("query 'top 3 by count_' " + sample).code == 2);
}

TEST_CASE("cli: query --save-state on shards, then merge, equals one run over the whole input") {
  if (std::string_view(K8SAUDIT_CLI).empty()) {
    MESSAGE("SKIPPED: the CLI is not built");
    return;
  }
  const fs::path data(K8SAUDIT_DATA_DIR);
  const std::string all = k8saudit::test::slurp(data / "sample.jsonl");
  // Three shards of lines.
  std::string shard[3];
  std::size_t line = 0, start = 0;
  while (start < all.size()) {
    const std::size_t end = all.find('\n', start);
    shard[line++ % 3] += all.substr(start, end - start + 1);
    start = end + 1;
  }
  const std::string q =
      "'where verb != \"watch\" | summarize count(), requests(), dcount(user.username), make_set(verb), "
      "percentile(latency, 90), max(stageTimestamp) by objectRef.resource | order by count_'";
  std::string states;
  std::vector<fs::path> cleanup;
  for (int i = 0; i < 3; ++i) {
    fs::path in = temp_file("shard" + std::to_string(i) + ".jsonl", shard[i]);
    fs::path st = fs::temp_directory_path() / ("k8saudit-cli-test-" + std::to_string(::getpid()) + "-" + std::to_string(i) + ".state");
    CHECK(run("query --output json --save-state " + st.string() + " " + q + " " + in.string()).code == 0);
    states += " " + st.string();
    cleanup.push_back(in);
    cleanup.push_back(st);
  }
  const auto whole = run("query --output json " + q + " " + (data / "sample.jsonl").string());
  const auto merged = run("merge --output json" + states);
  CHECK(merged.code == 0);
  CHECK(whole.out.size() > 100);
  CHECK(merged.out == whole.out);
  // A state of another query does not merge.
  fs::path other = fs::temp_directory_path() / ("k8saudit-cli-test-" + std::to_string(::getpid()) + "-other.state");
  CHECK(run("query --save-state " + other.string() + " 'summarize count()' " + (data / "sample.jsonl").string()).code == 0);
  CHECK(run("merge" + states + " " + other.string()).code == 2);
  fs::path garbage = temp_file("garbage.state", "not a state");
  CHECK(run("merge " + garbage.string()).code == 2);
  cleanup.push_back(other);
  cleanup.push_back(garbage);
  for (const auto& p : cleanup) fs::remove(p);
}
