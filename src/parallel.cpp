// SPDX-License-Identifier: Apache-2.0
// Parallel reading of one file (see parallel.h for the contract).
//
// Why the chunks read alone give the single reader's results: the reader consumes whole lines
// (a line, the rest of an oversized line, or a multi-line document ending at a newline), so it
// is at the start of a line after each record. At a boundary (a line ending in `}`, then `{`
// after whitespace) a multi-line candidate that is still open cannot go on: its bracket scan
// rejects the `{` (a value cannot follow `}` without a comma), so the single reader reports the
// candidate's first line as truncated and reads on line by line, exactly as the chunk's reader
// does when its input ends there. Two things differ and are handled here:
//  - the chunk's reader says "the input ends inside this record" where the single reader says
//    "the line ends inside a JSON value ..." (same code, line and offset): the detail is mapped;
//  - the prefilter skips a `{...}` line only when it sees the next `{` (or the end): the chunk's
//    reader sees its end, the single reader must find the `{` within max_record_size bytes of the
//    line's start, so boundaries farther than that from their line's start are not used.
// Newlines: the reader counts every newline it consumes (counters::lines), so the first line of
// a chunk is 1 + the newlines before it, counted in the scan pass.
#include "k8saudit/parallel.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <new>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>
#if defined(__cpp_exceptions)
#include <exception>
#include <mutex>
#include <system_error>
#endif

#include "k8saudit/detail/source.h"

namespace k8saudit {

namespace {

constexpr std::uint64_t open_end = std::numeric_limits<std::uint64_t>::max();
constexpr std::size_t scan_block = std::size_t{1} << 20;
// How far past a newline the scan looks for the `{` of the next record (blank lines included).
constexpr std::size_t scan_lookahead = 4096;
constexpr std::size_t max_syscall_read = std::size_t{1} << 30;

// The reader's wording (src/reader.cpp) for a multi-line candidate cut by the end of the input,
// and for the same candidate stopped by the next line; tests/parallel_test.cpp pins both.
constexpr std::string_view detail_input_ends = "the input ends inside this record";
constexpr std::string_view detail_line_ends =
    "the line ends inside a JSON value (the lines after it are read on their own)";

bool is_blank(char c) noexcept { return c == ' ' || c == '\t' || c == '\r'; }
bool is_space(char c) noexcept { return is_blank(c) || c == '\n'; }

bool splittable(input_format f) noexcept {
  return f == input_format::auto_detect || f == input_format::jsonl || f == input_format::aks;
}

unsigned resolve_threads(const parallel_options& p) noexcept {
  unsigned t = p.threads != 0 ? p.threads : std::thread::hardware_concurrency();
  return t != 0 ? t : 1;
}

// Nominal chunks for a file of `size` bytes: up to 4 per thread (so uneven chunks even out),
// each at least min_chunk bytes; 1 = not split.
std::size_t nominal_chunks(std::uint64_t size, unsigned threads, std::size_t min_chunk) noexcept {
  if (threads < 2) return 1;
  const std::uint64_t per = std::max<std::uint64_t>(min_chunk, 1);
  const std::uint64_t n = std::min<std::uint64_t>(size / per, std::uint64_t{threads} * 4);
  return n < 2 ? 1 : static_cast<std::size_t>(n);
}

class file_descriptor {
 public:
  file_descriptor() noexcept = default;
  explicit file_descriptor(int fd) noexcept : fd_(fd) {}
  file_descriptor(const file_descriptor&) = delete;
  file_descriptor& operator=(const file_descriptor&) = delete;
  ~file_descriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  [[nodiscard]] int get() const noexcept { return fd_; }
  void reset(int fd) noexcept {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }
  [[nodiscard]] int release() noexcept { return std::exchange(fd_, -1); }

 private:
  int fd_{-1};
};

// Reads up to n bytes at `at`, fewer only at the end of the file.
result<std::size_t> pread_full(int fd, char* dst, std::size_t n, std::uint64_t at) noexcept {
  std::size_t done = 0;
  while (done < n) {
    const std::size_t want = std::min(n - done, max_syscall_read);
    const ssize_t got = ::pread(fd, dst + done, want, static_cast<off_t>(at + done));
    if (got < 0) {
      if (errno == EINTR) continue;
      return unexpected(errc::io_error, {}, "read failed");
    }
    if (got == 0) break;
    done += static_cast<std::size_t>(got);
  }
  return done;
}

// Bytes [begin, end) of a shared descriptor (end = open_end: to the end of the file).
class range_source final : public detail::byte_source {
 public:
  range_source(int fd, std::uint64_t begin, std::uint64_t end) noexcept : fd_(fd), begin_(begin), pos_(begin), end_(end) {}

  result<std::size_t> read(char* dst, std::size_t n) noexcept override {
    if (pos_ >= end_) return std::size_t{0};
    n = static_cast<std::size_t>(std::min<std::uint64_t>({n, end_ - pos_, max_syscall_read}));
    if (n == 0) return std::size_t{0};
    for (;;) {
      const ssize_t got = ::pread(fd_, dst, n, static_cast<off_t>(pos_));
      if (got >= 0) {
        pos_ += static_cast<std::uint64_t>(got);
        return static_cast<std::size_t>(got);
      }
      if (errno != EINTR) return unexpected(errc::io_error, {}, "read failed");
    }
  }
  [[nodiscard]] std::uint64_t position() const noexcept override { return pos_ - begin_; }
  [[nodiscard]] std::uint64_t size() const noexcept override { return end_ == open_end ? 0 : end_ - begin_; }

 private:
  int fd_;
  std::uint64_t begin_, pos_, end_;
};

// What read_parallel() does with a path: split it (fd open, size known) or read it whole.
struct plan {
  bool split{false};
  file_descriptor fd;
  std::uint64_t size{0};
  std::size_t chunks{1};  // nominal
  unsigned threads{1};    // most workers
};

void make_plan(const std::string& path, const reader_options& options, const parallel_options& p, plan& out) {
  const unsigned threads = resolve_threads(p);
  if (threads < 2 || path == "-" || !splittable(options.format)) return;
  int fd = 0;
  do {
    fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) return;  // the single reader reports it
  file_descriptor owned(fd);
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size <= 0) return;
  const auto size = static_cast<std::uint64_t>(st.st_size);
  const std::size_t chunks = nominal_chunks(size, threads, p.min_chunk);
  if (chunks < 2) return;
  char magic[2] = {};
  auto got = pread_full(fd, magic, 2, 0);
  if (!got || *got < 2) return;
  if (static_cast<unsigned char>(magic[0]) == 0x1f && static_cast<unsigned char>(magic[1]) == 0x8b) return;
  out.split = true;
  out.fd.reset(owned.release());
  out.size = size;
  out.chunks = chunks;
  out.threads = static_cast<unsigned>(std::min<std::size_t>(threads, chunks));
}

// ----- the worker pool -----------------------------------------------------------------------

// Runs body(worker) for worker in [0, n): worker 0 on the calling thread, the others on new
// threads, and waits for all. Work is meant to be pulled from a shared atomic index, so fewer
// threads (if one cannot be created) only means less parallelism. An exception thrown by body
// stops nothing by itself (bodies check `stop`) and is rethrown here after all joined.
class pool {
 public:
  std::atomic<bool> stop{false};

  template <class Body>
  void run(unsigned n, Body&& body) {
    std::vector<std::thread> threads;
    threads.reserve(n > 0 ? n - 1 : 0);
    for (unsigned w = 1; w < n; ++w) {
#if defined(__cpp_exceptions)
      try {
        threads.emplace_back([this, &body, w] { guarded(body, w); });
      } catch (const std::system_error&) {
        break;  // the remaining workers pick up the work
      }
#else
      threads.emplace_back([&body, w] { body(w); });
#endif
    }
#if defined(__cpp_exceptions)
    guarded(body, 0u);
#else
    body(0u);
#endif
    for (std::thread& t : threads) t.join();
#if defined(__cpp_exceptions)
    if (error_) std::rethrow_exception(error_);
#endif
  }

 private:
#if defined(__cpp_exceptions)
  template <class Body>
  void guarded(Body& body, unsigned w) {
    try {
      body(w);
    } catch (...) {
      stop.store(true);
      const std::lock_guard<std::mutex> lock(mutex_);
      if (!error_) error_ = std::current_exception();
    }
  }
  std::mutex mutex_;
  std::exception_ptr error_;
#endif
};

// ----- pass 1: boundaries and newlines ---------------------------------------------------------

// Counts '\n' in [p, p + n): byte counters in 16 lanes that cannot overflow in 255 rounds, a
// loop compilers vectorise (as fast as memory, whatever the line lengths).
std::uint64_t count_newlines(const char* p, std::size_t n) noexcept {
  constexpr std::size_t lanes = 16, rounds = 255, block = lanes * rounds;
  std::uint64_t total = 0;
  for (; n >= block; p += block, n -= block) {
    std::uint8_t acc[lanes] = {};
    for (std::size_t i = 0; i < block; i += lanes)
      for (std::size_t j = 0; j < lanes; ++j) acc[j] = static_cast<std::uint8_t>(acc[j] + (p[i + j] == '\n' ? 1 : 0));
    for (std::uint8_t a : acc) total += a;
  }
  for (std::size_t i = 0; i < n; ++i) total += p[i] == '\n' ? 1 : 0;
  return total;
}

struct segment {
  std::uint64_t lo{0}, hi{0};
  std::uint64_t newlines{0};         // in [lo, hi)
  std::uint64_t boundary{0};         // first boundary in (lo, hi], 0 = none (never searched in segment 0)
  std::uint64_t newlines_before{0};  // in [lo, boundary)
  bool ok{false};
};

// Scans [s.lo, s.hi): counts newlines and, if `search`, finds the first boundary, i.e. the
// position after a newline n in [lo, hi) such that the line ending at n (trimmed of trailing
// blanks) ends with `}`, the next non-space byte is `{`, and that `{` lies within
// max_record_size bytes of the line's start (which must lie in the segment).
void scan_segment(int fd, std::uint64_t file_size, bool search, bool count, std::size_t max_record_size, char* buf,
                  segment& s) {
  bool have_prev = false;    // a newline was seen in this segment
  std::uint64_t prev_nl = 0; // the last one
  char carry = 0;            // last non-blank byte of the current line in earlier blocks
  for (std::uint64_t pos = s.lo; pos < s.hi;) {
    const auto len = static_cast<std::size_t>(std::min<std::uint64_t>(scan_block, s.hi - pos));
    const std::size_t extra =
        search ? static_cast<std::size_t>(std::min<std::uint64_t>(scan_lookahead, file_size - (pos + len))) : 0;
    auto got = pread_full(fd, buf, len + extra, pos);
    if (!got || *got < len) return;  // failure or the file shrank: s.ok stays false
    const std::size_t avail = *got;
    if (search) {
      std::size_t i = 0;
      std::size_t line_lo = 0;  // start in buf of the current line (0: may have started before)
      while (search && i < len) {
        const auto* nlp = static_cast<const char*>(std::memchr(buf + i, '\n', len - i));
        if (nlp == nullptr) break;
        const auto j = static_cast<std::size_t>(nlp - buf);
        std::size_t k = j;
        while (k > line_lo && is_blank(buf[k - 1])) --k;
        const char last = k > line_lo ? buf[k - 1] : (line_lo == 0 ? carry : '\0');
        if (have_prev && last == '}') {
          std::size_t q = j + 1;
          while (q < avail && is_space(buf[q])) ++q;
          if (q < avail && buf[q] == '{' && (pos + q) - (prev_nl + 1) <= max_record_size) {
            s.boundary = pos + j + 1;
            s.newlines_before = s.newlines + count_newlines(buf, j + 1);
            search = false;
          }
        }
        have_prev = true;
        prev_nl = pos + j;
        carry = 0;
        i = j + 1;
        line_lo = i;
      }
      if (search) {  // remember the end of the line that goes on into the next block
        std::size_t k = len;
        while (k > line_lo && is_blank(buf[k - 1])) --k;
        if (k > line_lo) carry = buf[k - 1];
      }
    }
    if (!count) {
      if (!search) break;  // the boundary is known and no line count is wanted: done
    } else {
      s.newlines += count_newlines(buf, len);
    }
    pos += len;
  }
  s.ok = true;
}

// ----- pass 2 ----------------------------------------------------------------------------------

struct chunk {
  std::uint64_t begin{0}, end{0}, first_line{1};
  // results
  counters stats{};
  std::vector<record_error> kept;  // the first keep_errors errors
  bool done{false};
  bool failed{false};
  error failure{};
};

// The chunk's reader saw the end of its input where the single reader sees the next record.
void as_single_reader(record_error& e, bool last_chunk, std::string_view file) noexcept {
  e.file = file;
  if (!last_chunk && e.error.code == errc::truncated_record && e.error.detail == detail_input_ends)
    e.error.detail = detail_line_ends;
}

parallel_summary read_whole(const std::string& path, std::unique_ptr<detail::byte_source> source,
                            const reader_options& options,
                            const std::function<void(unsigned, const batch&)>& on_batch,
                            const std::function<void(const record_error&)>& on_error) {
  parallel_summary out;
  reader rd(options);
  if (source) {
    rd.open_source(detail::auto_decompress(std::move(source)), path);
  } else if (auto ok = rd.open(path); !ok) {
    out.failed = true;
    out.failure = ok.error();
    return out;
  }
  batch b;
  std::vector<record_error> errors;
  while (rd.next(b)) {
    errors.swap(b.errors);
    b.errors.clear();
    if (!b.events.empty()) on_batch(0, b);
    for (record_error& e : errors) {
      e.file = path;
      on_error(e);
    }
  }
  out.totals = rd.stats();
  out.failed = rd.failed();
  out.failure = rd.failure();
  return out;
}

}  // namespace

unsigned parallel_workers(const std::string& path, const reader_options& options, const parallel_options& p) {
  plan pl;
  make_plan(path, options, p, pl);
  return pl.split ? pl.threads : 1;
}

parallel_summary read_parallel(const std::string& path, const reader_options& options, const parallel_options& p,
                               const std::function<void(unsigned worker, const batch&)>& on_batch,
                               const std::function<void(const record_error&)>& on_error) {
  plan pl;
  make_plan(path, options, p, pl);
  if (!pl.split) return read_whole(path, nullptr, options, on_batch, on_error);
  const int fd = pl.fd.get();

  // Pass 1: every nominal segment, in parallel.
  std::vector<segment> segs(pl.chunks);
  for (std::size_t i = 0; i < segs.size(); ++i) {
    segs[i].lo = pl.size / segs.size() * i;
    segs[i].hi = i + 1 < segs.size() ? pl.size / segs.size() * (i + 1) : pl.size;
  }
  {
    std::atomic<std::size_t> next{0};
    pool workers;
    workers.run(pl.threads, [&](unsigned) {
      std::unique_ptr<char[]> buf(new (std::nothrow) char[scan_block + scan_lookahead]);
      if (!buf) return;  // its segments stay !ok: read whole
      for (std::size_t i; (i = next.fetch_add(1)) < segs.size();)
        scan_segment(fd, pl.size, i != 0, p.exact_event_lines, options.max_record_size, buf.get(), segs[i]);
    });
  }
  if (!std::all_of(segs.begin(), segs.end(), [](const segment& s) { return s.ok; }))
    return read_whole(path, std::make_unique<range_source>(fd, 0, open_end), options, on_batch, on_error);

  std::vector<chunk> chunks(1);
  std::uint64_t newlines = 0;
  for (const segment& s : segs) {
    if (s.boundary != 0) {
      chunks.back().end = s.boundary;
      chunk c;
      c.begin = s.boundary;
      // Without the line count, a chunk counts its lines from 1; errors are moved to their
      // global lines when they are delivered (below).
      c.first_line = p.exact_event_lines ? 1 + newlines + s.newlines_before : 1;
      chunks.push_back(std::move(c));
    }
    newlines += s.newlines;
  }
  chunks.back().end = open_end;  // like the single reader, read what the file holds by then
  if (chunks.size() == 1)
    return read_whole(path, std::make_unique<range_source>(fd, 0, open_end), options, on_batch, on_error);

  // Pass 2: the chunks, in parallel.
  parallel_summary out;
  out.threads_used = static_cast<unsigned>(std::min<std::size_t>(pl.threads, chunks.size()));
  std::atomic<std::size_t> next{0};
  std::atomic<std::size_t> first_failed{chunks.size()};
  pool workers;
  workers.run(out.threads_used, [&](unsigned worker) {
    reader rd(options);
    batch b;
    for (std::size_t k; (k = next.fetch_add(1)) < chunks.size();) {
      if (workers.stop.load(std::memory_order_relaxed) || k > first_failed.load()) continue;
      chunk& c = chunks[k];
      rd.open_source(std::make_unique<range_source>(fd, c.begin, c.end), path, c.begin, c.first_line);
      while (rd.next(b)) {
        for (const record_error& e : b.errors)
          if (c.kept.size() < p.keep_errors) c.kept.push_back(e);
        b.errors.clear();
        if (!b.events.empty()) on_batch(worker, b);
        if (workers.stop.load(std::memory_order_relaxed)) break;
      }
      c.stats = rd.stats();
      c.failed = rd.failed();
      c.failure = rd.failure();
      c.done = true;
      if (c.failed) {
        std::size_t seen = first_failed.load();
        while (k < seen && !first_failed.compare_exchange_weak(seen, k)) {
        }
      }
    }
  });

  // Errors in input order, and the totals, up to the first failure.
  std::uint64_t lines_before = 0;  // newlines before chunk k: each chunk's reader counted its own
  for (std::size_t k = 0; k < chunks.size(); ++k) {
    chunk& c = chunks[k];
    if (!c.done) break;  // after a failure
    const bool last = k + 1 == chunks.size();
    const std::uint64_t shift = p.exact_event_lines ? 0 : lines_before;
    lines_before += c.stats.lines;
    out.totals += c.stats;
    if (c.stats.errors <= c.kept.size()) {
      for (record_error& e : c.kept) {
        as_single_reader(e, last, path);
        if (e.error.line != 0) e.error.line += shift;
        on_error(e);
      }
    } else {
      std::vector<record_error>().swap(c.kept);
      // Read the chunk again for its errors, delivered as they come.
      reader rd(options);
      rd.open_source(std::make_unique<range_source>(fd, c.begin, c.end), path, c.begin, c.first_line + shift);
      batch b;
      std::uint64_t count = 0;
      while (rd.next(b)) {
        for (record_error& e : b.errors) {
          as_single_reader(e, last, path);
          on_error(e);
        }
        count += b.errors.size();
      }
      if (!c.failed && (rd.failed() || count != c.stats.errors)) {
        c.failed = true;
        c.failure = rd.failed() ? rd.failure() : error{errc::io_error, 0, c.begin, {}, "the file changed while it was read"};
      }
    }
    if (c.failed) {
      out.failed = true;
      out.failure = c.failure;
      break;
    }
  }
  return out;
}

}  // namespace k8saudit
