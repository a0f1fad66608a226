// SPDX-License-Identifier: Apache-2.0
#include "k8saudit/error.h"

#include <string>

namespace k8saudit {

std::string_view name(errc code) noexcept {
  switch (code) {
    case errc::ok: return "ok";
    case errc::invalid_json: return "invalid_json";
    case errc::invalid_utf8: return "invalid_utf8";
    case errc::invalid_string: return "invalid_string";
    case errc::wrong_type: return "wrong_type";
    case errc::number_out_of_range: return "number_out_of_range";
    case errc::bad_timestamp: return "bad_timestamp";
    case errc::depth_exceeded: return "depth_exceeded";
    case errc::record_too_large: return "record_too_large";
    case errc::truncated_record: return "truncated_record";
    case errc::trailing_content: return "trailing_content";
    case errc::format_mismatch: return "format_mismatch";
    case errc::bad_envelope: return "bad_envelope";
    case errc::io_error: return "io_error";
    case errc::gzip_error: return "gzip_error";
    case errc::out_of_memory: return "out_of_memory";
  }
  return "unknown_error";
}

std::string message(const error& e) {
  std::string out(name(e.code));
  if (e.line != 0) {
    out += " at line ";
    out += std::to_string(e.line);
    out += " (offset ";
    out += std::to_string(e.offset);
    out += ')';
  } else if (e.offset != 0) {
    out += " at offset ";
    out += std::to_string(e.offset);
  }
  if (!e.field.empty()) {
    out += ", field '";
    out += e.field;
    out += '\'';
  }
  if (!e.detail.empty()) {
    out += ": ";
    out += e.detail;
  }
  return out;
}

}  // namespace k8saudit
