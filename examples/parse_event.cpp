// SPDX-License-Identifier: Apache-2.0
// Parse one audit event from a string and look at a few fields.
#include <cstdio>
#include <string>

#include <k8saudit/k8saudit.h>

int main() {
  const std::string line =
      R"({"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"7a81","stage":"ResponseComplete",)"
      R"("verb":"delete","user":{"username":"alice@example.com"},"objectRef":{"resource":"secrets","namespace":"prod"},)"
      R"("responseStatus":{"code":200},"stageTimestamp":"2025-10-07T16:19:19.647880Z"})";
  k8saudit::parser parser;
  auto ev = parser.parse(line);
  if (!ev) {
    std::fprintf(stderr, "%s\n", k8saudit::message(ev.error()).c_str());
    return 1;
  }
  std::printf("%.*s %.*s %.*s/%.*s -> %d\n", static_cast<int>(ev->user.username.size()), ev->user.username.data(),
              static_cast<int>(ev->verb.size()), ev->verb.data(), static_cast<int>(ev->object_ref.namespace_.size()),
              ev->object_ref.namespace_.data(), static_cast<int>(ev->object_ref.resource.size()),
              ev->object_ref.resource.data(), ev->response_status.code);
  return ev->verb_kind() == k8saudit::verb_kind::delete_ ? 0 : 1;
}
