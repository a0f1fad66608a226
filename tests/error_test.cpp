// SPDX-License-Identifier: Apache-2.0
#include <doctest/doctest.h>

#include <string>

#include <k8saudit/k8saudit.h>

using namespace k8saudit;

TEST_CASE("error: names are stable and messages say where") {
  CHECK(name(errc::invalid_json) == "invalid_json");
  CHECK(name(errc::record_too_large) == "record_too_large");
  CHECK(name(skip_reason::not_audit_category) == "not_audit_category");
  error e{errc::bad_timestamp, 12, 3400, "stageTimestamp", "not an RFC 3339 time"};
  std::string m = message(e);
  CHECK(m == "bad_timestamp at line 12 (offset 3400), field 'stageTimestamp': not an RFC 3339 time");
  CHECK(static_cast<bool>(e));
  CHECK_FALSE(static_cast<bool>(error{}));
}

TEST_CASE("error: result<T> holds a value or an error") {
  result<int> ok = 5;
  REQUIRE(ok.has_value());
  CHECK(*ok == 5);
  result<int> bad = unexpected(errc::io_error, {}, "read failed");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == errc::io_error);
  result<std::string> s = std::string("x");
  result<std::string> copy = s;
  CHECK(*copy == "x");
  copy = unexpected(errc::gzip_error);
  CHECK_FALSE(copy.has_value());
  result<void> v;
  CHECK(v.has_value());
  result<void> fv = unexpected(errc::io_error);
  CHECK(fv.error().code == errc::io_error);
  CHECK(std::string_view(version()) == K8SAUDIT_VERSION_STRING);
}
