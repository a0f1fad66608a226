// SPDX-License-Identifier: Apache-2.0
// Byte sources: POSIX files (or standard input), memory, and a gzip-detecting wrapper that
// inflates with zlib in a fixed input buffer, writing straight into the caller's buffer.
#include "k8saudit/detail/source.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <new>
#include <utility>

namespace k8saudit::detail {

namespace {

// One read(2) never asks for more than this, so the count always fits ssize_t.
constexpr std::size_t max_syscall_read = std::size_t{1} << 30;

std::string_view open_failure(int err) noexcept {
  switch (err) {
    case ENOENT: return "no such file or directory";
    case EACCES: return "permission denied";
    case EISDIR: return "is a directory";
    case ENOTDIR: return "not a directory";
    case ENAMETOOLONG: return "file name too long";
    case ELOOP: return "too many symbolic links";
    case EMFILE:
    case ENFILE: return "too many open files";
    default: return "cannot open file";
  }
}

// ----- file ----------------------------------------------------------------------------------

class file_source final : public byte_source {
 public:
  file_source(int fd, bool owns, std::uint64_t size) noexcept : fd_(fd), owns_(owns), size_(size) {}
  file_source(const file_source&) = delete;
  file_source& operator=(const file_source&) = delete;
  ~file_source() override {
    if (owns_) ::close(fd_);  // nothing useful to do on failure of a read-only descriptor
  }

  result<std::size_t> read(char* dst, std::size_t n) override {
    if (n == 0) return std::size_t{0};
    n = std::min(n, max_syscall_read);
    for (;;) {
      const ssize_t got = ::read(fd_, dst, n);
      if (got >= 0) {
        pos_ += static_cast<std::uint64_t>(got);
        return static_cast<std::size_t>(got);
      }
      if (errno == EINTR) continue;
      if (errno == EISDIR) return unexpected(errc::io_error, {}, "is a directory");
      return unexpected(errc::io_error, {}, "read failed");
    }
  }

  [[nodiscard]] std::uint64_t position() const noexcept override { return pos_; }
  [[nodiscard]] std::uint64_t size() const noexcept override { return size_; }

 private:
  int fd_;
  bool owns_;
  std::uint64_t size_;
  std::uint64_t pos_{0};
};

// ----- memory --------------------------------------------------------------------------------

class memory_byte_source final : public byte_source {
 public:
  explicit memory_byte_source(std::string_view data, std::size_t start = 0) noexcept
      : data_(data), pos_(std::min(start, data.size())) {}

  result<std::size_t> read(char* dst, std::size_t n) noexcept override {
    const std::size_t k = std::min(n, data_.size() - pos_);
    if (k != 0) std::memcpy(dst, data_.data() + pos_, k);
    pos_ += k;
    return k;
  }

  [[nodiscard]] std::uint64_t position() const noexcept override { return pos_; }
  [[nodiscard]] std::uint64_t size() const noexcept override { return data_.size(); }

 private:
  std::string_view data_;
  std::size_t pos_{0};
};

// ----- gzip detection and inflation ----------------------------------------------------------

// zlib's messages are string literals, but only in zlib itself: map the known ones onto our own
// literals so `error::detail` stays static whatever zlib build is linked.
std::string_view zlib_detail(const char* msg) noexcept {
  static constexpr std::string_view known[] = {
      "incorrect header check",
      "unknown compression method",
      "unknown header flags set",
      "header crc mismatch",
      "invalid window size",
      "invalid block type",
      "invalid stored block lengths",
      "too many length or distance symbols",
      "invalid code lengths set",
      "invalid bit length repeat",
      "invalid code -- missing end-of-block",
      "invalid literal/lengths set",
      "invalid distances set",
      "invalid literal/length code",
      "invalid distance code",
      "invalid distance too far back",
      "incorrect data check",
      "incorrect length check",
  };
  if (msg != nullptr) {
    const std::string_view m(msg);
    for (std::string_view k : known)
      if (k == m) return k;
  }
  return "corrupt gzip data";
}

// Detects gzip from the first two bytes and inflates member after member. After a member, the
// input may end, start another member (1f ...), or hold zero bytes up to the end (tape/block
// padding, as gzip(1) tolerates); anything else is errc::gzip_error "trailing garbage after gzip
// stream", reported after all data inflated before it.
class auto_source final : public byte_source {
 public:
  static constexpr std::size_t input_capacity = std::size_t{64} << 10;

  explicit auto_source(std::unique_ptr<byte_source> inner) noexcept : inner_(std::move(inner)) {}
  auto_source(const auto_source&) = delete;
  auto_source& operator=(const auto_source&) = delete;
  ~auto_source() override {
    if (zinit_) ::inflateEnd(&zs_);
  }

  result<std::size_t> read(char* dst, std::size_t n) override {
    if (n == 0) return std::size_t{0};
    if (mode_ == mode::detect) detect();
    switch (mode_) {
      case mode::failed: return unexpected(err_);
      case mode::plain: return read_plain(dst, n);
      case mode::finished: return std::size_t{0};
      default: return read_gzip(dst, n);
    }
  }

  // Bytes taken from the inner source minus those still buffered here, in the inner source's
  // units (compressed bytes for gzip).
  [[nodiscard]] std::uint64_t position() const noexcept override {
    const std::uint64_t p = inner_->position();
    const std::uint64_t buffered =
        static_cast<std::uint64_t>(peek_len_ - peek_off_) + (zinit_ ? zs_.avail_in : 0u);
    return p > buffered ? p - buffered : 0;
  }
  [[nodiscard]] std::uint64_t size() const noexcept override { return inner_->size(); }

 private:
  enum class mode : std::uint8_t {
    detect,           // nothing read yet
    plain,            // not gzip: peeked bytes, then the inner source, unchanged
    inflating,        // inside a gzip member
    between_members,  // a member ended; another one, zero padding or the end may follow
    padding,          // zero bytes after the last member, up to the end
    finished,         // gzip input fully and correctly consumed
    failed,           // err_ is returned forever
  };

  result<std::size_t> fail(error e) noexcept {
    err_ = e;
    mode_ = mode::failed;
    return unexpected(err_);
  }
  result<std::size_t> fail(errc c, std::string_view detail) noexcept {
    return fail(error{c, 0, 0, {}, detail});
  }

  // Reads up to two bytes, however few the inner source hands out per call.
  void detect() {
    while (peek_len_ < 2) {
      auto r = inner_->read(peek_ + peek_len_, 2 - peek_len_);
      if (!r) {
        (void)fail(r.error());
        return;
      }
      if (*r == 0) {
        inner_eof_ = true;
        break;
      }
      peek_len_ = static_cast<std::uint8_t>(peek_len_ + std::min<std::size_t>(*r, 2u - peek_len_));
    }
    const bool gzip = peek_len_ == 2 && static_cast<unsigned char>(peek_[0]) == 0x1f &&
                      static_cast<unsigned char>(peek_[1]) == 0x8b;
    if (!gzip) {
      mode_ = mode::plain;
      return;
    }
    in_.reset(new (std::nothrow) unsigned char[input_capacity]);
    if (!in_) {
      (void)fail(errc::out_of_memory, "no memory for the gzip input buffer");
      return;
    }
    zs_ = z_stream{};
    // inflateInit2() is a macro with an old-style cast; call its target directly.
    const int rc = ::inflateInit2_(&zs_, 15 + 16, ZLIB_VERSION, static_cast<int>(sizeof(z_stream)));
    if (rc != Z_OK) {
      (void)fail(rc == Z_MEM_ERROR ? errc::out_of_memory : errc::gzip_error,
                 rc == Z_MEM_ERROR ? "no memory for zlib" : "zlib initialisation failed");
      return;
    }
    zinit_ = true;
    std::memcpy(in_.get(), peek_, 2);
    zs_.next_in = in_.get();
    zs_.avail_in = 2;
    peek_off_ = peek_len_;
    mode_ = mode::inflating;
  }

  result<std::size_t> read_plain(char* dst, std::size_t n) {
    if (peek_off_ < peek_len_) {
      const std::size_t k = std::min<std::size_t>(n, peek_len_ - peek_off_);
      std::memcpy(dst, peek_ + peek_off_, k);
      peek_off_ = static_cast<std::uint8_t>(peek_off_ + k);
      return k;
    }
    if (inner_eof_) return std::size_t{0};
    auto r = inner_->read(dst, n);
    if (!r) return fail(r.error());
    if (*r == 0) inner_eof_ = true;
    return r;
  }

  // Inflates into dst until it is full, or some output exists and more input would be needed
  // (so a slow inner source does not hold back what is ready), or the end, or an error. An error
  // met after some output in the same call is latched and returned by the next call, so every
  // byte inflated before it reaches the caller.
  result<std::size_t> read_gzip(char* dst, std::size_t n) {
    const auto cap = static_cast<uInt>(std::min<std::size_t>(n, UINT_MAX));
    zs_.next_out = reinterpret_cast<Bytef*>(dst);
    zs_.avail_out = cap;
    const auto produced = [&]() noexcept { return static_cast<std::size_t>(cap - zs_.avail_out); };
    const auto fail_after_output = [&](error e) noexcept -> result<std::size_t> {
      const result<std::size_t> r = fail(e);
      if (produced() != 0) return produced();
      return r;
    };
    const auto gzip_failure = [&](std::string_view detail) noexcept {
      return fail_after_output(error{errc::gzip_error, 0, 0, {}, detail});
    };

    for (;;) {
      if (zs_.avail_in == 0 && !inner_eof_) {
        if (produced() != 0) return produced();
        auto r = inner_->read(reinterpret_cast<char*>(in_.get()), input_capacity);
        if (!r) return fail(r.error());
        if (*r == 0) inner_eof_ = true;
        zs_.next_in = in_.get();
        zs_.avail_in = static_cast<uInt>(std::min(*r, input_capacity));
        continue;
      }
      // Here there is input, or the inner source has ended.
      if (mode_ == mode::between_members || mode_ == mode::padding) {
        if (zs_.avail_in == 0) {  // clean end
          mode_ = mode::finished;
          return produced();
        }
        if (mode_ == mode::between_members) {
          const unsigned char b = zs_.next_in[0];
          if (b == 0x1f) {
            ::inflateReset(&zs_);
            mode_ = mode::inflating;
          } else if (b == 0) {
            mode_ = mode::padding;
          } else {
            return gzip_failure("trailing garbage after gzip stream");
          }
        }
        if (mode_ == mode::padding) {
          auto* const end = zs_.next_in + zs_.avail_in;
          if (std::find_if(zs_.next_in, end, [](unsigned char c) { return c != 0; }) != end)
            return gzip_failure("trailing garbage after gzip stream");
          zs_.next_in = end;
          zs_.avail_in = 0;
          continue;
        }
      }

      const int rc = ::inflate(&zs_, Z_NO_FLUSH);
      switch (rc) {
        case Z_STREAM_END:
          mode_ = mode::between_members;
          [[fallthrough]];
        case Z_OK:
          if (zs_.avail_out == 0) return produced();
          continue;
        case Z_BUF_ERROR:  // no progress possible: output full, or input needed
          if (zs_.avail_out == 0) return produced();
          if (zs_.avail_in != 0) return gzip_failure("corrupt gzip data");
          if (!inner_eof_) continue;
          return gzip_failure("truncated gzip stream");  // the input ended inside a member
        case Z_MEM_ERROR:
          return fail_after_output(error{errc::out_of_memory, 0, 0, {}, "no memory for zlib"});
        case Z_NEED_DICT:
          return gzip_failure("gzip stream needs a preset dictionary");
        default:  // Z_DATA_ERROR, Z_STREAM_ERROR
          return gzip_failure(zlib_detail(zs_.msg));
      }
    }
  }

  std::unique_ptr<byte_source> inner_;
  std::unique_ptr<unsigned char[]> in_;
  z_stream zs_{};
  error err_{};
  mode mode_{mode::detect};
  bool zinit_{false};
  bool inner_eof_{false};
  std::uint8_t peek_len_{0};
  std::uint8_t peek_off_{0};
  char peek_[2]{};
};

}  // namespace

result<std::unique_ptr<byte_source>> open_file(const std::string& path) {
  int fd = 0;
  const bool owns = path != "-";
  if (owns) {
    do {
      fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) return unexpected(errc::io_error, {}, open_failure(errno));
  }
  const auto close_owned = [&]() noexcept {
    if (owns) ::close(fd);
  };

  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    close_owned();
    return unexpected(errc::io_error, {}, "cannot stat file");
  }
  if (S_ISDIR(st.st_mode)) {
    close_owned();
    return unexpected(errc::io_error, {}, "is a directory");
  }
  std::uint64_t size = 0;
  if (S_ISREG(st.st_mode) && st.st_size > 0) {
    size = static_cast<std::uint64_t>(st.st_size);
    if (!owns) {  // standard input may already be partly consumed: count what is left
      const off_t at = ::lseek(fd, 0, SEEK_CUR);
      if (at > 0) size = static_cast<std::uint64_t>(at) < size ? size - static_cast<std::uint64_t>(at) : 0;
    }
  }

  std::unique_ptr<byte_source> src(new (std::nothrow) file_source(fd, owns, size));
  if (!src) {
    close_owned();
    return unexpected(errc::out_of_memory, {}, "no memory for a file source");
  }
  return src;
}

std::unique_ptr<byte_source> memory_source(std::string_view data) {
  return std::make_unique<memory_byte_source>(data);
}

std::unique_ptr<byte_source> memory_source(std::string_view data, std::size_t start) {
  return std::make_unique<memory_byte_source>(data, start);
}

std::unique_ptr<byte_source> auto_decompress(std::unique_ptr<byte_source> inner) {
  if (!inner) return memory_source({});
  return std::make_unique<auto_source>(std::move(inner));
}

}  // namespace k8saudit::detail
