// SPDX-License-Identifier: Apache-2.0
// The k8saudit command, run as a user would: exit codes, check --json, cat.
#include <doctest/doctest.h>

#include <sys/wait.h>

#include <cstdio>
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

run_result run(const std::string& args) {
  std::string cmd = std::string(K8SAUDIT_CLI) + " " + args + " 2>/dev/null";
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
