// SPDX-License-Identifier: Apache-2.0
// Errors as values.
//
//   k8saudit::result<k8saudit::event> r = parser.parse(json);
//   if (!r) { std::string m = k8saudit::message(r.error()); ... }
//
// Nothing in k8saudit throws on a hot path, aborts or prints: every failure is an `error`
// carrying its code, where it happened (line, byte offset) and which field was at fault.
#pragma once

#include <cstdint>
#include <new>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "k8saudit/export.h"

namespace k8saudit {

/// What went wrong. Stable numbering: new codes are appended.
enum class errc : std::uint8_t {
  ok = 0,
  invalid_json,        ///< the record is not valid JSON
  invalid_utf8,        ///< the record holds bytes that are not UTF-8
  invalid_string,      ///< a malformed escape or an unpaired surrogate
  wrong_type,          ///< a known field has the wrong JSON type (e.g. a number where a string is expected)
  number_out_of_range, ///< a number does not fit the field (e.g. responseStatus.code)
  bad_timestamp,       ///< a timestamp that is not RFC 3339
  depth_exceeded,      ///< nesting deeper than the parser's limit
  record_too_large,    ///< a record longer than reader_options::max_record_size
  truncated_record,    ///< the input ended inside a record
  trailing_content,    ///< something after the end of the JSON document on the same record
  format_mismatch,     ///< the record does not have the forced input format's shape
  bad_envelope,        ///< an envelope (AKS record, Log Analytics row) whose audit payload is unusable
  io_error,            ///< reading the input failed
  gzip_error,          ///< a corrupt or truncated gzip stream
  out_of_memory,       ///< an allocation failed
};

/// A short, stable, lower-case name for a code ("invalid_json"), used as a JSON key.
K8SAUDIT_API std::string_view name(errc code) noexcept;

/// A failure with its place. `line` is 1-based (0 = unknown); `offset` is the byte offset of the
/// record's start in the (decompressed) input; `field` is the audit field path at fault
/// ("stageTimestamp", "properties.log") or empty. `detail` is a static string with more words.
struct error {
  errc code{errc::ok};
  std::uint64_t line{0};
  std::uint64_t offset{0};
  std::string_view field{};   ///< static storage: always valid
  std::string_view detail{};  ///< static storage: always valid

  constexpr explicit operator bool() const noexcept { return code != errc::ok; }
};

/// A readable one-line message: "invalid_json at line 3 (offset 120), field 'verb': ...".
K8SAUDIT_API std::string message(const error& e);

/// Tag for constructing a failed result, spelled like std::unexpected:
/// `return k8saudit::unexpected(errc::wrong_type, "verb");` or `return unexpected(my_error);`.
template <class E = error>
struct unexpected {
  E value;
  constexpr explicit unexpected(E e) noexcept(std::is_nothrow_move_constructible_v<E>) : value(std::move(e)) {}
  constexpr explicit unexpected(errc c, std::string_view field = {}, std::string_view detail = {}) noexcept
    requires std::is_same_v<E, error>
      : value{c, 0, 0, field, detail} {}
};
unexpected(errc) -> unexpected<error>;
unexpected(errc, std::string_view) -> unexpected<error>;
unexpected(errc, std::string_view, std::string_view) -> unexpected<error>;
template <class E>
unexpected(E) -> unexpected<E>;

/// `result<T, E>`: a T or an E (by default an `error`), with std::expected's spelling
/// (has_value, value, error, operator*, operator->). Accessing the wrong alternative is a
/// precondition violation.
template <class T, class E = error>
class [[nodiscard]] result {
 public:
  using value_type = T;
  using error_type = E;
  result() noexcept(std::is_nothrow_default_constructible_v<T>) : ok_(true) { ::new (&val_) T(); }
  result(T v) noexcept(std::is_nothrow_move_constructible_v<T>) : ok_(true) { ::new (&val_) T(std::move(v)); }
  result(unexpected<E> u) noexcept(std::is_nothrow_move_constructible_v<E>) : ok_(false) {
    ::new (&err_) E(std::move(u.value));
  }
  result(const result& o) : ok_(o.ok_) {
    if (ok_) ::new (&val_) T(o.val_); else ::new (&err_) E(o.err_);
  }
  result(result&& o) noexcept(std::is_nothrow_move_constructible_v<T> && std::is_nothrow_move_constructible_v<E>)
      : ok_(o.ok_) {
    if (ok_) ::new (&val_) T(std::move(o.val_)); else ::new (&err_) E(std::move(o.err_));
  }
  result& operator=(result o) noexcept(std::is_nothrow_move_constructible_v<T> && std::is_nothrow_move_constructible_v<E>) {
    this->~result();
    ::new (this) result(std::move(o));
    return *this;
  }
  ~result() {
    if (ok_) val_.~T(); else err_.~E();
  }

  [[nodiscard]] bool has_value() const noexcept { return ok_; }
  explicit operator bool() const noexcept { return ok_; }
  T& value() & noexcept { return val_; }
  const T& value() const& noexcept { return val_; }
  T&& value() && noexcept { return std::move(val_); }
  T& operator*() & noexcept { return val_; }
  const T& operator*() const& noexcept { return val_; }
  T* operator->() noexcept { return &val_; }
  const T* operator->() const noexcept { return &val_; }
  [[nodiscard]] const E& error() const noexcept { return err_; }

 private:
  bool ok_;
  union {
    T val_;
    E err_;
  };
};

/// `result<void>`: success or an error.
template <>
class [[nodiscard]] result<void, k8saudit::error> {
 public:
  result() noexcept = default;
  result(unexpected<k8saudit::error> u) noexcept : err_(u.value) {}
  [[nodiscard]] bool has_value() const noexcept { return !err_; }
  explicit operator bool() const noexcept { return !err_; }
  [[nodiscard]] const k8saudit::error& error() const noexcept { return err_; }

 private:
  k8saudit::error err_{};
};

}  // namespace k8saudit
