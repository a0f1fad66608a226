// SPDX-License-Identifier: Apache-2.0
// Framing. Records are found line by line: a line is tried as a record on its own first (the
// JSON-lines fast path: one memchr and one parse). Only a line that fails and opens a JSON object
// or array without closing it starts a multi-line candidate, scanned with a small state machine
// until its brackets balance; the candidate becomes a record only if it parses as a whole.
// Otherwise the first line alone is reported and framing resumes at the next line, so a broken
// line never swallows the lines after it.
//
// Prefilter: a single line `{...}` that reader_options::prefilter rejects is skipped before
// parsing, but only when it cannot be the first line of a multi-line document. That is known
// from the next non-blank byte: in valid JSON a `}` that ends a line inside a still-open
// container is followed by `,`, `}` or `]`, never by `{`; so `{` (or the end of input) after it
// proves that the line is a record on its own. When that byte has not been read yet, the
// reader waits for it (the line is kept in the window), so results do not depend on how the
// bytes arrive.
#include "k8saudit/reader.h"

#include <algorithm>
#include <cstring>
#include <new>

#include "event_parser.h"
#include "k8saudit/detail/source.h"

namespace k8saudit {

counters& counters::operator+=(const counters& o) noexcept {
  records += o.records;
  events += o.events;
  skipped += o.skipped;
  errors += o.errors;
  bytes += o.bytes;
  lines += o.lines;
  for (std::size_t i = 0; i < skipped_by_reason.size(); ++i) skipped_by_reason[i] += o.skipped_by_reason[i];
  for (std::size_t i = 0; i < errors_by_code.size(); ++i) errors_by_code[i] += o.errors_by_code[i];
  return *this;
}

std::string_view name(skip_reason r) noexcept {
  switch (r) {
    case skip_reason::not_audit_category: return "not_audit_category";
    case skip_reason::not_an_event: return "not_an_event";
    case skip_reason::gcp_log_entry: return "gcp_log_entry";
    case skip_reason::empty_container: return "empty_container";
    case skip_reason::prefiltered: return "prefiltered";
    case skip_reason::count_: break;
  }
  return "unknown";
}

namespace detail {
namespace {

bool is_space(char c) noexcept { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// Bracket depth and string state of JSON text, resumable across buffer refills. It also knows
// where JSON allows a value to open: '{' or '[' right after ',' or '{' inside an object (where a
// key must come) is not JSON, which is how a truncated line followed by complete lines is told
// apart from a pretty-printed document.
struct bracket_scan {
  long depth{0};
  std::uint64_t arrays{0};  // bit i: the bracket at depth i+1 is '[' (deeper ones are not checked)
  char last{0};             // last significant byte outside strings ('"' for a string)
  bool in_string{false};
  bool escape{false};
  bool invalid{false};

  // Scans [p, e). Returns the position after the byte that brings depth back to 0, or the
  // position of a byte that cannot be JSON here (invalid = true; a newline inside a string is
  // one), or nullptr when the text ends first.
  const char* run(const char* p, const char* e) noexcept {
    for (; p < e; ++p) {
      char c = *p;
      if (in_string) {
        if (escape) {
          escape = false;
        } else if (c == '\\') {
          escape = true;
        } else if (c == '"') {
          in_string = false;
          last = '"';
        } else if (c == '\n') {
          invalid = true;
          return p;
        }
        continue;
      }
      switch (c) {
        case ' ': case '\t': case '\r': case '\n': continue;
        case '"': in_string = true; continue;
        case '{':
        case '[':
          if (!value_allowed()) {
            invalid = true;
            return p;
          }
          if (depth < 64) {
            std::uint64_t bit = std::uint64_t{1} << depth;
            arrays = c == '[' ? (arrays | bit) : (arrays & ~bit);
          }
          ++depth;
          last = c;
          continue;
        case '}':
        case ']':
          last = c;
          if (--depth <= 0) return p + 1;
          continue;
        default: last = c; continue;
      }
    }
    return nullptr;
  }

 private:
  bool value_allowed() const noexcept {
    if (depth == 0) return last == 0;
    if (depth > 64) return true;
    const bool in_array = (arrays >> (depth - 1)) & 1;
    return in_array ? (last == '[' || last == ',') : last == ':';
  }
};

}  // namespace

class reader_impl {
 public:
  explicit reader_impl(const reader_options& o)
      : opt_(o), engine_(parser_options{o.fields, o.max_depth}, o.format) {}

  void start(std::unique_ptr<byte_source> src, std::string name, std::uint64_t base_offset = 0,
             std::uint64_t first_line = 1) {
    src_ = std::move(src);
    name_ = std::move(name);
    begin_ = end_ = 0;
    base_offset_ = base_offset;
    line_ = first_line;
    eof_ = false;
    failed_ = false;
    failure_ = error{};
    stats_ = counters{};
    discarding_ = false;
    at_stream_start_ = true;
    ml_ = multi_line{};
    engine_.reset_arena();
  }

  bool next(batch& out) {
    out.clear();
    engine_.reset_arena();
    if (!src_) return false;
    for (;;) {
      step s = frame(out);
      if (s == step::batch_full) return true;
      if (s == step::done) return !out.events.empty() || !out.errors.empty();
      // step::need_data: refilling may move bytes, so hand out what we have first.
      if (!out.events.empty() || !out.errors.empty()) return true;
      if (!fill()) return !out.events.empty() || !out.errors.empty();
    }
  }

  counters stats_{};
  bool failed_{false};
  error failure_{};
  std::unique_ptr<byte_source> src_;

 private:
  enum class step { need_data, batch_full, done };

  struct multi_line {
    bool active{false};
    std::size_t scanned{0};  // bytes of whole lines scanned so far, from the record's start
    std::size_t closed{0};   // where the brackets balanced (0 = not yet)
    bracket_scan scan{};
  };

  // ----- buffer ------------------------------------------------------------------------------
  bool ensure_capacity(std::size_t want) {
    if (cap_ >= want && buf_) return true;
    std::size_t cap = std::max({want, cap_ * 2, opt_.window_size, std::size_t{4096}});
    std::unique_ptr<char[]> fresh(new (std::nothrow) char[cap + event_parser::padding()]);
    if (!fresh) return false;
    if (end_ > begin_) std::memcpy(fresh.get(), buf_.get() + begin_, end_ - begin_);
    base_offset_ += begin_;
    end_ -= begin_;
    begin_ = 0;
    buf_ = std::move(fresh);
    cap_ = cap;
    return true;
  }

  // Moves pending bytes to the front and reads more. False at end of input or on failure.
  bool fill() {
    if (eof_ || failed_) return false;
    if (!buf_ && !ensure_capacity(opt_.window_size)) return fail(errc::out_of_memory, "window");
    if (begin_ > 0) {
      std::memmove(buf_.get(), buf_.get() + begin_, end_ - begin_);
      base_offset_ += begin_;
      end_ -= begin_;
      begin_ = 0;
    }
    if (end_ == cap_) {
      // One record fills the window: grow, up to the largest record allowed (+1 to see it).
      std::size_t limit = opt_.max_record_size + 1;
      if (cap_ >= limit) return true;  // frame() reports the oversized record
      if (!ensure_capacity(std::min(limit, cap_ * 2))) return fail(errc::out_of_memory, "window");
    }
    auto r = src_->read(buf_.get() + end_, cap_ - end_);
    if (!r) {
      failed_ = true;
      failure_ = r.error();
      failure_.offset = base_offset_ + end_;
      return false;
    }
    if (*r == 0) {
      eof_ = true;
      return true;  // let frame() see the tail
    }
    stats_.bytes += *r;
    end_ += *r;
    return true;
  }

  bool fail(errc code, std::string_view detail) {
    failed_ = true;
    failure_ = error{code, 0, base_offset_ + end_, {}, detail};
    return false;
  }

  // ----- framing -----------------------------------------------------------------------------
  step frame(batch& out) {
    record_outputs sink{&out.events, &out.errors, &stats_};
    for (;;) {
      if (out.events.size() >= opt_.max_batch_events) return step::batch_full;
      char* const data = buf_ ? buf_.get() : nullptr;
      if (at_stream_start_) {
        if (end_ - begin_ < 3 && !eof_) return step::need_data;
        if (end_ - begin_ >= 3 && std::memcmp(data + begin_, "\xEF\xBB\xBF", 3) == 0) begin_ += 3;  // UTF-8 BOM
        at_stream_start_ = false;
      }
      if (discarding_) {
        // The rest of an oversized line: drop it without keeping it.
        const void* nl = std::memchr(data + begin_, '\n', end_ - begin_);
        if (nl == nullptr) {
          begin_ = end_;
          if (eof_) return step::done;
          return step::need_data;
        }
        begin_ = static_cast<std::size_t>(static_cast<const char*>(nl) - data) + 1;
        ++line_;
        ++stats_.lines;
        discarding_ = false;
        continue;
      }
      // Whitespace and blank lines between records.
      while (begin_ < end_ && is_space(data[begin_])) {
        if (data[begin_] == '\n') {
          ++line_;
          ++stats_.lines;
        }
        ++begin_;
      }
      if (begin_ == end_) return eof_ ? step::done : step::need_data;

      const char* p = data + begin_;
      const char* e = data + end_;
      const record_place place{name_, base_offset_ + begin_, line_};
      const auto* nl = static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(e - p)));
      if (nl == nullptr && !eof_) {
        if (static_cast<std::size_t>(e - p) > opt_.max_record_size) {
          report(sink, errc::record_too_large, "the line is longer than max_record_size", place);
          begin_ = end_;
          discarding_ = true;
          continue;
        }
        return step::need_data;
      }
      const char* line_end = nl != nullptr ? nl : e;  // without the newline
      std::size_t line_len = static_cast<std::size_t>(line_end - p);
      while (line_len > 0 && is_space(p[line_len - 1])) --line_len;
      if (line_len > opt_.max_record_size) {
        report(sink, errc::record_too_large, "the line is longer than max_record_size", place);
        consume_line(nl, e);
        continue;
      }

      if (!ml_.active) {
        const verdict v = prefilter_line(p, line_len, nl, e);
        if (v == verdict::wait) return step::need_data;
        if (v == verdict::skip) {
          ++stats_.records;
          ++stats_.skipped;
          ++stats_.skipped_by_reason[static_cast<std::size_t>(skip_reason::prefiltered)];
          consume_line(nl, e);
          continue;
        }
        errc failure = engine_.try_record(p, line_len, place, sink);
        if (failure == errc::ok) {
          consume_line(nl, e);
          continue;
        }
        const bool opens = (*p == '{' || *p == '[') && opt_.format != input_format::jsonl;
        bracket_scan local;
        const char* closed = local.run(p, p + line_len);
        const bool incomplete = closed == nullptr && (local.depth > 0 || local.in_string);
        if (!opens || local.in_string || local.invalid || !incomplete) {
          report(sink, incomplete ? errc::truncated_record : failure,
                 incomplete ? "the record ends inside a JSON value" : engine_.last_detail(), place);
          consume_line(nl, e);
          continue;
        }
        ml_ = multi_line{};
        ml_.active = true;
      }

      // Multi-line candidate starting at p: scan whole lines (resumable) until the brackets
      // balance, then require the rest of the closing line to be blank.
      bool stop = false;  // the candidate cannot be a document
      while (ml_.closed == 0) {
        const char* from = p + ml_.scanned;
        if (from >= e) break;
        const auto* lnl = static_cast<const char*>(std::memchr(from, '\n', static_cast<std::size_t>(e - from)));
        if (lnl == nullptr && !eof_) break;  // scan only complete lines
        const char* stop_at = lnl != nullptr ? lnl + 1 : e;
        const char* closed = ml_.scan.run(from, stop_at);
        if (closed != nullptr) {
          if (ml_.scan.invalid) {  // not JSON: a newline inside a string, a misplaced bracket
            stop = true;
            break;
          }
          ml_.closed = static_cast<std::size_t>(closed - p);
          break;
        }
        ml_.scanned = static_cast<std::size_t>(stop_at - p);
        if (ml_.scanned > opt_.max_record_size) {
          stop = true;
          break;
        }
        if (lnl == nullptr) break;  // end of input
      }
      const char* tail_end = nullptr;
      const char* cnl = nullptr;
      if (!stop && ml_.closed != 0) {
        const char* closed = p + ml_.closed;
        cnl = static_cast<const char*>(std::memchr(closed, '\n', static_cast<std::size_t>(e - closed)));
        if (cnl == nullptr && !eof_) return step::need_data;
        tail_end = cnl != nullptr ? cnl : e;
      } else if (!stop && !eof_) {
        if (static_cast<std::size_t>(e - p) <= opt_.max_record_size) return step::need_data;
        stop = true;
      }
      const std::size_t closed_len = ml_.closed;
      ml_ = multi_line{};
      if (tail_end != nullptr && std::all_of(p + closed_len, tail_end, [](char c) { return is_space(c); })) {
        if (engine_.try_record(p, closed_len, place, sink) == errc::ok) {
          auto newlines = static_cast<std::uint64_t>(std::count(p, tail_end, '\n'));
          line_ += newlines;
          stats_.lines += newlines;
          consume_line(cnl, e, tail_end);
          continue;
        }
      }
      // Not a document: report the first line alone and go on with the next line.
      // The first line opened brackets it never closed: it is a truncated record either way.
      const bool at_end = tail_end == nullptr && !stop && eof_;
      report(sink, errc::truncated_record,
             at_end ? "the input ends inside this record"
                    : "the line ends inside a JSON value (the lines after it are read on their own)",
             place);
      consume_line(nl, e);
    }
  }

  enum class verdict { parse, skip, wait };

  // What to do with the line [p, p + len) (trimmed; nl = its newline or nullptr at the end of
  // input) before parsing it. The prefilter runs first: the look-ahead is only needed to reject.
  verdict prefilter_line(const char* p, std::size_t len, const char* nl, const char* e) const noexcept {
    const prefilter* pf = opt_.prefilter;
    if (pf == nullptr || pf->empty()) return verdict::parse;
    if (len < 2 || p[0] != '{' || p[len - 1] != '}') return verdict::parse;
    if (pf->may_match(std::string_view(p, len))) return verdict::parse;
    if (opt_.format == input_format::jsonl) return verdict::skip;  // lines are never joined
    const char* q = nl != nullptr ? nl + 1 : e;
    while (q < e && is_space(*q)) ++q;
    if (q < e) return *q == '{' ? verdict::skip : verdict::parse;
    if (eof_) return verdict::skip;
    // Not read yet: wait only if fill() can read more (free room, or the window may still grow);
    // otherwise it could not make progress, and parsing is always correct.
    const bool can_read = end_ - begin_ < cap_ || cap_ <= opt_.max_record_size;
    return can_read ? verdict::wait : verdict::parse;
  }

  void consume_line(const char* nl, const char* e, const char* line_end = nullptr) {
    char* const data = buf_.get();
    if (line_end != nullptr) {
      begin_ = static_cast<std::size_t>(line_end - data);
      if (line_end < e && *line_end == '\n') {
        ++begin_;
        ++line_;
        ++stats_.lines;
      }
      return;
    }
    if (nl == nullptr) {
      begin_ = static_cast<std::size_t>(e - data);
    } else {
      begin_ = static_cast<std::size_t>(nl - data) + 1;
      ++line_;
      ++stats_.lines;
    }
  }

  void report(record_outputs& sink, errc code, std::string_view detail, const record_place& place) {
    ++stats_.records;
    ++stats_.errors;
    ++stats_.errors_by_code[static_cast<std::size_t>(code)];
    sink.errors->push_back(record_error{place.file, error{code, place.line, place.offset, {}, detail}});
  }

 public:
  reader_options opt_;
  event_parser engine_;
  std::string name_;

 private:
  std::unique_ptr<char[]> buf_;
  std::size_t cap_{0};
  std::size_t begin_{0}, end_{0};
  std::uint64_t base_offset_{0};
  std::uint64_t line_{1};
  bool eof_{false};
  bool discarding_{false};
  bool at_stream_start_{true};
  multi_line ml_{};
};

}  // namespace detail

reader::reader() : reader(reader_options{}) {}
reader::reader(reader_options options) : impl_(std::make_unique<detail::reader_impl>(options)) {}
reader::reader(reader&&) noexcept = default;
reader& reader::operator=(reader&&) noexcept = default;
reader::~reader() = default;

result<void> reader::open(std::string path) {
  auto src = detail::open_file(path);
  if (!src) {
    impl_->start(nullptr, path);
    return unexpected(src.error());
  }
  impl_->start(detail::auto_decompress(std::move(*src)), std::move(path));
  return {};
}

void reader::open_memory(std::string_view data, std::string name) {
  impl_->start(detail::auto_decompress(detail::memory_source(data)), std::move(name));
}

void reader::open_source(std::unique_ptr<detail::byte_source> source, std::string name) {
  impl_->start(std::move(source), std::move(name));
}

void reader::open_source(std::unique_ptr<detail::byte_source> source, std::string name, std::uint64_t base_offset,
                         std::uint64_t first_line) {
  impl_->start(std::move(source), std::move(name), base_offset, first_line);
}

bool reader::next(batch& out) { return impl_->next(out); }
const counters& reader::stats() const noexcept { return impl_->stats_; }
bool reader::failed() const noexcept { return impl_->failed_; }
const error& reader::failure() const noexcept { return impl_->failure_; }
std::uint64_t reader::source_position() const noexcept { return impl_->src_ ? impl_->src_->position() : 0; }
std::uint64_t reader::source_size() const noexcept { return impl_->src_ ? impl_->src_->size() : 0; }

}  // namespace k8saudit
