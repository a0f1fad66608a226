// SPDX-License-Identifier: Apache-2.0
#include <doctest/doctest.h>

#include <string>

#include <k8saudit/k8saudit.h>

using namespace k8saudit;

TEST_CASE("event: find_string looks into raw JSON objects") {
  std::string scratch;
  raw_json obj{R"({ "a" : "x", "nested": {"a": "no"}, "esc\u0061ped": "v\u00e9", "n": 3, "z": null, "b":"\"q\"" })"};
  CHECK(*find_string(obj, "a", scratch) == "x");
  CHECK(*find_string(obj, "escaped", scratch) == "v\xC3\xA9");
  CHECK(*find_string(obj, "b", scratch) == "\"q\"");
  CHECK(find_string(obj, "z", scratch)->empty());
  CHECK(find_string(obj, "missing", scratch)->empty());
  auto n = find_string(obj, "n", scratch);
  REQUIRE_FALSE(n.has_value());
  CHECK(n.error().code == errc::wrong_type);
  CHECK(find_string(raw_json{}, "a", scratch)->empty());
  CHECK(find_string(raw_json{"[1,2]"}, "a", scratch)->empty());
}

TEST_CASE("event: origin::cluster is the last segment of the resource ID") {
  origin o;
  o.resource_id = "/SUBSCRIPTIONS/S/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.CONTAINERSERVICE/MANAGEDCLUSTERS/prod";
  CHECK(o.cluster() == "prod");
  o.resource_id = {};
  CHECK(o.cluster().empty());
}

TEST_CASE("event: to_owned copies lists and strings into storage of its own") {
  std::string u = "alice", g1 = "g1", g2 = "g2";
  std::string_view groups[] = {g1, g2};
  event e;
  e.user.username = u;
  e.user.groups = groups;
  e.origin.file = "f";
  owned_event o = e.to_owned();
  u = "mallory";
  g1 = "zz";
  CHECK(o->user.username == "alice");
  REQUIRE(o->user.groups.size() == 2);
  CHECK(o->user.groups[0] == "g1");
  CHECK(o->user.groups.data() != groups);
  CHECK(o->origin.file == "f");
}
