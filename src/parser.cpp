// SPDX-License-Identifier: Apache-2.0
#include "k8saudit/parser.h"

#include <algorithm>
#include <cstring>
#include <memory>
#include <new>

#include "event_parser.h"

namespace k8saudit {

namespace detail {
// The public parser: an event_parser plus a padded copy buffer for callers without padding.
class parser_state {
 public:
  explicit parser_state(const parser_options& o) : engine(o, input_format::jsonl) {}
  event_parser engine;
  std::unique_ptr<char[]> buffer;
  std::size_t capacity{0};
};
}  // namespace detail

parser::parser() : parser(parser_options{}) {}

parser::parser(parser_options options) : impl_(std::make_unique<detail::parser_state>(options)) {}

parser::parser(parser&&) noexcept = default;
parser& parser::operator=(parser&&) noexcept = default;

parser::~parser() = default;

std::size_t parser::padding() noexcept { return detail::event_parser::padding(); }

result<event> parser::parse(std::string_view json) {
  auto* st = impl_.get();
  const std::size_t need = json.size() + padding();
  if (st->capacity < need) {
    std::size_t cap = std::max(need, st->capacity * 2);
    std::unique_ptr<char[]> fresh(new (std::nothrow) char[cap]);
    if (!fresh) return unexpected(errc::out_of_memory, {}, "padded buffer");
    st->buffer = std::move(fresh);
    st->capacity = cap;
  }
  if (!json.empty()) std::memcpy(st->buffer.get(), json.data(), json.size());
  std::memset(st->buffer.get() + json.size(), ' ', padding());
  return st->engine.parse_native(st->buffer.get(), json.size(), st->capacity);
}

result<event> parser::parse_padded(std::string_view json, std::size_t capacity) {
  auto* st = impl_.get();
  return st->engine.parse_native(json.data(), json.size(), capacity);
}

}  // namespace k8saudit
