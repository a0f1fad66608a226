// SPDX-License-Identifier: Apache-2.0
// Fuzzer: the reader over every input format.
//
// Input: byte 0 chooses the options, byte 1 is a parameter, the rest is the input.
//   byte 0 bits 0-2  input format: auto, jsonl, eventlist, array, aks, loganalytics (6, 7: auto)
//          bit 3     also read the input gzip-compressed in memory (two concatenated members)
//          bit 4     a field mask (projection) derived from byte 1
//          bit 5     also read it with read_parallel() from a file, 1 and 2 threads (when
//                    byte 1 is even)
//          bit 6     a small max_record_size (16 + 4 * byte 1)
//          bit 7     compare a fixed filter's matches with and without its prefilter
// Checked, besides "no crash, no sanitizer report":
//   - records == events + skipped + errors, per-reason counts, batch sizes;
//   - the same events, errors and counters whatever the bytes arrive in (all at once, or a few
//     bytes per read) and whatever the batch size; when byte 1 is odd, the trickled reading
//     also has the parser's fast paths (AKS records) switched off;
//   - gzip: the same as the plain bytes;
//   - each event of a native record / EventList item / array item is what parser::parse gives
//     for its origin.record;
//   - a filter's matches are the same with and without its prefilter (and projection);
//   - read_parallel() with 1 and 2 threads gives the single reader's events, errors, counters;
//   - every event's timestamps are what parse_timestamp gives for their texts (drain()).
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <k8saudit/detail/source.h>

#include "event_parser.h"
#include "fuzz_common.h"

using namespace k8saudit;
using k8saudit_fuzz::check_same;
using k8saudit_fuzz::diff_events;
using k8saudit_fuzz::drain;
using k8saudit_fuzz::printable;
using k8saudit_fuzz::reading;

namespace {

// Bytes in memory handed out a few at a time (1 to 16 bytes per read, varying): the library's
// memory source, asked for less than the reader wants.
class trickle_source final : public detail::byte_source {
 public:
  trickle_source(std::string_view data, std::uint8_t seed) : inner_(detail::memory_source(data)), seed_(seed) {}
  result<std::size_t> read(char* dst, std::size_t n) override {
    seed_ = static_cast<std::uint8_t>(seed_ * 37u + 11u);
    return inner_->read(dst, std::min(n, std::size_t{1} + (seed_ & 15u)));
  }
  [[nodiscard]] std::uint64_t position() const noexcept override { return inner_->position(); }
  [[nodiscard]] std::uint64_t size() const noexcept override { return inner_->size(); }

 private:
  std::unique_ptr<detail::byte_source> inner_;
  std::uint8_t seed_;
};

// gzip members of data[0, split) and data[split, end), concatenated.
bool gzip_two_members(std::string_view data, std::size_t split, std::string& out) {
  auto member = [&](std::string_view part) {
    z_stream z{};
    if (deflateInit2(&z, Z_BEST_SPEED, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) return false;
    const std::size_t at = out.size();
    out.resize(at + deflateBound(&z, static_cast<uLong>(part.size())) + 32);
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(part.data()));
    z.avail_in = static_cast<uInt>(part.size());
    z.next_out = reinterpret_cast<Bytef*>(out.data() + at);
    z.avail_out = static_cast<uInt>(out.size() - at);
    const int rc = deflate(&z, Z_FINISH);
    out.resize(at + z.total_out);
    deflateEnd(&z);
    return rc == Z_STREAM_END;
  };
  return member(data.substr(0, split)) && member(data.substr(split));
}

const char* const filters[] = {
    R"(verb == "delete")",
    R"(objectRef.resource in ("secrets", "configmaps") and verb != "watch")",
    R"(user.username startswith "system:serviceaccount:")",
    R"(user.groups has "masters" or sourceIPs == "10.0.0.1")",
    R"(annotations["authorization.k8s.io/decision"] == "forbid")",
    R"(requestObject.spec.containers[*].securityContext.privileged == true)",
    R"(category == "kube-audit-admin" or level =~ "requestresponse")",
    R"(requestURI contains "/api/v1/namespaces/default" and stage == "ResponseComplete")",
    R"(userAgent has "kubectl" and responseStatus.code >= 400)",
    R"(cluster has "aks" or pod startswith "kube-apiserver")",
    R"(verb matches regex "^(create|delete)$" and objectRef.namespace == "kube-system")",
    R"(impersonatedUser.username has "admin" or auditID == "a1")",
};
constexpr std::size_t n_filters = sizeof filters / sizeof filters[0];

// Matching events of `f`, told apart by their record's place and index within the record.
std::string matches(const filter& f, std::string_view data, reader_options opt) {
  reader r(opt);
  r.open_memory(data, "mem");
  std::string out;
  batch b;
  k8saudit_fuzz::item_counter items;
  while (r.next(b)) {
    for (const event& e : b.events) {
      const std::uint64_t item = items.next(e);
      if (!f.matches(e)) continue;
      out += std::to_string(e.origin.line) + ':' + std::to_string(e.origin.offset) + ':' + std::to_string(item) + '\n';
    }
  }
  k8saudit_fuzz::check_counters(r.stats());
  return out;
}

std::string temp_path() {
  std::error_code ec;
  std::filesystem::path dir = std::filesystem::temp_directory_path(ec);
  if (ec) dir = "/tmp";
  return (dir / ("k8saudit-fuzz-reader-" + std::to_string(::getpid()) + ".json")).string();
}

struct temp_file {
  std::string path = temp_path();
  ~temp_file() { std::remove(path.c_str()); }
};

reading read_file_parallel(const std::string& path, const reader_options& opt, unsigned threads,
                           std::size_t min_chunk) {
  parallel_options p;
  p.threads = threads;
  p.min_chunk = min_chunk;
  p.keep_errors = 2;  // small, so that chunks with more errors are read again
  std::vector<std::vector<std::pair<std::uint64_t, std::string>>> per_worker(threads);
  reading out;
  bool worker_ok = true;
  const parallel_summary s = read_parallel(
      path, opt, p,
      [&](unsigned worker, const batch& b) {
        if (worker >= threads || !b.errors.empty()) {
          worker_ok = false;
          return;
        }
        for (const event& e : b.events) {
          std::string fp;
          k8saudit_fuzz::fingerprint(e, fp);
          per_worker[worker].emplace_back(e.origin.offset, std::move(fp));
        }
      },
      [&](const record_error& e) {
        k8saudit_fuzz::fingerprint(e, out.errors);
        ++out.n_errors;
      });
  FUZZ_CHECK(worker_ok, "read_parallel: a worker index out of range, or errors in a batch");
  FUZZ_CHECK(s.threads_used >= 1 && s.threads_used <= threads, "read_parallel: threads_used out of range");
  // Chunks are read in input order by each worker: merge by offset (stable: items of one record
  // share their offset and come from one worker, in order).
  std::vector<std::pair<std::uint64_t, std::string>> all;
  for (auto& w : per_worker) {
    for (auto& x : w) all.push_back(std::move(x));
  }
  std::stable_sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (auto& x : all) out.events += x.second;
  out.n_events = all.size();
  k8saudit_fuzz::check_counters(s.totals);
  out.stats = k8saudit_fuzz::fingerprint(s.totals);
  out.failed = s.failed;
  out.failure = s.failure;
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  if (size < 2) return 0;
  const std::uint8_t sel = bytes[0];
  const std::uint8_t param = bytes[1];
  const std::string_view data(reinterpret_cast<const char*>(bytes) + 2, size - 2);
  const bool is_gzip =
      data.size() >= 2 && static_cast<unsigned char>(data[0]) == 0x1f && static_cast<unsigned char>(data[1]) == 0x8b;

  reader_options opt;
  constexpr input_format formats[] = {input_format::auto_detect, input_format::jsonl,      input_format::eventlist,
                                      input_format::array,       input_format::aks,        input_format::loganalytics,
                                      input_format::auto_detect, input_format::auto_detect};
  opt.format = formats[sel & 7];
  if (sel & 0x10) opt.fields = field_mask::from_bits((param * 2654435761u) & field_mask::all().bits());
  if (sel & 0x40) opt.max_record_size = 16 + std::size_t{4} * param;

  // 1. All at once (the default 1 MiB window), default batches. The other readings use the
  // smallest window (4 KiB, grown as records need), which is also much cheaper under ASan.
  reader_options base = opt;
  base.max_batch_events = 4096;
  opt.window_size = 1;
  reader r1(base);
  r1.open_memory(data, "mem");
  const reading ref = drain(r1, base.max_batch_events);
  if (!is_gzip) {
    FUZZ_CHECK(!ref.failed, "reading memory failed: " + message(ref.failure));
    FUZZ_CHECK(r1.stats().bytes == data.size(), "counters.bytes != input size");
  }

  // 2. A few bytes per read, small batches: the same.
  {
    reader_options small = opt;
    small.max_batch_events = 1 + param % 3;
    reader r2(small);
    r2.open_source(detail::auto_decompress(std::make_unique<trickle_source>(data, param)), "mem");
    detail::fast_paths.enabled = (param & 1) == 0;
    const reading got = drain(r2, small.max_batch_events);
    detail::fast_paths.enabled = true;
    check_same(ref, got, (param & 1) != 0 ? "whole vs trickled input, fast paths off" : "whole vs trickled input");
  }

  // 3. Events vs parser::parse of their own record.
  if (!ref.failed) {
    reader r3(opt);
    r3.open_memory(data, "mem");
    parser p(parser_options{opt.fields, opt.max_depth});
    batch b;
    while (r3.next(b)) {
      for (const event& e : b.events) {
        const record_format f = e.origin.format;
        if (f != record_format::native && f != record_format::eventlist_item && f != record_format::array_item)
          continue;
        FUZZ_CHECK(!e.origin.record.empty(), "an event without its record");
        auto single = p.parse(e.origin.record);
        FUZZ_CHECK(single.has_value(), "the reader gives an event for a record parse() rejects (" +
                                           std::string(single ? std::string_view{} : name(single.error().code)) +
                                           "): " + printable(e.origin.record));
        const std::string d = diff_events(e, *single, false);
        FUZZ_CHECK(d.empty(), "reader vs parse: " + d + "\nrecord: " + printable(e.origin.record));
      }
    }
  }

  // 4. gzip-compressed: the same.
  if ((sel & 0x08) && !is_gzip) {
    std::string gz;
    const std::size_t split = data.empty() ? 0 : (param * data.size()) / 255;
    if (gzip_two_members(data, split, gz)) {
      reader r4(opt);
      r4.open_memory(gz, "mem");
      const reading got = drain(r4, opt.max_batch_events);
      check_same(ref, got, "plain vs gzip");
      FUZZ_CHECK(r4.source_position() <= gz.size(), "source_position beyond the input");
    }
  }

  // 5. A filter with and without its prefilter: the same matches, with every field parsed and
  // with the filter's projection. (Projected and full readings are not compared: a record with a
  // bad field outside the projection is an event in one and an error in the other.)
  if (sel & 0x80) {
    auto f = filter::compile(filters[param % n_filters]);
    FUZZ_CHECK(f.has_value(), "a fixed filter does not compile");
    for (const field_mask fields : {field_mask::all(), f->fields()}) {
      reader_options plain = opt;
      plain.fields = fields;
      reader_options pre = plain;
      pre.prefilter = &f->required_literals();
      const std::string want = matches(*f, data, plain);
      const std::string got = matches(*f, data, pre);
      FUZZ_CHECK(want == got, "prefilter " + f->required_literals().to_string() + " changed the matches of '" +
                                  f->text() + "' (fields " + std::to_string(fields.bits()) + ")\n--- without:\n" +
                                  want + "--- with:\n" + got);
    }
  }

  // 6. read_parallel from a file, 1 and 2 threads, vs one reader of the same file (for half of
  // the inputs that ask: threads and a 1 MiB scan buffer per worker make it the costly part).
  if ((sel & 0x20) && (param & 1) == 0) {
    static const temp_file tmp;
    std::FILE* out = std::fopen(tmp.path.c_str(), "wb");
    if (out == nullptr) return 0;
    const bool written = std::fwrite(data.data(), 1, data.size(), out) == data.size();
    if (std::fclose(out) != 0 || !written) return 0;
    reader_options popt = opt;
    filter pf;
    if (sel & 0x80) {
      pf = *filter::compile(filters[param % n_filters]);
      popt.prefilter = &pf.required_literals();
    }
    reader single(popt);
    if (!single.open(tmp.path)) return 0;
    // A single reader gives events in input order, which is offset order: what the merge of
    // read_parallel's per-worker events gives.
    const reading want = drain(single, popt.max_batch_events);
    const std::size_t min_chunk = 1 + param % 64;
    const reading one = read_file_parallel(tmp.path, popt, 1, min_chunk);
    check_same(want, one, "reader vs read_parallel(1 thread)");
    const reading two = read_file_parallel(tmp.path, popt, 2, min_chunk);
    check_same(want, two, "reader vs read_parallel(2 threads)");
  }
  return 0;
}
