// SPDX-License-Identifier: Apache-2.0
#include <doctest/doctest.h>

#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "k8saudit/detail/source.h"
#include "k8saudit/error.h"

namespace {

using k8saudit::errc;
using k8saudit::result;
using k8saudit::detail::auto_decompress;
using k8saudit::detail::byte_source;
using k8saudit::detail::memory_source;
using k8saudit::detail::open_file;

// ----- helpers -------------------------------------------------------------------------------

struct drained {
  std::string data;
  k8saudit::error err{};
  std::size_t reads{0};
};

// Reads until the end or an error, `chunk` bytes at a time, checking the read contract.
drained drain(byte_source& src, std::size_t chunk) {
  drained out;
  std::vector<char> buf(chunk);
  bool within_bounds = true;  // checked once, not per read, to keep the assertion count sane
  for (;;) {
    result<std::size_t> r = src.read(buf.data(), chunk);
    if (!r) {
      out.err = r.error();
      CHECK(within_bounds);
      return out;
    }
    if (*r > chunk) within_bounds = false;
    if (*r == 0) break;
    ++out.reads;
    out.data.append(buf.data(), std::min(*r, chunk));
  }
  CHECK(within_bounds);
  // The end is sticky.
  result<std::size_t> again = src.read(buf.data(), chunk);
  REQUIRE(again.has_value());
  CHECK(*again == 0);
  return out;
}

// Hands out at most `step` bytes per read from a view; can fail with io_error after `fail_at`.
class trickle_source final : public byte_source {
 public:
  explicit trickle_source(std::string_view data, std::size_t step = 1,
                          std::size_t fail_at = std::numeric_limits<std::size_t>::max()) noexcept
      : data_(data), step_(step), fail_at_(fail_at) {}

  result<std::size_t> read(char* dst, std::size_t n) noexcept override {
    ++reads_;
    if (pos_ >= fail_at_) return k8saudit::unexpected(errc::io_error, {}, "injected failure");
    std::size_t k = std::min({n, step_, data_.size() - pos_});
    if (fail_at_ > pos_) k = std::min(k, fail_at_ - pos_);
    std::memcpy(dst, data_.data() + pos_, k);
    pos_ += k;
    return k;
  }
  [[nodiscard]] std::uint64_t position() const noexcept override { return pos_; }
  [[nodiscard]] std::uint64_t size() const noexcept override { return data_.size(); }

  std::size_t reads_{0};

 private:
  std::string_view data_;
  std::size_t step_;
  std::size_t fail_at_;
  std::size_t pos_{0};
};

int deflate_init_gzip(z_stream& zs, int level) {
  // deflateInit2() is a macro with an old-style cast; call its target directly.
  return deflateInit2_(&zs, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION,
                       static_cast<int>(sizeof(z_stream)));
}

// One gzip member holding `in`.
std::string gzip(std::string_view in, int level = Z_DEFAULT_COMPRESSION) {
  z_stream zs{};
  REQUIRE(deflate_init_gzip(zs, level) == Z_OK);
  std::string out(deflateBound(&zs, static_cast<uLong>(in.size())) + 64, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  REQUIRE(deflate(&zs, Z_FINISH) == Z_STREAM_END);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

// Deterministic data that compresses like logs do: JSON-ish lines with random words, numbers
// and now and then a stretch of random bytes.
std::string test_data(std::size_t size, std::uint64_t seed = 0x9e3779b97f4a7c15ULL) {
  std::uint64_t x = seed;
  const auto next = [&x]() {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return x;
  };
  static constexpr std::string_view words[] = {"get", "list", "watch", "create", "update", "patch",
                                               "delete", "pods", "secrets", "kube-system",
                                               "system:serviceaccount", "ResponseComplete"};
  std::string s;
  s.reserve(size + 256);
  while (s.size() < size) {
    if (next() % 16 == 0) {
      const std::size_t n = next() % 200;
      for (std::size_t i = 0; i < n; ++i) s.push_back(static_cast<char>(next() & 0xff));
    }
    s += R"({"verb":")";
    s += words[next() % std::size(words)];
    s += R"(","n":)";
    s += std::to_string(next() % 1000000);
    s += R"(,"user":")";
    s += words[next() % std::size(words)];
    s += "\"}\n";
  }
  s.resize(size);
  return s;
}

const std::string& big_data() {
  static const std::string data = test_data(std::size_t{3} << 20);
  return data;
}
const std::string& big_gzip() {
  static const std::string gz = gzip(big_data());
  return gz;
}

class temp_file {
 public:
  explicit temp_file(std::string_view content) {
    static std::atomic<unsigned> counter{0};
    const auto now = std::chrono::steady_clock::now().time_since_epoch().count();
    path_ = std::filesystem::temp_directory_path() /
            ("k8saudit-source-test-" + std::to_string(::getpid()) + "-" +
             std::to_string(counter++) + "-" + std::to_string(now) + ".bin");
    std::ofstream f(path_, std::ios::binary | std::ios::trunc);
    f.write(content.data(), static_cast<std::streamsize>(content.size()));
    f.close();
    REQUIRE(f.good());
  }
  temp_file(const temp_file&) = delete;
  temp_file& operator=(const temp_file&) = delete;
  ~temp_file() {
    std::error_code ec;
    std::filesystem::remove(path_, ec);
  }
  [[nodiscard]] std::string path() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

}  // namespace

// ----- memory --------------------------------------------------------------------------------

TEST_CASE("memory_source reads in small and large chunks") {
  const std::string data = test_data(10000);
  for (std::size_t chunk : {std::size_t{1}, std::size_t{3}, std::size_t{4096}, std::size_t{1} << 20}) {
    CAPTURE(chunk);
    auto src = memory_source(data);
    CHECK(src->size() == data.size());
    CHECK(src->position() == 0);
    drained d = drain(*src, chunk);
    CHECK_FALSE(d.err);
    CHECK(d.data == data);
    CHECK(d.reads == (data.size() + chunk - 1) / chunk);
    CHECK(src->position() == data.size());
  }
}

TEST_CASE("memory_source is a view, not a copy") {
  std::string data = "abcdef";
  auto src = memory_source(data);
  data[0] = 'X';
  data[5] = 'Y';
  char buf[16];
  result<std::size_t> r = src->read(buf, 2);
  REQUIRE(r.has_value());
  CHECK(std::string_view(buf, *r) == "Xb");
  CHECK(src->position() == 2);
  drained d = drain(*src, 16);
  CHECK(d.data == "cdeY");
}

TEST_CASE("memory_source of nothing") {
  auto src = memory_source({});
  CHECK(src->size() == 0);
  drained d = drain(*src, 8);
  CHECK_FALSE(d.err);
  CHECK(d.data.empty());
  CHECK(d.reads == 0);
}

// ----- files ---------------------------------------------------------------------------------

TEST_CASE("open_file reads a regular file") {
  const std::string data = test_data(300000, 42);
  temp_file f(data);
  for (std::size_t chunk : {std::size_t{7}, std::size_t{4096}, std::size_t{1} << 20}) {
    CAPTURE(chunk);
    auto src = open_file(f.path());
    REQUIRE(src.has_value());
    CHECK((*src)->size() == data.size());
    CHECK((*src)->position() == 0);
    char buf[100];
    result<std::size_t> first = (*src)->read(buf, sizeof buf);
    REQUIRE(first.has_value());
    REQUIRE(*first > 0);
    CHECK((*src)->position() == *first);
    drained d = drain(**src, chunk);
    CHECK_FALSE(d.err);
    CHECK(std::string(buf, *first) + d.data == data);
    CHECK((*src)->position() == data.size());
  }
}

TEST_CASE("open_file of an empty file") {
  temp_file f("");
  auto src = open_file(f.path());
  REQUIRE(src.has_value());
  CHECK((*src)->size() == 0);
  drained d = drain(**src, 64);
  CHECK_FALSE(d.err);
  CHECK(d.data.empty());
}

TEST_CASE("open_file of a missing path is an io_error") {
  const std::string path =
      (std::filesystem::temp_directory_path() / "k8saudit-no-such-dir-7f3a" / "none.log").string();
  auto src = open_file(path);
  REQUIRE_FALSE(src.has_value());
  CHECK(src.error().code == errc::io_error);
  CHECK_FALSE(src.error().detail.empty());
  CHECK_FALSE(open_file("").has_value());
}

TEST_CASE("open_file of a directory is an io_error") {
  auto src = open_file(std::filesystem::temp_directory_path().string());
  if (src.has_value()) {  // the contract allows failing at the first read instead
    char buf[16];
    result<std::size_t> r = (*src)->read(buf, sizeof buf);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == errc::io_error);
  } else {
    CHECK(src.error().code == errc::io_error);
    CHECK(src.error().detail == "is a directory");
  }
}

TEST_CASE("open_file(\"-\") is standard input and leaves it open") {
  if (::fcntl(0, F_GETFD) == -1) return;  // no standard input in this environment
  {
    auto src = open_file("-");
    REQUIRE(src.has_value());
  }
  CHECK(::fcntl(0, F_GETFD) != -1);
}

TEST_CASE("gzip file through auto_decompress") {
  temp_file f(big_gzip());
  auto file = open_file(f.path());
  REQUIRE(file.has_value());
  auto src = auto_decompress(std::move(*file));
  CHECK(src->size() == big_gzip().size());
  drained d = drain(*src, 65536);
  CHECK_FALSE(d.err);
  CHECK(d.data == big_data());
  CHECK(src->position() == big_gzip().size());
}

// ----- auto_decompress: plain data -----------------------------------------------------------

TEST_CASE("auto_decompress passes plain data through") {
  const std::string long_plain = test_data(100000, 7);
  const std::vector<std::string> inputs = {
      "", "x", "\x1f", "\x8b", std::string("\x1f\x00", 2), "\x1f\x8c", "\x8b\x1f", "ab",
      "{\"kind\":\"Event\"}\n", long_plain};
  for (const std::string& in : inputs) {
    CAPTURE(in.size());
    for (std::size_t step : {std::size_t{1}, std::size_t{2}, std::size_t{1} << 20}) {
      CAPTURE(step);
      for (std::size_t chunk : {std::size_t{1}, std::size_t{5}, std::size_t{65536}}) {
        CAPTURE(chunk);
        auto src = auto_decompress(std::make_unique<trickle_source>(in, step));
        CHECK(src->size() == in.size());
        CHECK(src->position() == 0);
        drained d = drain(*src, chunk);
        CHECK_FALSE(d.err);
        CHECK(d.data == in);
        CHECK(src->position() == in.size());
      }
    }
  }
}

TEST_CASE("auto_decompress does not read past the end of its inner source") {
  auto inner = std::make_unique<trickle_source>("ab", 1);
  trickle_source* raw = inner.get();
  auto src = auto_decompress(std::move(inner));
  drained d = drain(*src, 10);
  CHECK(d.data == "ab");
  CHECK(raw->reads_ == 3);  // 'a', 'b', end; later reads are answered without asking again
  (void)src->read(d.data.data(), 1);
  CHECK(raw->reads_ == 3);
}

TEST_CASE("auto_decompress forwards and keeps inner errors") {
  SUBCASE("plain") {
    const std::string in = test_data(1000, 3);
    auto src = auto_decompress(std::make_unique<trickle_source>(in, 100, 500));
    drained d = drain(*src, 64);
    CHECK(d.err.code == errc::io_error);
    CHECK(d.err.detail == "injected failure");
    CHECK(d.data == in.substr(0, 500));
    char c;
    result<std::size_t> again = src->read(&c, 1);
    REQUIRE_FALSE(again.has_value());
    CHECK(again.error().code == errc::io_error);
  }
  SUBCASE("while peeking") {
    auto src = auto_decompress(std::make_unique<trickle_source>("\x1f\x8b", 1, 1));
    char c;
    result<std::size_t> r = src->read(&c, 1);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == errc::io_error);
  }
  SUBCASE("gzip") {
    const std::string& gz = big_gzip();
    auto src = auto_decompress(std::make_unique<trickle_source>(gz, 4096, gz.size() / 2));
    drained d = drain(*src, 65536);
    CHECK(d.err.code == errc::io_error);
    CHECK(big_data().compare(0, d.data.size(), d.data) == 0);
    char c;
    result<std::size_t> again = src->read(&c, 1);
    REQUIRE_FALSE(again.has_value());
    CHECK(again.error().code == errc::io_error);
  }
}

TEST_CASE("auto_decompress of a null source is empty") {
  auto src = auto_decompress(nullptr);
  drained d = drain(*src, 8);
  CHECK_FALSE(d.err);
  CHECK(d.data.empty());
}

// ----- auto_decompress: gzip -----------------------------------------------------------------

TEST_CASE("gzip round trip in odd chunk sizes") {
  const std::string& data = big_data();
  const std::string& gz = big_gzip();
  REQUIRE(gz.size() < data.size());
  for (std::size_t chunk : {std::size_t{1}, std::size_t{7}, std::size_t{4096}, std::size_t{1} << 20}) {
    CAPTURE(chunk);
    auto src = auto_decompress(memory_source(gz));
    CHECK(src->size() == gz.size());
    std::uint64_t last = src->position();
    CHECK(last == 0);
    std::string out;
    out.reserve(data.size());
    std::vector<char> buf(chunk);
    bool monotonic = true;
    bool ok = true;
    for (;;) {
      result<std::size_t> r = src->read(buf.data(), chunk);
      if (!r || *r > chunk) {
        ok = false;
        break;
      }
      if (*r == 0) break;
      out.append(buf.data(), *r);
      if (src->position() < last) monotonic = false;
      last = src->position();
    }
    CHECK(ok);
    CHECK(monotonic);
    CHECK(out.size() == data.size());
    CHECK(out == data);
    CHECK(src->position() == gz.size());
  }
}

TEST_CASE("gzip from an inner source that hands out one byte at a time") {
  const std::string data = test_data(200000, 11);
  const std::string gz = gzip(data);
  for (std::size_t chunk : {std::size_t{1}, std::size_t{4096}}) {
    CAPTURE(chunk);
    auto src = auto_decompress(std::make_unique<trickle_source>(gz, 1));
    drained d = drain(*src, chunk);
    CHECK_FALSE(d.err);
    CHECK(d.data == data);
    CHECK(src->position() == gz.size());
  }
}

TEST_CASE("gzip with concatenated members") {
  const std::string a = test_data(500000, 1);
  const std::string b = test_data(300000, 2);
  SUBCASE("two members") {
    const std::string gz = gzip(a) + gzip(b, 1);
    for (std::size_t chunk : {std::size_t{7}, std::size_t{65536}}) {
      auto src = auto_decompress(memory_source(gz));
      drained d = drain(*src, chunk);
      CHECK_FALSE(d.err);
      CHECK(d.data == a + b);
      CHECK(src->position() == gz.size());
    }
  }
  SUBCASE("empty members and a byte-wise inner source") {
    const std::string gz = gzip("") + gzip("abc") + gzip("") + gzip(b) + gzip("");
    auto src = auto_decompress(std::make_unique<trickle_source>(gz, 1));
    char buf[64];
    result<std::size_t> first = src->read(buf, sizeof buf);  // not 0 although member 1 is empty
    REQUIRE(first.has_value());
    REQUIRE(*first >= 1);  // output is handed out as soon as more input would be needed
    CHECK(buf[0] == 'a');
    drained d = drain(*src, 1000);
    CHECK_FALSE(d.err);
    CHECK(std::string(buf, *first) + d.data == "abc" + b);
    CHECK(src->position() == gz.size());
  }
}

TEST_CASE("gzip: read() does not return 0 before the end") {
  // A member made of many empty stored blocks, then one stored final block holding "x".
  std::string gz("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff", 10);
  for (int i = 0; i < 100000; ++i) gz.append("\x00\x00\x00\xff\xff", 5);
  gz.append("\x01\x01\x00\xfe\xffx", 6);
  const uLong crc = crc32(crc32(0L, nullptr, 0), reinterpret_cast<const Bytef*>("x"), 1);
  for (int i = 0; i < 4; ++i) gz.push_back(static_cast<char>((crc >> (8 * i)) & 0xff));
  gz.append("\x01\x00\x00\x00", 4);
  for (std::size_t step : {std::size_t{1} << 20, std::size_t{1000}}) {
    auto src = auto_decompress(std::make_unique<trickle_source>(gz, step));
    char buf[16];
    result<std::size_t> r = src->read(buf, sizeof buf);
    REQUIRE(r.has_value());
    REQUIRE(*r == 1);
    CHECK(buf[0] == 'x');
    drained d = drain(*src, 16);
    CHECK_FALSE(d.err);
    CHECK(d.data.empty());
    CHECK(src->position() == gz.size());
  }
}

TEST_CASE("gzip followed by zero padding is accepted, other trailing bytes are not") {
  const std::string data = test_data(70000, 5);
  const std::string gz = gzip(data);
  SUBCASE("zero padding") {
    for (std::size_t pad : {std::size_t{1}, std::size_t{512}, std::size_t{200000}}) {
      const std::string in = gz + std::string(pad, '\0');
      for (std::size_t step : {std::size_t{3}, std::size_t{1} << 20}) {
        auto src = auto_decompress(std::make_unique<trickle_source>(in, step));
        drained d = drain(*src, 4096);
        CHECK_FALSE(d.err);
        CHECK(d.data == data);
        CHECK(src->position() == in.size());
      }
    }
  }
  SUBCASE("garbage") {
    for (const std::string& tail : {std::string("x"), std::string("\n"), std::string("\0\0\0z", 4)}) {
      const std::string in = gz + tail;  // memory_source does not copy: keep the bytes alive
      auto src = auto_decompress(memory_source(in));
      drained d = drain(*src, 4096);
      CHECK(d.err.code == errc::gzip_error);
      CHECK(d.err.detail == "trailing garbage after gzip stream");
      CHECK(d.data == data);  // everything before the garbage came out
    }
  }
  SUBCASE("a second member that is not gzip") {
    const std::string in = gz + "\x1f\x00 not gzip";
    auto src = auto_decompress(memory_source(in));
    drained d = drain(*src, 4096);
    CHECK(d.err.code == errc::gzip_error);
    CHECK(d.data == data);
  }
}

TEST_CASE("truncated gzip is a gzip_error") {
  const std::string data = test_data(100000, 9);
  const std::string gz = gzip(data);
  const std::string two = gz + gzip("tail");
  struct cut {
    const std::string* in;
    std::size_t len;
  };
  const std::vector<cut> cuts = {{&gz, 2},           {&gz, 5},          {&gz, 10},
                                 {&gz, 11},          {&gz, gz.size() / 2}, {&gz, gz.size() - 8},
                                 {&gz, gz.size() - 1}, {&two, gz.size() + 2}, {&two, two.size() - 1}};
  for (const cut& c : cuts) {
    CAPTURE(c.len);
    const std::string in = c.in->substr(0, c.len);
    for (std::size_t step : {std::size_t{1}, std::size_t{1} << 20}) {
      auto src = auto_decompress(std::make_unique<trickle_source>(in, step));
      drained d = drain(*src, 4096);
      CHECK(d.err.code == errc::gzip_error);
      CHECK(d.err.detail == "truncated gzip stream");
      CHECK((data + "tail").compare(0, d.data.size(), d.data) == 0);
      char buf[8];
      result<std::size_t> again = src->read(buf, sizeof buf);  // the error is sticky
      REQUIRE_FALSE(again.has_value());
      CHECK(again.error().code == errc::gzip_error);
      CHECK(again.error().detail == "truncated gzip stream");
    }
  }
}

TEST_CASE("corrupt gzip is a gzip_error") {
  const std::string data = test_data(200000, 13);
  const std::string gz = gzip(data);
  SUBCASE("flipped bytes in the deflate body") {
    for (std::size_t at : {std::size_t{12}, std::size_t{100}, gz.size() / 3, gz.size() / 2, gz.size() - 20}) {
      CAPTURE(at);
      std::string bad = gz;
      bad[at] = static_cast<char>(bad[at] ^ 0x5a);
      bad[at + 1] = static_cast<char>(bad[at + 1] ^ 0xff);
      auto src = auto_decompress(memory_source(bad));
      drained d = drain(*src, 65536);
      CHECK(d.err.code == errc::gzip_error);
      CHECK_FALSE(d.err.detail.empty());
      char buf[8];
      result<std::size_t> again = src->read(buf, sizeof buf);
      REQUIRE_FALSE(again.has_value());
      CHECK(again.error().code == errc::gzip_error);
      CHECK(again.error().detail == d.err.detail);
    }
  }
  SUBCASE("CRC mismatch") {
    std::string bad = gz;
    bad[gz.size() - 8] = static_cast<char>(bad[gz.size() - 8] ^ 1);
    auto src = auto_decompress(memory_source(bad));
    drained d = drain(*src, 65536);
    CHECK(d.err.code == errc::gzip_error);
    CHECK(d.err.detail == "incorrect data check");
    CHECK(d.data == data);  // the data came out before the trailer was checked
  }
  SUBCASE("length mismatch") {
    std::string bad = gz;
    bad[gz.size() - 4] = static_cast<char>(bad[gz.size() - 4] ^ 1);
    auto src = auto_decompress(memory_source(bad));
    drained d = drain(*src, 65536);
    CHECK(d.err.code == errc::gzip_error);
    CHECK(d.err.detail == "incorrect length check");
  }
  SUBCASE("bad header") {
    std::string bad = gz;
    bad[2] = 7;  // compression method
    auto src = auto_decompress(memory_source(bad));
    drained d = drain(*src, 65536);
    CHECK(d.err.code == errc::gzip_error);
    CHECK(d.err.detail == "unknown compression method");
    CHECK(d.data.empty());
  }
}

TEST_CASE("gzip bomb streams through a small buffer") {
  // 200 MB of zeros, compressed by streaming deflate to about 200 KB.
  constexpr std::size_t total = std::size_t{200} << 20;
  std::string gz;
  {
    const std::vector<char> zeros(std::size_t{1} << 20, '\0');
    std::vector<char> out(std::size_t{1} << 16);
    z_stream zs{};
    REQUIRE(deflate_init_gzip(zs, 9) == Z_OK);
    for (std::size_t fed = 0; fed < total; fed += zeros.size()) {
      zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(zeros.data()));
      zs.avail_in = static_cast<uInt>(zeros.size());
      const int flush = fed + zeros.size() >= total ? Z_FINISH : Z_NO_FLUSH;
      int rc = Z_OK;
      do {
        zs.next_out = reinterpret_cast<Bytef*>(out.data());
        zs.avail_out = static_cast<uInt>(out.size());
        rc = deflate(&zs, flush);
        REQUIRE((rc == Z_OK || rc == Z_STREAM_END || rc == Z_BUF_ERROR));
        gz.append(out.data(), out.size() - zs.avail_out);
      } while (zs.avail_out == 0 || (flush == Z_FINISH && rc != Z_STREAM_END));
    }
    deflateEnd(&zs);
  }
  CHECK(gz.size() < std::size_t{1} << 20);

  auto src = auto_decompress(memory_source(gz));
  std::vector<char> buf(std::size_t{64} << 10);
  std::uint64_t got = 0;
  std::size_t reads = 0;
  bool all_zero = true;
  std::uint64_t last_pos = 0;
  bool monotonic = true;
  for (;;) {
    result<std::size_t> r = src->read(buf.data(), buf.size());
    REQUIRE(r.has_value());
    if (*r == 0) break;
    REQUIRE(*r <= buf.size());
    ++reads;
    got += *r;
    if (std::any_of(buf.data(), buf.data() + *r, [](char c) { return c != 0; })) all_zero = false;
    if (src->position() < last_pos) monotonic = false;
    last_pos = src->position();
  }
  CHECK(got == total);
  CHECK(all_zero);
  CHECK(reads >= total / buf.size());
  CHECK(monotonic);
  CHECK(src->position() == gz.size());
  CHECK(src->size() == gz.size());
}
