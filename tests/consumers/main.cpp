// SPDX-License-Identifier: Apache-2.0
// The consumer program of every flow (find_package, build tree, pkg-config, add_subdirectory,
// FetchContent): parses one audit event and prints its verb.
#include <cstdio>

#include <k8saudit/k8saudit.h>

int main() {
  k8saudit::parser parser;
  auto ev = parser.parse(
      R"({"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"7f1c","stage":"ResponseComplete",)"
      R"("requestURI":"/api/v1/namespaces/default/secrets/db","verb":"delete","user":{"username":"alice"}})");
  if (!ev) {
    std::fprintf(stderr, "parse failed: %s\n", k8saudit::message(ev.error()).c_str());
    return 1;
  }
  std::printf("verb: %.*s (k8saudit %s)\n", static_cast<int>(ev->verb.size()), ev->verb.data(),
              k8saudit::version());
  return ev->verb_kind() == k8saudit::verb_kind::delete_ ? 0 : 1;
}
