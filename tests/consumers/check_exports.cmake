# SPDX-License-Identifier: Apache-2.0
# Checks that a shared libk8saudit exports k8saudit:: symbols only:
#   cmake -DNM=<nm> -DLIBRARY=<libk8saudit.so> -P check_exports.cmake
# Allowed: functions, data, typeinfo and vtables of namespace k8saudit (demangled, `nm -D -C`).
# Anything else (simdjson::, re2::, YAML::, XXH*, std:: template instantiations ...) is a leak.
cmake_minimum_required(VERSION 3.25)
execute_process(COMMAND ${NM} -D -C --defined-only ${LIBRARY}
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${NM} failed: ${err}")
endif()
string(REPLACE ";" "\\;" out "${out}")
string(REPLACE "\n" ";" lines "${out}")
set(leaks "")
set(count 0)
foreach(line IN LISTS lines)
  if(line STREQUAL "")
    continue()
  endif()
  # "<address> <type> <name>"
  if(NOT line MATCHES "^[0-9a-fA-F]+ ([A-Za-z]) (.*)$")
    list(APPEND leaks "unparsed: ${line}")
    continue()
  endif()
  set(name "${CMAKE_MATCH_2}")
  math(EXPR count "${count} + 1")
  # The linker's own version/section symbols.
  if(name MATCHES "^(_init|_fini|_edata|_end|__bss_start)$")
    continue()
  endif()
  if(name MATCHES "^(typeinfo for |typeinfo name for |vtable for |VTT for |guard variable for )?k8saudit::")
    continue()
  endif()
  list(APPEND leaks "${line}")
endforeach()
list(LENGTH leaks nleaks)
if(nleaks GREATER 0)
  list(JOIN leaks "\n  " leaks)
  message(FATAL_ERROR "${LIBRARY} exports ${nleaks} symbols outside k8saudit::\n  ${leaks}")
endif()
message(STATUS "${LIBRARY}: ${count} exported symbols, all k8saudit::")
