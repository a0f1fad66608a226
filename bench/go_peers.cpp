// SPDX-License-Identifier: Apache-2.0
// The Go peers (bench/go/peers.go, linked as a C archive when Go and fastjson are installed):
// T1, T3 and T5 with fastjson, T1 with encoding/json. Each call hands Go the whole input and
// decodes the t1_result it sends back.
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "bench_registry.h"
#include "libk8saudit_go_peers.h"

namespace k8saudit::bench {
namespace {

// The bytes of acc.encode (peers.go): events, errors, checksum, group count, then per group
// its count, key length and key (verb, '\0', resource); 64-bit little-endian numbers.
t1_result decode(const char* bytes, std::size_t size) {
  t1_result r;
  std::size_t at = 0;
  bool ok = true;
  const auto number = [&] {
    std::uint64_t v = 0;
    if (size - at < 8) {
      ok = false;
      return v;
    }
    for (int i = 7; i >= 0; --i) v = v << 8 | static_cast<unsigned char>(bytes[at + static_cast<std::size_t>(i)]);
    at += 8;
    return v;
  };
  r.events = number();
  r.errors_4xx_5xx_complete = number();
  r.checksum = number();
  for (std::uint64_t groups = number(); ok && groups > 0; --groups) {
    const std::uint64_t count = number();
    const std::uint64_t length = number();
    if (!ok || length > size - at) break;
    const std::string_view key(bytes + at, length);
    at += length;
    const std::size_t sep = key.find('\0');
    if (sep == std::string_view::npos) break;
    r.by_verb_resource[{std::string(key.substr(0, sep)), std::string(key.substr(sep + 1))}] += count;
  }
  return r;
}

template <class Call>
t1_result run(std::string_view input, Call&& call) {
  std::size_t size = 0;
  std::unique_ptr<char, decltype(&std::free)> bytes(call(const_cast<char*>(input.data()), input.size(), &size),
                                                    &std::free);
  return decode(bytes.get(), size);
}

const bool registered = [] {
  register_task("T1", "go_fastjson", [](std::string_view s) { return run(s, k8saudit_go_t1_fastjson); });
  register_task("T1", "go_encoding_json", [](std::string_view s) { return run(s, k8saudit_go_t1_encoding_json); });
  register_task("T3", "go_fastjson", [](std::string_view s) {
    static const std::string verb(t3_verb);
    return run(s, [](char* data, std::size_t n, std::size_t* size) {
      return k8saudit_go_t3_fastjson(data, n, const_cast<char*>(verb.c_str()), size);
    });
  });
  register_task("T5", "go_fastjson", [](std::string_view s) { return run(s, k8saudit_go_t5_fastjson); });
  return true;
}();

}  // namespace
}  // namespace k8saudit::bench
