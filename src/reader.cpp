// SPDX-License-Identifier: Apache-2.0
// Framing. Records are found line by line: a line is tried as a record on its own first (the
// JSON-lines fast path: one memchr and one parse). Only a line that fails and opens a JSON object
// or array without closing it starts a multi-line candidate, scanned with a small state machine
// until its brackets balance; the candidate becomes a record only if it parses as a whole.
// Otherwise the first line alone is reported and framing resumes at the next line, so a broken
// line never swallows the lines after it. Framing stays linear on hostile input: the lines a
// failed scan went through are not scanned again when the first scan already tells how theirs
// would end (may_start_candidate).
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
#include <array>
#include <cstring>
#include <new>
#include <vector>

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
// apart from a pretty-printed document; a '}' closing a '[' (or ']' closing '{') is not JSON
// either. Nesting deeper than `limit` stops the scan (too_deep).
//
// With `line_opens` set, it records the lines (after the first) that start with '{' or '[' and
// whose bracket is still open: each entry is popped when its bracket closes. What is left when
// the scan stops are the lines whose own candidate would stop at the same place (see frame()).
struct bracket_scan {
  // A line that starts by opening a bracket: its offset from the scan's base and the depth
  // before that bracket.
  struct line_open {
    std::uint64_t offset;
    long depth;
  };

  long depth{0};
  long limit{static_cast<long>(max_depth_cap)};
  std::array<std::uint64_t, max_depth_cap / 64> arrays{};  // bit d: the bracket at depth d+1 is '['
  char last{0};             // last significant byte outside strings ('"' for a string)
  bool in_string{false};
  bool escape{false};
  bool invalid{false};
  bool too_deep{false};
  bool line_start{false};   // only whitespace since the last newline (outside strings)
  std::vector<line_open>* line_opens{nullptr};

  // Scans [p, e); `base` is where the scanned text starts (for line_opens offsets). Returns the
  // position after the byte that brings depth back to 0, or the position of a byte that cannot
  // be JSON here (invalid = true; a newline inside a string is one), or nullptr when the text
  // ends first.
  const char* run(const char* p, const char* e, const char* base = nullptr) noexcept {
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
        case '\n': line_start = true; continue;
        case ' ': case '\t': case '\r': continue;
        case '"': in_string = true; line_start = false; continue;
        case '{':
        case '[':
          if (!value_allowed()) {
            invalid = true;
            return p;
          }
          if (depth >= limit) {
            invalid = too_deep = true;
            return p;
          }
          if (line_start && line_opens != nullptr && depth > 0) {
            line_opens->push_back(line_open{static_cast<std::uint64_t>(p - base), depth});
          }
          line_start = false;
          set_array(depth, c == '[');
          ++depth;
          last = c;
          continue;
        case '}':
        case ']':
          line_start = false;
          if (depth > 0 && is_array(depth - 1) != (c == ']')) {
            invalid = true;
            return p;
          }
          last = c;
          if (--depth <= 0) return p + 1;
          if (line_opens != nullptr && !line_opens->empty() && line_opens->back().depth == depth) line_opens->pop_back();
          continue;
        default: last = c; line_start = false; continue;
      }
    }
    return nullptr;
  }

 private:
  bool is_array(long d) const noexcept {
    const auto i = static_cast<std::size_t>(d);
    return (arrays[i / 64] >> (i % 64)) & 1;
  }
  void set_array(long d, bool a) noexcept {
    const auto i = static_cast<std::size_t>(d);
    const std::uint64_t bit = std::uint64_t{1} << (i % 64);
    arrays[i / 64] = a ? (arrays[i / 64] | bit) : (arrays[i / 64] & ~bit);
  }
  bool value_allowed() const noexcept {
    if (depth == 0) return last == 0;
    return is_array(depth - 1) ? (last == '[' || last == ',') : last == ':';
  }
};

}  // namespace

class reader_impl {
 public:
  explicit reader_impl(const reader_options& o)
      : opt_(o),
        engine_(parser_options{o.fields, o.max_depth, o.validate_all}, o.format),
        depth_limit_(static_cast<long>(std::min(o.max_depth, max_depth_cap))) {}

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
    line_opens_.clear();
    span_end_ = 0;
    span_opens_.clear();
    span_next_ = 0;
    failed_blocks_.clear();
    ext_ = nullptr;
    engine_.reset_arena();
  }

  // As start(), with the input's first bytes borrowed: `prefix` (ending at a line break followed
  // by at least padding() more bytes of the input) is framed and parsed where it lies, with no
  // copy; `rest` supplies what follows, through the window as usual.
  void start_borrowed(std::string_view prefix, std::unique_ptr<byte_source> rest, std::string name) {
    start(std::move(rest), std::move(name));
    if (prefix.empty()) return;
    ext_ = prefix.data();
    end_ = prefix.size();
    stats_.bytes += prefix.size();
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
  // The bytes [begin_, end_) are framed from: borrowed input, or the window.
  const char* window() const noexcept { return ext_ != nullptr ? ext_ : buf_.get(); }

  bool ensure_capacity(std::size_t want) {
    if (cap_ >= want && buf_) return true;
    // Exactly what fill() asks for (it doubles, up to max_record_size + 1): never more.
    std::size_t cap = std::max({want, opt_.window_size, std::size_t{4096}});
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
    if (ext_ != nullptr) {
      // The borrowed bytes are framed: what is pending moves into a window of our own.
      const std::size_t pending = end_ - begin_;
      const std::size_t cap = std::max({opt_.window_size, pending + 1, std::size_t{4096}});
      std::unique_ptr<char[]> fresh(new (std::nothrow) char[cap + event_parser::padding()]);
      if (!fresh) return fail(errc::out_of_memory, "window");
      if (pending != 0) std::memcpy(fresh.get(), ext_ + begin_, pending);
      base_offset_ += begin_;
      end_ = pending;
      begin_ = 0;
      buf_ = std::move(fresh);
      cap_ = cap;
      ext_ = nullptr;
    }
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
    stats_.bytes += *r;
    end_ += *r;
    // simdjson reads the padding after a record that ends the data (it may look at the byte
    // after the last token): spaces there, not stale or uninitialized bytes, so that how a bad
    // record is reported does not depend on what the window held before.
    std::memset(buf_.get() + end_, ' ', event_parser::padding());
    if (*r == 0) eof_ = true;  // let frame() see the tail
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
      const char* const data = window();
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
      // The whole line counts, trailing blanks too: a window of max_record_size + 1 bytes cannot
      // hold more, so a line read a few bytes at a time is judged the same as one read at once.
      if (static_cast<std::size_t>(line_end - p) > opt_.max_record_size) {
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
        local.limit = depth_limit_;
        const char* closed = local.run(p, p + line_len);
        const bool incomplete = closed == nullptr && (local.depth > 0 || local.in_string);
        if (local.too_deep) {
          report(sink, errc::depth_exceeded, "the line nests deeper than max_depth", place,
                 failure == errc::depth_exceeded ? engine_.last_field() : std::string_view{});
          consume_line(nl, e);
          continue;
        }
        if (!opens || local.in_string || local.invalid || !incomplete) {
          report(sink, incomplete ? errc::truncated_record : failure,
                 incomplete ? "the record ends inside a JSON value" : engine_.last_detail(), place,
                 incomplete ? std::string_view{} : engine_.last_field());
          consume_line(nl, e);
          continue;
        }
        if (!may_start_candidate(place.offset)) {
          report(sink, errc::truncated_record, "the line ends inside a JSON value (the lines after it are read on their own)",
                 place);
          consume_line(nl, e);
          continue;
        }
        ml_ = multi_line{};
        ml_.active = true;
        ml_.scan.limit = depth_limit_;
        line_opens_.clear();
        ml_.scan.line_opens = &line_opens_;
      }

      // Multi-line candidate starting at p: scan whole lines (resumable) until the brackets
      // balance, then require the rest of the closing line to be blank.
      // The candidate is looked at through at most max_record_size + 1 bytes, all a window fed
      // from a stream can hold: how it is framed must not depend on how much input is at hand.
      const bool clipped = static_cast<std::size_t>(e - p) > opt_.max_record_size + 1;
      const char* const se = clipped ? p + opt_.max_record_size + 1 : e;
      const bool seof = eof_ && !clipped;
      const bool full = static_cast<std::size_t>(se - p) > opt_.max_record_size;  // no more can come
      bool stop = false;  // the candidate cannot be a document
      const char* stop_pos = nullptr;  // where its scan stopped (when it did not close)
      while (ml_.closed == 0) {
        const char* from = p + ml_.scanned;
        if (from >= se) break;
        const auto* lnl = static_cast<const char*>(std::memchr(from, '\n', static_cast<std::size_t>(se - from)));
        if (lnl == nullptr && !seof) break;  // scan only complete lines
        const char* stop_at = lnl != nullptr ? lnl + 1 : se;
        const char* closed = ml_.scan.run(from, stop_at, p);
        if (closed != nullptr) {
          if (ml_.scan.invalid) {  // not JSON: a newline inside a string, a misplaced bracket, too deep
            stop = true;
            stop_pos = closed;
            break;
          }
          ml_.closed = static_cast<std::size_t>(closed - p);
          break;
        }
        ml_.scanned = static_cast<std::size_t>(stop_at - p);
        if (ml_.scanned > opt_.max_record_size) {
          stop = true;
          stop_pos = stop_at;
          break;
        }
        if (lnl == nullptr) break;  // end of input
      }
      const char* tail_end = nullptr;
      const char* cnl = nullptr;
      if (!stop && ml_.closed != 0) {
        const char* closed = p + ml_.closed;
        cnl = static_cast<const char*>(std::memchr(closed, '\n', static_cast<std::size_t>(se - closed)));
        if (cnl == nullptr && !seof) {
          if (!full) return step::need_data;
          stop = true;  // the closing line does not end within max_record_size
          stop_pos = se;
        } else {
          tail_end = cnl != nullptr ? cnl : se;
        }
      } else if (!stop && !seof) {
        if (!full) return step::need_data;
        stop = true;
        stop_pos = se;
      }
      const std::size_t closed_len = ml_.closed;
      const bool too_deep = ml_.scan.too_deep;
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
      const bool at_end = tail_end == nullptr && !stop && seof;
      if (tail_end != nullptr) {
        // Balanced but not a record: lines inside it may still start documents of their own,
        // at most max_failed_nesting blocks deep.
        failed_blocks_.push_back(place.offset + closed_len);
      } else {
        // The scan stopped without balancing: remember where, and which of the lines it went
        // through still had their bracket open there (they would stop at the same place).
        if (at_end) stop_pos = se;
        const std::uint64_t start = place.offset;
        span_end_ = start + static_cast<std::uint64_t>(stop_pos - p);
        span_opens_.clear();
        span_next_ = 0;
        for (const bracket_scan::line_open& lo : line_opens_) span_opens_.push_back(start + lo.offset);
      }
      line_opens_.clear();
      report(sink, too_deep ? errc::depth_exceeded : errc::truncated_record,
             too_deep  ? "the document nests deeper than max_depth (the lines after it are read on their own)"
             : at_end ? "the input ends inside this record"
                      : "the line ends inside a JSON value (the lines after it are read on their own)",
             place);
      consume_line(nl, e);
    }
  }

  // Whether the line starting at stream offset `at` (failed alone, opens brackets it does not
  // close) may start a multi-line candidate. Keeps framing linear: a line inside the span of a
  // candidate that stopped without balancing starts one only if its bracket closes within that
  // span (else its scan would stop at the same place: known without scanning again); a line
  // inside blocks that balanced but did not parse starts one only when few such blocks nest.
  bool may_start_candidate(std::uint64_t at) {
    while (!failed_blocks_.empty() && failed_blocks_.back() <= at) failed_blocks_.pop_back();
    if (failed_blocks_.size() >= max_failed_nesting) return false;
    if (at < span_end_) {
      while (span_next_ < span_opens_.size() && span_opens_[span_next_] < at) ++span_next_;
      if (span_next_ < span_opens_.size() && span_opens_[span_next_] == at) return false;
    }
    return true;
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
    const char* const data = window();
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

  void report(record_outputs& sink, errc code, std::string_view detail, const record_place& place,
              std::string_view field = {}) {
    ++stats_.records;
    ++stats_.errors;
    ++stats_.errors_by_code[static_cast<std::size_t>(code)];
    sink.errors->push_back(record_error{place.file, error{code, place.line, place.offset, field, detail}});
  }

 public:
  reader_options opt_;
  event_parser engine_;
  std::string name_;

 private:
  std::unique_ptr<char[]> buf_;
  const char* ext_{nullptr};  // borrowed input (open_memory) framed in place, until fill()
  std::size_t cap_{0};
  std::size_t begin_{0}, end_{0};
  std::uint64_t base_offset_{0};
  std::uint64_t line_{1};
  bool eof_{false};
  bool discarding_{false};
  bool at_stream_start_{true};
  multi_line ml_{};
  // Linear framing (may_start_candidate): the scan's open lines, the last stopped span and its
  // lines still open where it stopped (stream offsets), the ends of nested failed blocks.
  static constexpr std::size_t max_failed_nesting = 4;
  long depth_limit_;
  std::vector<bracket_scan::line_open> line_opens_;
  std::uint64_t span_end_{0};
  std::vector<std::uint64_t> span_opens_;
  std::size_t span_next_{0};
  std::vector<std::uint64_t> failed_blocks_;
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
  if (data.size() >= 2 && data[0] == '\x1f' && data[1] == '\x8b') {  // gzip: inflated through the window
    impl_->start(detail::auto_decompress(detail::memory_source(data)), std::move(name));
    return;
  }
  // Zero copy: every record up to the last line break that still has padding() bytes of the
  // input after it is parsed in place (those bytes are only read, never used); the rest goes
  // through the window.
  std::size_t split = 0;
  const std::size_t pad = detail::event_parser::padding();
  if (data.size() > pad) {
    const std::size_t nl = data.rfind('\n', data.size() - pad);
    if (nl != std::string_view::npos) split = nl + 1;
  }
  impl_->start_borrowed(data.substr(0, split), detail::memory_source(data, split), std::move(name));
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
