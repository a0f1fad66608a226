// SPDX-License-Identifier: Apache-2.0
#include "peers.h"

#include <algorithm>
#include <cstring>
#include <memory>
#include <sstream>
#include <vector>

#include <simdjson.h>

#if defined(K8SAUDIT_BENCH_HAVE_RAPIDJSON)
#include <rapidjson/document.h>
#endif
#if defined(K8SAUDIT_BENCH_HAVE_NLOHMANN)
#include <nlohmann/json.hpp>
#endif

namespace k8saudit::bench {

// ---------------------------------------------------------------------------------------------
// Results
// ---------------------------------------------------------------------------------------------
std::string describe(const t1_result& r) {
  std::ostringstream os;
  os << "events=" << r.events << " errors_4xx_5xx_complete=" << r.errors_4xx_5xx_complete
     << " groups=" << r.by_verb_resource.size() << " checksum=" << r.checksum;
  std::vector<std::pair<std::uint64_t, const std::pair<std::string, std::string>*>> top;
  for (const auto& [k, v] : r.by_verb_resource) top.emplace_back(v, &k);
  std::sort(top.begin(), top.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  for (std::size_t i = 0; i < top.size() && i < 5; ++i)
    os << (i == 0 ? " top: " : ", ") << top[i].second->first << '/' << top[i].second->second << '=' << top[i].first;
  return os.str();
}

std::string describe_difference(const t1_result& expected, const t1_result& actual) {
  if (expected == actual) return {};
  std::ostringstream os;
  if (expected.events != actual.events) os << "events " << expected.events << " != " << actual.events << "; ";
  if (expected.errors_4xx_5xx_complete != actual.errors_4xx_5xx_complete)
    os << "errors_4xx_5xx_complete " << expected.errors_4xx_5xx_complete << " != " << actual.errors_4xx_5xx_complete
       << "; ";
  if (expected.checksum != actual.checksum) os << "checksum " << expected.checksum << " != " << actual.checksum << "; ";
  std::size_t shown = 0;
  auto show = [&](const std::pair<std::string, std::string>& k, std::uint64_t a, std::uint64_t b) {
    if (shown++ < 8) os << "by_verb_resource[" << k.first << ',' << k.second << "] " << a << " != " << b << "; ";
  };
  for (const auto& [k, v] : expected.by_verb_resource) {
    const auto it = actual.by_verb_resource.find(k);
    const std::uint64_t other = it == actual.by_verb_resource.end() ? 0 : it->second;
    if (other != v) show(k, v, other);
  }
  for (const auto& [k, v] : actual.by_verb_resource)
    if (expected.by_verb_resource.find(k) == expected.by_verb_resource.end()) show(k, 0, v);
  if (shown > 8) os << "(" << shown - 8 << " more group differences)";
  return os.str();
}

// ---------------------------------------------------------------------------------------------
// The shared accumulator: a small open-addressing table keyed by verb '\0' resource.
// ---------------------------------------------------------------------------------------------
t1_accumulator::t1_accumulator() : mask_(63), slots_(std::make_unique<slot[]>(64)) { scratch_.reserve(128); }

void t1_accumulator::add(std::string_view verb, std::string_view username, std::string_view namespace_,
                         std::string_view resource, std::int64_t code, std::string_view stage,
                         std::size_t timestamp_length) noexcept {
  ++totals_.events;
  if (code >= 400 && stage == "ResponseComplete") ++totals_.errors_4xx_5xx_complete;
  totals_.checksum += username.size() + namespace_.size() + static_cast<std::uint64_t>(code) + timestamp_length;

  scratch_.assign(verb);
  scratch_.push_back('\0');
  scratch_.append(resource);
  std::uint64_t h = 0xcbf29ce484222325ULL;  // FNV-1a
  for (const char c : scratch_) h = (h ^ static_cast<unsigned char>(c)) * 0x100000001b3ULL;
  for (std::size_t i = static_cast<std::size_t>(h) & mask_;; i = (i + 1) & mask_) {
    slot& s = slots_[i];
    if (!s.used) {
      s.used = true;
      s.hash = h;
      s.key = scratch_;
      s.count = 1;
      if (++used_ * 2 > mask_) grow();
      return;
    }
    if (s.hash == h && s.key == scratch_) {
      ++s.count;
      return;
    }
  }
}

void t1_accumulator::grow() {
  const std::size_t capacity = (mask_ + 1) * 2;
  auto bigger = std::make_unique<slot[]>(capacity);
  for (std::size_t i = 0; i <= mask_; ++i) {
    if (!slots_[i].used) continue;
    for (std::size_t j = static_cast<std::size_t>(slots_[i].hash) & (capacity - 1);; j = (j + 1) & (capacity - 1)) {
      if (!bigger[j].used) {
        bigger[j] = std::move(slots_[i]);
        break;
      }
    }
  }
  slots_ = std::move(bigger);
  mask_ = capacity - 1;
}

t1_result t1_accumulator::finish() const {
  t1_result r = totals_;
  for (std::size_t i = 0; i <= mask_; ++i) {
    const slot& s = slots_[i];
    if (!s.used) continue;
    const std::size_t sep = s.key.find('\0');
    r.by_verb_resource[{s.key.substr(0, sep), s.key.substr(sep + 1)}] += s.count;
  }
  return r;
}

namespace {

bool is_blank(std::string_view line) noexcept {
  for (const char c : line)
    if (c != ' ' && c != '\t' && c != '\r') return false;
  return true;
}

template <class F>
void for_each_line(std::string_view text, F&& f) {
  std::size_t pos = 0;
  while (pos < text.size()) {
    const void* nl = std::memchr(text.data() + pos, '\n', text.size() - pos);
    const std::size_t end =
        nl == nullptr ? text.size() : static_cast<std::size_t>(static_cast<const char*>(nl) - text.data());
    const std::string_view line = text.substr(pos, end - pos);
    if (!is_blank(line)) f(line);
    pos = end + 1;
  }
}

/// A reusable buffer with simdjson's padding after the copied bytes.
class padded_buffer {
 public:
  const char* assign(std::string_view s) {
    if (s.size() + simdjson::SIMDJSON_PADDING > capacity_) {
      capacity_ = std::max(capacity_ * 2, s.size() + simdjson::SIMDJSON_PADDING);
      data_ = std::make_unique<char[]>(capacity_);
    }
    std::memcpy(data_.get(), s.data(), s.size());
    std::memset(data_.get() + s.size(), 0, simdjson::SIMDJSON_PADDING);
    return data_.get();
  }
  [[nodiscard]] std::size_t capacity() const noexcept { return capacity_; }

 private:
  std::unique_ptr<char[]> data_;
  std::size_t capacity_ = 0;
};

// ---------------------------------------------------------------------------------------------
// simdjson On Demand
// ---------------------------------------------------------------------------------------------
namespace od = simdjson::ondemand;

struct t1_fields {
  std::string_view verb, username, ns, resource, stage;
  std::int64_t code = 0;
  std::size_t timestamp_length = 0;
  bool skipped = false;
};

simdjson_inline std::string_view od_string(od::value v) noexcept {
  std::string_view s;
  if (v.get_string().get(s) != simdjson::SUCCESS) return {};
  return s;
}

// One pass over the event's fields; the key's first byte picks the candidates.
// With `only_verb` set (task T3), an event whose verb differs is abandoned as soon as the verb is
// read, and `f.skipped` says so.
simdjson_inline simdjson::error_code od_extract(od::object event, t1_fields& f, std::string_view only_verb = {}) noexcept {
  enum : unsigned { verb = 1, user = 2, stage = 4, object_ref = 8, response_status = 16, received = 32 };
  constexpr unsigned all = 63;
  unsigned seen = 0;
  for (auto member : event) {
    od::field field;
    if (auto error = std::move(member).get(field)) return error;
    const od::raw_json_string key = field.key();
    od::value value = field.value();
    switch (key.raw()[0]) {
      case 'v':
        if (key.unsafe_is_equal("verb")) {
          f.verb = od_string(value);
          seen |= verb;
          if (!only_verb.empty() && f.verb != only_verb) {
            f.skipped = true;
            return simdjson::SUCCESS;
          }
        }
        break;
      case 'u':
        if (key.unsafe_is_equal("user")) {
          seen |= user;
          od::object u;
          if (value.get_object().get(u) != simdjson::SUCCESS) break;
          for (auto um : u) {
            od::field uf;
            if (auto error = std::move(um).get(uf)) return error;
            if (uf.key().unsafe_is_equal("username")) {
              f.username = od_string(uf.value());
              break;
            }
          }
        }
        break;
      case 's':
        if (key.unsafe_is_equal("stage")) {
          f.stage = od_string(value);
          seen |= stage;
        }
        break;
      case 'o':
        if (key.unsafe_is_equal("objectRef")) {
          seen |= object_ref;
          od::object ref;
          if (value.get_object().get(ref) != simdjson::SUCCESS) break;
          unsigned ref_seen = 0;
          for (auto rm : ref) {
            od::field rf;
            if (auto error = std::move(rm).get(rf)) return error;
            const od::raw_json_string rk = rf.key();
            if (rk.unsafe_is_equal("resource")) {
              f.resource = od_string(rf.value());
              ref_seen |= 1;
            } else if (rk.unsafe_is_equal("namespace")) {
              f.ns = od_string(rf.value());
              ref_seen |= 2;
            }
            if (ref_seen == 3) break;
          }
        }
        break;
      case 'r':
        if (key.unsafe_is_equal("responseStatus")) {
          seen |= response_status;
          od::object status;
          if (value.get_object().get(status) != simdjson::SUCCESS) break;
          for (auto sm : status) {
            od::field sf;
            if (auto error = std::move(sm).get(sf)) return error;
            if (sf.key().unsafe_is_equal("code")) {
              std::int64_t code = 0;
              if (sf.value().get_int64().get(code) == simdjson::SUCCESS) f.code = code;
              break;
            }
          }
        } else if (key.unsafe_is_equal("requestReceivedTimestamp")) {
          f.timestamp_length = od_string(value).size();
          seen |= received;
        }
        break;
      default:
        break;
    }
    if (seen == all) break;  // the rest of the event (stageTimestamp, annotations) is not needed
  }
  return simdjson::SUCCESS;
}

void add(t1_accumulator& acc, const t1_fields& f, std::string_view only_verb) {
  if (f.skipped || (!only_verb.empty() && f.verb != only_verb)) return;  // no verb at all: not a match either
  acc.add(f.verb, f.username, f.ns, f.resource, f.code, f.stage, f.timestamp_length);
}

// iterate_many over [data, data+len); the caller guarantees SIMDJSON_PADDING readable bytes
// after it. Returns false on any error (the caller then falls back to line by line).
bool od_stream(od::parser& parser, const char* data, std::size_t len, t1_accumulator& acc, std::string_view only_verb) {
  if (len == 0) return true;
  od::document_stream stream;
  const std::size_t batch =
      std::max<std::size_t>(std::size_t{1} << 20, std::min<std::size_t>(len, std::size_t{4} << 20));
  if (parser.iterate_many(data, len, batch).get(stream) != simdjson::SUCCESS) return false;
  for (auto doc_result : stream) {
    od::document_reference doc;
    if (std::move(doc_result).get(doc) != simdjson::SUCCESS) return false;
    od::object event;
    if (doc.get_object().get(event) != simdjson::SUCCESS) return false;
    t1_fields f;
    if (od_extract(event, f, only_verb) != simdjson::SUCCESS) return false;
    add(acc, f, only_verb);
  }
  return true;
}

// The slow, exact path: one iterate() per line on a padded copy.
t1_result od_per_line(std::string_view jsonl, std::string_view only_verb) {
  od::parser parser;
  padded_buffer buffer;
  t1_accumulator acc;
  for_each_line(jsonl, [&](std::string_view line) {
    const char* p = buffer.assign(line);
    od::document doc;
    if (parser.iterate(p, line.size(), buffer.capacity()).get(doc) != simdjson::SUCCESS) return;
    od::object event;
    if (doc.get_object().get(event) != simdjson::SUCCESS) return;
    t1_fields f;
    if (od_extract(event, f, only_verb) != simdjson::SUCCESS) return;
    add(acc, f, only_verb);
  });
  return acc.finish();
}


t1_result ondemand_task(std::string_view jsonl, std::string_view only_verb) {
  od::parser parser;
  parser.threaded = false;  // one core, like every other peer
  t1_accumulator acc;
  // Zero copy: parse in place everything up to the last line break that still has
  // SIMDJSON_PADDING bytes of the input after it (those bytes are only read, never used);
  // copy just the remaining tail into a padded buffer.
  std::size_t split = 0;
  if (jsonl.size() > simdjson::SIMDJSON_PADDING) {
    const std::size_t limit = jsonl.size() - simdjson::SIMDJSON_PADDING;
    const std::size_t nl = jsonl.rfind('\n', limit - 1);
    if (nl != std::string_view::npos) split = nl + 1;
  }
  bool ok = od_stream(parser, jsonl.data(), split, acc, only_verb);
  if (ok) {
    padded_buffer tail;
    const std::string_view rest = jsonl.substr(split);
    const char* p = tail.assign(rest);
    ok = od_stream(parser, p, rest.size(), acc, only_verb);
  }
  if (!ok) return od_per_line(jsonl, only_verb);  // malformed or odd input: redo it line by line
  return acc.finish();
}

}  // namespace

t1_result t1_simdjson_ondemand(std::string_view jsonl) { return ondemand_task(jsonl, {}); }
t1_result t3_simdjson_ondemand(std::string_view jsonl) { return ondemand_task(jsonl, t3_verb); }

// AKS records, one per line: the event is the JSON string properties.log. It is unescaped by
// simdjson into the outer parser's string buffer, copied into a padded buffer and parsed by a
// second parser (On Demand documents cannot nest).
t1_result t5_simdjson_ondemand(std::string_view aks_lines) {
  od::parser outer;
  od::parser inner;
  padded_buffer record;
  padded_buffer event_text;
  t1_accumulator acc;
  for_each_line(aks_lines, [&](std::string_view line) {
    const char* p = record.assign(line);
    od::document doc;
    if (outer.iterate(p, line.size(), record.capacity()).get(doc) != simdjson::SUCCESS) return;
    std::string_view log;
    if (doc["properties"]["log"].get_string().get(log) != simdjson::SUCCESS) return;
    const char* q = event_text.assign(log);
    od::document event_doc;
    if (inner.iterate(q, log.size(), event_text.capacity()).get(event_doc) != simdjson::SUCCESS) return;
    od::object event;
    if (event_doc.get_object().get(event) != simdjson::SUCCESS) return;
    t1_fields f;
    if (od_extract(event, f) != simdjson::SUCCESS) return;
    add(acc, f, {});
  });
  return acc.finish();
}

namespace {

// ---------------------------------------------------------------------------------------------
// simdjson DOM
// ---------------------------------------------------------------------------------------------
t1_result dom_task(std::string_view jsonl, std::string_view only_verb) {
  simdjson::dom::parser parser;
  padded_buffer buffer;
  t1_accumulator acc;
  auto str = [](simdjson::simdjson_result<simdjson::dom::element> e) -> std::string_view {
    std::string_view s;
    if (e.get_string().get(s) != simdjson::SUCCESS) return {};
    return s;
  };
  for_each_line(jsonl, [&](std::string_view line) {
    const char* p = buffer.assign(line);
    simdjson::dom::element doc;
    if (parser.parse(p, line.size(), false).get(doc) != simdjson::SUCCESS) return;
    simdjson::dom::object event;
    if (doc.get_object().get(event) != simdjson::SUCCESS) return;
    const std::string_view verb = str(event["verb"]);
    if (!only_verb.empty() && verb != only_verb) return;
    std::int64_t code = 0;
    if (event["responseStatus"]["code"].get_int64().get(code) != simdjson::SUCCESS) code = 0;
    acc.add(verb, str(event["user"]["username"]), str(event["objectRef"]["namespace"]),
            str(event["objectRef"]["resource"]), code, str(event["stage"]),
            str(event["requestReceivedTimestamp"]).size());
  });
  return acc.finish();
}
}  // namespace

t1_result t1_simdjson_dom(std::string_view jsonl) { return dom_task(jsonl, {}); }
t1_result t3_simdjson_dom(std::string_view jsonl) { return dom_task(jsonl, t3_verb); }

// ---------------------------------------------------------------------------------------------
// RapidJSON
// ---------------------------------------------------------------------------------------------
#if defined(K8SAUDIT_BENCH_HAVE_RAPIDJSON)
namespace {
t1_result rapidjson_task(std::string_view jsonl, std::string_view only_verb) {
  // Values live in a pool that starts in a fixed buffer and is cleared after each line,
  // so the steady state does not allocate for typical events.
  auto pool_buffer = std::make_unique<char[]>(std::size_t{64} << 10);
  rapidjson::MemoryPoolAllocator<> pool(pool_buffer.get(), std::size_t{64} << 10);
  rapidjson::Document doc(&pool);
  t1_accumulator acc;
  using value = rapidjson::Value;
  auto member = [](const value& object, const char* name) -> const value* {
    if (!object.IsObject()) return nullptr;
    const auto it = object.FindMember(name);
    return it == object.MemberEnd() ? nullptr : &it->value;
  };
  auto str = [](const value* v) -> std::string_view {
    if (v == nullptr || !v->IsString()) return {};
    return {v->GetString(), v->GetStringLength()};
  };
  for_each_line(jsonl, [&](std::string_view line) {
    doc.SetNull();
    pool.Clear();
    doc.Parse<rapidjson::kParseDefaultFlags>(line.data(), line.size());
    if (doc.HasParseError() || !doc.IsObject()) return;
    const std::string_view verb = str(member(doc, "verb"));
    if (!only_verb.empty() && verb != only_verb) return;
    const value* user = member(doc, "user");
    const value* ref = member(doc, "objectRef");
    const value* status = member(doc, "responseStatus");
    const value* code = status != nullptr ? member(*status, "code") : nullptr;
    acc.add(verb, str(user != nullptr ? member(*user, "username") : nullptr),
            str(ref != nullptr ? member(*ref, "namespace") : nullptr),
            str(ref != nullptr ? member(*ref, "resource") : nullptr),
            code != nullptr && code->IsInt64() ? code->GetInt64() : 0, str(member(doc, "stage")),
            str(member(doc, "requestReceivedTimestamp")).size());
  });
  return acc.finish();
}
}  // namespace
t1_result t1_rapidjson(std::string_view jsonl) { return rapidjson_task(jsonl, {}); }
t1_result t3_rapidjson(std::string_view jsonl) { return rapidjson_task(jsonl, t3_verb); }
#endif

// ---------------------------------------------------------------------------------------------
// nlohmann::json
// ---------------------------------------------------------------------------------------------
#if defined(K8SAUDIT_BENCH_HAVE_NLOHMANN)
namespace {
t1_result nlohmann_task(std::string_view jsonl, std::string_view only_verb) {
  using json = nlohmann::json;
  t1_accumulator acc;
  auto member = [](const json& object, const char* name) -> const json* {
    if (!object.is_object()) return nullptr;
    const auto it = object.find(name);
    return it == object.end() ? nullptr : &*it;
  };
  auto str = [](const json* v) -> std::string_view {
    if (v == nullptr || !v->is_string()) return {};
    return v->get_ref<const std::string&>();
  };
  for_each_line(jsonl, [&](std::string_view line) {
    const json doc = json::parse(line.begin(), line.end(), nullptr, /*allow_exceptions=*/false);
    if (doc.is_discarded() || !doc.is_object()) return;
    const std::string_view verb = str(member(doc, "verb"));
    if (!only_verb.empty() && verb != only_verb) return;
    const json* user = member(doc, "user");
    const json* ref = member(doc, "objectRef");
    const json* status = member(doc, "responseStatus");
    const json* code = status != nullptr ? member(*status, "code") : nullptr;
    acc.add(verb, str(user != nullptr ? member(*user, "username") : nullptr),
            str(ref != nullptr ? member(*ref, "namespace") : nullptr),
            str(ref != nullptr ? member(*ref, "resource") : nullptr),
            code != nullptr && code->is_number_integer() ? code->get<std::int64_t>() : 0, str(member(doc, "stage")),
            str(member(doc, "requestReceivedTimestamp")).size());
  });
  return acc.finish();
}
}  // namespace
t1_result t1_nlohmann(std::string_view jsonl) { return nlohmann_task(jsonl, {}); }
t1_result t3_nlohmann(std::string_view jsonl) { return nlohmann_task(jsonl, t3_verb); }
#endif

}  // namespace k8saudit::bench
