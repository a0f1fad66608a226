// SPDX-License-Identifier: Apache-2.0
// Parallel reading: for every thread count, the same events (line, offset, content), the same
// errors in the same order and the same counters as one reader reading the whole file.
#include <doctest/doctest.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <atomic>
#include <compare>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include <k8saudit/parallel.h>

#include "test_util.h"

using namespace k8saudit;
namespace fs = std::filesystem;

namespace {

// ----- inputs ------------------------------------------------------------------------------------

struct lcg {
  std::uint64_t s;
  std::uint32_t below(std::uint32_t n) {
    s = s * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<std::uint32_t>(s >> 33) % n;
  }
};

constexpr std::string_view verbs[] = {"get", "list", "watch", "create", "update", "patch", "delete"};

// An audit event of varied size; `pretty`: one field per line, nested objects indented.
std::string event_text(int i, lcg& r, bool pretty) {
  const std::string id = std::to_string(i);
  const std::string_view verb = verbs[r.below(7)];
  const std::string pad(r.below(1500), static_cast<char>('a' + r.below(26)));
  const char* nl = pretty ? "\n" : "";
  const char* in1 = pretty ? "  " : "";
  const char* in2 = pretty ? "    " : "";
  std::string s;
  s += "{";
  s += nl;
  s += in1;
  s += R"("kind": "Event",)";
  s += nl;
  s += in1;
  s += R"("apiVersion": "audit.k8s.io/v1", "level": "Metadata",)";
  s += nl;
  s += in1;
  s += R"("auditID": "id-)" + id + R"(", "stage": "ResponseComplete",)";
  s += nl;
  s += in1;
  s += R"("requestURI": "/api/v1/namespaces/ns-)" + id + R"(/pods", "verb": ")" + std::string(verb) + R"(",)";
  s += nl;
  s += in1;
  s += R"("user": {)";
  s += nl;
  s += in2;
  s += R"("username": "u-)" + id + R"(\u00e9", "groups": ["system:authenticated"])";
  s += nl;
  s += in1;
  s += "},";
  s += nl;
  s += in1;
  s += R"("annotations": {"pad": ")" + pad + R"("},)";
  s += nl;
  s += in1;
  s += R"("responseStatus": {"metadata": {}, "code": 200},)";
  s += nl;
  s += in1;
  s += R"("stageTimestamp": "2025-10-07T16:19:19.647880Z")";
  s += nl;
  s += "}";
  return s;
}

// (a) JSON lines.
std::string jsonl(int n, std::uint64_t seed = 1) {
  lcg r{seed};
  std::string s;
  for (int i = 0; i < n; ++i) s += event_text(i, r, false) + "\n";
  return s;
}

// (b) JSON lines with bad records, blank lines, CRLF, indentation, skips, and lines that open a
// multi-line candidate which the next boundary cuts.
// `gaps`: long runs of blanks between some records (farther than max_record_size = 3000).
std::string jsonl_with_trouble(int n, bool gaps = false) {
  lcg r{7};
  std::string s;
  for (int i = 0; i < n; ++i) {
    switch (r.below(40)) {
      case 0: s += R"({"kind":"Event","auditID":,"verb":"get"})" "\n"; break;     // invalid JSON
      case 1: s += R"({"kind":"Event","auditID":"x","verb":"ge)" "\n"; break;    // truncated
      case 2: s += "\n\n"; break;                                                 // blank lines
      case 3: s += "   \t\r\n"; break;
      case 4: s += R"({"items":[)" "\n"; break;                                   // opens, never closes
      case 5: s += R"({"hello":"world"})" "\n"; break;                            // not an event
      case 6: s += "}\n"; break;
      case 7: s += R"({"kind":"Event","verb":"get","stageTimestamp":"yesterday","auditID":"b"})" "\n"; break;
      default: break;
    }
    const std::string e = event_text(i, r, false);
    switch (r.below(4)) {
      case 0: s += e + "\r\n"; break;
      case 1: s += "  " + e + " \t\n"; break;
      default: s += e + "\n"; break;
    }
    if (gaps && r.below(3) == 0) s += std::string(3000, ' ') + "\n";
  }
  return s;
}

// (c) AKS PT1H.json lines: the sample, repeated.
std::string aks_pt1h(int copies) {
  const std::string sample = test::slurp(fs::path(K8SAUDIT_DATA_DIR) / "sample-aks-pt1h.json");
  std::string s;
  for (int i = 0; i < copies; ++i) {
    s += sample;
    if (!s.empty() && s.back() != '\n') s += '\n';
  }
  return s;
}

// (d) pretty-printed events, one after another (blank lines between some).
std::string pretty_events(int n) {
  lcg r{3};
  std::string s;
  for (int i = 0; i < n; ++i) s += event_text(i, r, true) + (i % 5 == 0 ? "\n\n" : "\n");
  return s;
}

// (e) one pretty-printed EventList.
std::string pretty_eventlist(int n) {
  lcg r{5};
  std::string s = "{\n  \"kind\": \"EventList\",\n  \"apiVersion\": \"audit.k8s.io/v1\",\n  \"items\": [\n";
  for (int i = 0; i < n; ++i) {
    std::string e = event_text(i, r, true);
    std::string indented;
    for (char c : e) {
      indented += c;
      if (c == '\n') indented += "    ";
    }
    s += "    " + indented + (i + 1 < n ? ",\n" : "\n");
  }
  s += "  ]\n}\n";
  return s;
}

std::string gzip(std::string_view data) {
  z_stream zs{};
  REQUIRE(::deflateInit2_(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION,
                          static_cast<int>(sizeof(z_stream))) == Z_OK);
  std::string out(::deflateBound(&zs, static_cast<uLong>(data.size())), '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  REQUIRE(::deflate(&zs, Z_FINISH) == Z_STREAM_END);
  out.resize(zs.total_out);
  ::deflateEnd(&zs);
  return out;
}

class temp_file {
 public:
  temp_file(std::string_view name, std::string_view data)
      : path_(fs::temp_directory_path() / ("k8saudit-parallel-" + std::to_string(::getpid()) + "-" + std::string(name))) {
    std::ofstream out(path_, std::ios::binary | std::ios::trunc);
    out.write(data.data(), static_cast<std::streamsize>(data.size()));
  }
  temp_file(const temp_file&) = delete;
  temp_file& operator=(const temp_file&) = delete;
  ~temp_file() {
    std::error_code ec;
    fs::remove(path_, ec);
  }
  [[nodiscard]] std::string path() const { return path_.string(); }

 private:
  fs::path path_;
};

// ----- outcomes ----------------------------------------------------------------------------------

struct event_key {
  std::uint64_t line{0}, offset{0};
  std::string audit_id, verb, username;
  std::size_t record_size{0};
  auto operator<=>(const event_key&) const = default;
};

event_key key(const event& e) {
  return {e.origin.line, e.origin.offset, std::string(e.audit_id), std::string(e.verb),
          std::string(e.user.username), e.origin.record.size()};
}

struct error_key {
  std::uint64_t line{0}, offset{0};
  errc code{errc::ok};
  std::string detail;
  std::string file;
  bool operator==(const error_key&) const = default;
};

struct outcome {
  std::vector<event_key> events;  // sorted
  std::vector<error_key> errors;  // input order
  counters stats;
  bool failed{false};
};

outcome read_single(const std::string& path, const reader_options& opt) {
  outcome o;
  reader rd(opt);
  REQUIRE(rd.open(path));
  rd.for_each([&](const event& e) { o.events.push_back(key(e)); },
              [&](const record_error& e) {
                o.errors.push_back({e.error.line, e.error.offset, e.error.code, std::string(e.error.detail),
                                    std::string(e.file)});
              });
  std::sort(o.events.begin(), o.events.end());
  o.stats = rd.stats();
  o.failed = rd.failed();
  return o;
}

struct parallel_outcome : outcome {
  unsigned workers_bound{0};
  unsigned threads_used{0};
  bool worker_in_range{true};
  bool worker_order{true};  // each worker's events come in input order
};

parallel_outcome read_par(const std::string& path, const reader_options& opt, const parallel_options& p) {
  parallel_outcome o;
  o.workers_bound = parallel_workers(path, opt, p);
  std::vector<std::vector<event_key>> per_worker(o.workers_bound);
  std::atomic<bool> bad_worker{false};
  const parallel_summary s = read_parallel(
      path, opt, p,
      [&](unsigned worker, const batch& b) {
        if (worker >= per_worker.size() || !b.errors.empty()) {
          bad_worker.store(true);
          return;
        }
        for (const event& e : b.events) per_worker[worker].push_back(key(e));
      },
      [&](const record_error& e) {
        o.errors.push_back({e.error.line, e.error.offset, e.error.code, std::string(e.error.detail),
                            std::string(e.file)});
      });
  o.worker_in_range = !bad_worker.load();
  for (const auto& w : per_worker) {
    for (std::size_t i = 1; i < w.size(); ++i)
      if (w[i - 1].offset >= w[i].offset) o.worker_order = false;
    o.events.insert(o.events.end(), w.begin(), w.end());
  }
  std::sort(o.events.begin(), o.events.end());
  o.stats = s.totals;
  o.failed = s.failed;
  o.threads_used = s.threads_used;
  return o;
}

void check_counters(const counters& a, const counters& b) {
  CHECK(a.records == b.records);
  CHECK(a.events == b.events);
  CHECK(a.skipped == b.skipped);
  CHECK(a.errors == b.errors);
  CHECK(a.bytes == b.bytes);
  CHECK(a.lines == b.lines);
  CHECK(a.skipped_by_reason == b.skipped_by_reason);
  CHECK(a.errors_by_code == b.errors_by_code);
}

// Reads `data` as a file with 1..4 threads and small chunks; checks everything against one
// reader. Returns the threads_used seen for each thread count (index = threads - 1).
struct comparison {
  std::vector<unsigned> used;  // threads_used for threads = 1, 2, 3, 4
  counters stats;              // the single reader's
};

comparison compare(std::string_view name, std::string_view data, reader_options opt = {}, parallel_options p = {}) {
  temp_file f(name, data);
  const outcome want = read_single(f.path(), opt);
  REQUIRE_FALSE(want.failed);
  comparison result;
  result.stats = want.stats;
  std::vector<unsigned>& used = result.used;
  for (unsigned threads = 1; threads <= 4; ++threads) {
    CAPTURE(threads);
    p.threads = threads;
    const parallel_outcome got = read_par(f.path(), opt, p);
    CHECK_FALSE(got.failed);
    CHECK(got.worker_in_range);
    CHECK(got.worker_order);
    CHECK(got.threads_used >= 1);
    CHECK(got.threads_used <= got.workers_bound);
    CHECK(got.workers_bound <= threads);
    CHECK(got.events.size() == want.events.size());
    CHECK(got.events == want.events);
    CHECK(got.errors.size() == want.errors.size());
    CHECK(got.errors == want.errors);
    check_counters(got.stats, want.stats);
    used.push_back(got.threads_used);
  }
  return result;
}

std::vector<unsigned> check_same_as_reader(std::string_view name, std::string_view data, reader_options opt = {},
                                           parallel_options p = {}) {
  return compare(name, data, opt, p).used;
}

parallel_options small_chunks() {
  parallel_options p;
  p.min_chunk = 4096;
  return p;
}

bool split_with_2_to_4(const std::vector<unsigned>& used) {
  return used.size() == 4 && used[0] == 1 && used[1] > 1 && used[2] > 1 && used[3] > 1;
}

}  // namespace

TEST_CASE("parallel: JSON lines give the single reader's events, errors and counters") {
  const std::string data = jsonl(20000);
  const auto used = check_same_as_reader("a.jsonl", data, {}, small_chunks());
  CHECK(split_with_2_to_4(used));
}

TEST_CASE("parallel: bad lines, blank lines, CRLF and cut multi-line candidates") {
  const std::string data = jsonl_with_trouble(20000);
  SUBCASE("auto_detect") {
    const comparison c = compare("b.jsonl", data, {}, small_chunks());
    CHECK(split_with_2_to_4(c.used));
    CHECK(c.stats.events >= 20000);
    CHECK(c.stats.errors > 1000);  // of several kinds
    CHECK(c.stats.errors_by_code[static_cast<std::size_t>(errc::truncated_record)] > 100);
    CHECK(c.stats.errors_by_code[static_cast<std::size_t>(errc::invalid_json)] > 100);
    CHECK(c.stats.skipped > 100);
  }
  SUBCASE("jsonl") {
    reader_options opt;
    opt.format = input_format::jsonl;
    CHECK(split_with_2_to_4(check_same_as_reader("b2.jsonl", data, opt, small_chunks())));
  }
  SUBCASE("few errors kept per chunk: the others are read again, in order") {
    parallel_options p = small_chunks();
    p.keep_errors = 1;
    CHECK(split_with_2_to_4(check_same_as_reader("b3.jsonl", data, {}, p)));
    p.keep_errors = 0;
    CHECK(split_with_2_to_4(check_same_as_reader("b4.jsonl", data, {}, p)));
  }
  SUBCASE("prefilter") {
    prefilter pf;
    pf.require_any({{"delete"}});
    reader_options opt;
    opt.prefilter = &pf;
    CHECK(split_with_2_to_4(check_same_as_reader("b5.jsonl", data, opt, small_chunks())));
  }
  SUBCASE("prefilter, small window, long blank gaps") {
    // A rejected line is skipped only if the reader sees the next `{` within its window: the
    // splitter must not cut where the single reader cannot see that far.
    prefilter pf;
    pf.require_any({{"delete"}});
    reader_options opt;
    opt.prefilter = &pf;
    opt.window_size = 1024;
    opt.max_record_size = 3000;
    const std::string gappy = jsonl_with_trouble(5000, true);
    CHECK(split_with_2_to_4(check_same_as_reader("b6.jsonl", gappy, opt, small_chunks())));
  }
}

TEST_CASE("parallel: a multi-line candidate cut by a chunk's end is reported as the single reader does") {
  // Every `{"items":[` line opens a candidate that the next line's `}` leaves open and the line
  // after it stops: each chunk boundary falls right after such a candidate's second line.
  lcg r{11};
  std::string data;
  for (int i = 0; i < 3000; ++i) data += "{\"items\":[\n" + event_text(i, r, false) + "\n";
  const auto used = check_same_as_reader("cut.jsonl", data, {}, small_chunks());
  CHECK(split_with_2_to_4(used));
  const outcome single = [&] {
    temp_file f("cut-single.jsonl", data);
    return read_single(f.path(), {});
  }();
  REQUIRE(single.errors.size() == 3000);
  CHECK(single.errors.front().detail ==
        "the line ends inside a JSON value (the lines after it are read on their own)");
  // The chunk's reader words it so at its end (parallel.cpp maps it back).
  reader rd;
  const std::string first_two = "{\"items\":[\n" + event_text(0, r, false) + "\n";
  rd.open_memory(first_two);
  batch b;
  REQUIRE(rd.next(b));
  REQUIRE(b.errors.size() == 1);
  CHECK(b.errors[0].error.detail == "the input ends inside this record");
}

TEST_CASE("parallel: mixed lines, pretty documents and containers, split at many places") {
  lcg r{13};
  std::string body;
  for (int i = 0; i < 1500; ++i) {
    switch (r.below(6)) {
      case 0: body += event_text(i, r, true) + "\n"; break;
      case 1:
        body += R"({"kind":"EventList","items":[)";
        body += event_text(i, r, false);
        body += ',';
        body += event_text(i + 1, r, false);
        body += "]}\n";
        break;
      case 2:
        body += '[';
        body += event_text(i, r, false);
        body += "]\n";
        break;
      case 3: body += "{\"items\":[\n"; [[fallthrough]];
      default: body += event_text(i, r, false) + "\n"; break;
    }
  }
  body += pretty_eventlist(20);
  body += jsonl_with_trouble(500);
  // Blank prefixes of several lengths move every split point.
  for (std::size_t prefix : {0, 1, 700, 2049}) {
    CAPTURE(prefix);
    const std::string data = std::string(prefix, '\n') + body;
    const comparison c = compare("mixed.json", data, {}, small_chunks());
    CHECK(split_with_2_to_4(c.used));
    CHECK(c.stats.lines == static_cast<std::uint64_t>(std::count(data.begin(), data.end(), '\n')));
  }
}

TEST_CASE("parallel: AKS PT1H.json lines") {
  const std::string data = aks_pt1h(300);
  CHECK(split_with_2_to_4(check_same_as_reader("c.json", data, {}, small_chunks())));
  reader_options aks;
  aks.format = input_format::aks;
  CHECK(split_with_2_to_4(check_same_as_reader("c2.json", data, aks, small_chunks())));
}

TEST_CASE("parallel: pretty-printed events are split between documents") {
  const std::string data = pretty_events(3000);
  CHECK(split_with_2_to_4(check_same_as_reader("d.json", data, {}, small_chunks())));
}

TEST_CASE("parallel: one pretty-printed EventList is one chunk") {
  const std::string data = pretty_eventlist(2000);
  const auto used = check_same_as_reader("e.json", data, {}, small_chunks());
  CHECK(used == std::vector<unsigned>{1, 1, 1, 1});
}

TEST_CASE("parallel: gzip input is read by one thread") {
  const std::string data = gzip(jsonl(5000));
  REQUIRE(data.size() > 4 * 4096);
  const auto used = check_same_as_reader("f.jsonl.gz", data, {}, small_chunks());
  CHECK(used == std::vector<unsigned>{1, 1, 1, 1});
  temp_file f("f2.jsonl.gz", data);
  parallel_options p = small_chunks();
  p.threads = 4;
  CHECK(parallel_workers(f.path(), {}, p) == 1);
}

TEST_CASE("parallel: no final newline") {
  std::string data = jsonl(5000, 9);
  data.pop_back();
  CHECK(split_with_2_to_4(check_same_as_reader("g.jsonl", data, {}, small_chunks())));
  std::string cut = jsonl(5000, 9);
  cut.resize(cut.size() - 40);  // and a truncated last record
  CHECK(split_with_2_to_4(check_same_as_reader("g2.jsonl", cut, {}, small_chunks())));
}

TEST_CASE("parallel: forced container formats and small files are read by one thread") {
  const std::string data = jsonl(2000);
  parallel_options p = small_chunks();
  p.threads = 4;
  {
    temp_file f("h.jsonl", data);
    CHECK(parallel_workers(f.path(), {}, p) == 4);
    for (input_format fmt : {input_format::eventlist, input_format::array, input_format::loganalytics}) {
      reader_options opt;
      opt.format = fmt;
      CHECK(parallel_workers(f.path(), opt, p) == 1);
      CHECK(check_same_as_reader("h2.jsonl", data, opt, small_chunks()) == std::vector<unsigned>{1, 1, 1, 1});
    }
  }
  // Smaller than two chunks.
  p.min_chunk = data.size() / 2 + 1;
  temp_file f("i.jsonl", data);
  CHECK(parallel_workers(f.path(), {}, p) == 1);
  CHECK(check_same_as_reader("i2.jsonl", data, {}, p) == std::vector<unsigned>{1, 1, 1, 1});
  // The default min_chunk (32 MiB) does not split a small file.
  parallel_options defaults;
  defaults.threads = 4;
  CHECK(parallel_workers(f.path(), {}, defaults) == 1);
}

TEST_CASE("parallel: a missing file is a failure, with no callback") {
  int calls = 0;
  const parallel_summary s = read_parallel(
      (fs::temp_directory_path() / "k8saudit-parallel-no-such-file").string(), {}, small_chunks(),
      [&](unsigned, const batch&) { ++calls; }, [&](const record_error&) { ++calls; });
  CHECK(s.failed);
  CHECK(s.failure.code == errc::io_error);
  CHECK(calls == 0);
}

#if defined(__cpp_exceptions)
TEST_CASE("parallel: an exception thrown by on_batch reaches the caller") {
  temp_file f("x.jsonl", jsonl(5000));
  parallel_options p = small_chunks();
  p.threads = 3;
  CHECK_THROWS_AS(read_parallel(
                      f.path(), {}, p, [](unsigned, const batch&) { throw std::runtime_error("stop"); },
                      [](const record_error&) {}),
                  std::runtime_error);
}
#endif

TEST_CASE("parallel: without exact event lines, errors still carry their line in the file") {
  const std::string data = jsonl_with_trouble(20000);
  const std::filesystem::path path =
      std::filesystem::temp_directory_path() / ("k8saudit-parallel-lines-" + std::to_string(::getpid()) + ".jsonl");
  {
    std::ofstream(path, std::ios::binary) << data;
  }
  struct seen {
    std::vector<std::tuple<std::uint64_t, std::uint64_t, errc>> errors;
    std::vector<std::pair<std::uint64_t, std::string>> events;  // offset, auditID (lines differ)
  };
  seen single;
  {
    reader r;
    REQUIRE(r.open(path.string()).has_value());
    batch b;
    while (r.next(b)) {
      for (const event& e : b.events) single.events.emplace_back(e.origin.offset, std::string(e.audit_id));
      for (const record_error& e : b.errors) single.errors.emplace_back(e.error.line, e.error.offset, e.error.code);
    }
  }
  REQUIRE(single.errors.size() > 100);
  for (unsigned threads : {2u, 3u, 4u}) {
    CAPTURE(threads);
    parallel_options p = small_chunks();
    p.threads = threads;
    p.exact_event_lines = false;
    for (std::size_t keep : {std::size_t{10}, std::size_t{0}}) {  // kept errors, and errors read again
      p.keep_errors = keep;
      std::vector<std::vector<std::pair<std::uint64_t, std::string>>> per_worker(parallel_workers(path.string(), {}, p));
      seen got;
      const parallel_summary s = read_parallel(
          path.string(), {}, p,
          [&](unsigned w, const batch& b) {
            for (const event& e : b.events) per_worker[w].emplace_back(e.origin.offset, std::string(e.audit_id));
          },
          [&](const record_error& e) { got.errors.emplace_back(e.error.line, e.error.offset, e.error.code); });
      CHECK(s.threads_used > 1);
      for (auto& w : per_worker) got.events.insert(got.events.end(), w.begin(), w.end());
      std::sort(got.events.begin(), got.events.end());
      CHECK(got.events == single.events);  // the single reader's events are in offset order
      CHECK(got.errors == single.errors);
    }
  }
  std::filesystem::remove(path);
}
