# SPDX-License-Identifier: Apache-2.0
# Library hygiene: the built library never ends the process and never prints.
#   cmake -DNM=<nm> -DLIBRARY=<libk8saudit.a|libk8saudit.so> [-DASSERTS=ON|OFF] [-DNO_EXCEPTIONS=ON|OFF]
#         -P check_hygiene.cmake
#
# It lists what the library's code references (`nm -u`: the symbols it calls or reads, including
# the inline code of simdjson, yaml-cpp, RE2 and libstdc++ headers compiled into it) and fails on:
#
#   ends the process    abort exit _exit _Exit quick_exit
#   prints              the iostream globals (std::cout, std::cerr, std::clog and the wide ones) and
#                       std::ios_base::Init (a translation unit includes <iostream>); stdout and
#                       stderr; printf, puts, perror, fprintf, fputs, fputc, putc, fwrite, dprintf,
#                       their _chk/_unlocked/v variants, err/warn/error(3)
#   asserts             __assert_fail and friends, unless ASSERTS=ON (see below)
#
# The library writes into the caller's std::string, returns every failure as an `error`, and
# reads files with open/read/fread; it has no reason to reference any of these. Matching is by
# exact symbol name: UBSan's __ubsan_handle_*_abort and ASan's hooks in a sanitizer build are
# not the library calling abort().
#
# Allowed, and why (what a Release, RelWithDebInfo or Debug build on Debian 12 references today):
#   std::terminate       The language's own: clang calls it (through __clang_call_terminate) when
#                        an exception leaves a noexcept function, and std::thread's destructor and
#                        move assignment call it on a joinable thread (parallel.cpp joins every
#                        thread it starts). Not a way the library reports anything.
#   std::__throw_*       libstdc++'s out-of-line throwers behind its inline container code
#                        (bad_alloc, length_error, out_of_range, bad_function_call, system_error
#                        from std::thread): they throw; they neither print nor abort. In a
#                        -fno-exceptions program an exception thrown there ends in std::terminate:
#                        out of memory is then fatal, as it is for such programs anyway.
#   __cxa_throw & co.    exceptions: yaml-cpp reports YAML errors by throwing, and policy.cpp
#                        catches them all at policy::load()'s boundary; parallel.cpp carries an
#                        exception thrown by the caller's callback back to the caller. With
#                        NO_EXCEPTIONS=ON (K8SAUDIT_NO_EXCEPTIONS) and a static library, the
#                        exception-handling symbols may appear in policy.cpp's object only.
#   __assert_fail        with ASSERTS=ON only, i.e. in a build without NDEBUG (Debug): simdjson's
#                        SIMDJSON_ASSUME and SIMDJSON_DEVELOPMENT_ASSERT are assert() there. With
#                        NDEBUG (Release, RelWithDebInfo, MinSizeRel) they compile to nothing and
#                        the library must reference no assert at all.
#   snprintf             formats into a buffer (aggregate.cpp's timespan cells); prints nothing.
#   std::ostream inserts libstdc++'s stream code used by std::stringstream (yaml-cpp's conversions
#                        in policy.cpp); never reaches a standard stream (std::cout & co. are
#                        forbidden above).
cmake_minimum_required(VERSION 3.25)
if(NOT NM OR NOT LIBRARY)
  message(FATAL_ERROR "usage: cmake -DNM=<nm> -DLIBRARY=<library> [-DASSERTS=ON] [-DNO_EXCEPTIONS=ON] -P check_hygiene.cmake")
endif()

set(forbidden_exit abort exit _exit _Exit quick_exit)
set(forbidden_print
  "std::cout" "std::cerr" "std::clog" "std::wcout" "std::wcerr" "std::wclog" "std::ios_base::Init::Init()"
  stdout stderr _IO_2_1_stdout_ _IO_2_1_stderr_
  printf vprintf __printf_chk __vprintf_chk
  puts putchar putchar_unlocked perror
  fprintf vfprintf __fprintf_chk __vfprintf_chk
  dprintf vdprintf __dprintf_chk __vdprintf_chk
  fputs fputs_unlocked fputc fputc_unlocked putc putc_unlocked _IO_putc fputwc fputws putwc
  fwrite fwrite_unlocked
  err errx verr verrx warn warnx vwarn vwarnx error error_at_line psignal psiginfo)
set(forbidden_assert __assert_fail __assert_perror_fail __assert __assert_rtn)
set(eh_symbols __cxa_throw __cxa_rethrow __cxa_begin_catch __cxa_end_catch __cxa_allocate_exception
  __cxa_free_exception __gxx_personality_v0 _Unwind_Resume)

get_filename_component(libname "${LIBRARY}" NAME)
if(libname MATCHES "\\.a$")
  set(nm_args -A -C -u)
else()
  set(nm_args -A -C -u -D)  # a shared library: its dynamic symbols (what it imports)
endif()
execute_process(COMMAND ${NM} ${nm_args} ${LIBRARY}
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${NM} ${nm_args} ${LIBRARY} failed: ${err}")
endif()
string(REPLACE ";" "\\;" out "${out}")
string(REPLACE "\n" ";" lines "${out}")

set(findings "")
set(allowed_seen "")
set(count 0)
foreach(line IN LISTS lines)
  # "<library>[:<member.o>]:<spaces>U <name>" (or w for a weak reference)
  if(NOT line MATCHES "^(.*):[ \t]+[Uw] (.+)$")
    continue()
  endif()
  set(where "${CMAKE_MATCH_1}")
  set(name "${CMAKE_MATCH_2}")
  string(REGEX REPLACE "@.*$" "" name "${name}")  # abort@GLIBC_2.2.5
  string(REGEX REPLACE "^.*:" "" member "${where}")
  math(EXPR count "${count} + 1")
  set(why "")
  if(name IN_LIST forbidden_exit)
    set(why "ends the process")
  elseif(name STREQUAL "std::ios_base::Init::Init()")
    set(why "includes <iostream> (the standard streams' static initialisation)")
  elseif(name IN_LIST forbidden_print)
    set(why "prints")
  elseif(name IN_LIST forbidden_assert)
    if(ASSERTS)
      list(APPEND allowed_seen "${name} (assertions on: no NDEBUG)")
    else()
      set(why "an assert() compiled in although NDEBUG is defined")
    endif()
  elseif(name IN_LIST eh_symbols AND NO_EXCEPTIONS AND libname MATCHES "\\.a$" AND NOT member MATCHES "^policy\\.cpp\\.o")
    set(why "exception handling outside policy.cpp in a -fno-exceptions build")
  elseif(name STREQUAL "std::terminate()" OR name MATCHES "^std::__throw_")
    list(APPEND allowed_seen "${name}")
  endif()
  if(why)
    list(APPEND findings "${member}: ${name}: ${why}")
  endif()
endforeach()

if(count EQUAL 0)
  message(FATAL_ERROR "${NM} listed no undefined symbol in ${LIBRARY}: is it the library?")
endif()
list(REMOVE_DUPLICATES findings)
list(REMOVE_DUPLICATES allowed_seen)
list(LENGTH findings nfindings)
if(nfindings GREATER 0)
  list(JOIN findings "\n  " findings)
  message(FATAL_ERROR "${LIBRARY} references ${nfindings} forbidden symbols (see tests/check_hygiene.cmake):\n  ${findings}")
endif()
list(JOIN allowed_seen ", " allowed_seen)
message(STATUS "${libname}: ${count} references, none forbidden; allowed and present: ${allowed_seen}")
