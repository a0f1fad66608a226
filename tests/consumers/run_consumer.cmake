# SPDX-License-Identifier: Apache-2.0
# Runs one consumer test: builds a tiny project that uses k8saudit the way a user would, runs it
# and checks that it printed the verb of the event it parsed. Registered by tests/CMakeLists.txt:
#
#   cmake -DCONSUMER=<kind> -DSOURCE_DIR=<k8saudit source> -DBINARY_DIR=<k8saudit build>
#         -DWORK_DIR=<scratch dir> -DGENERATOR=... -DCXX_COMPILER=... [more, see below]
#         -P run_consumer.cmake
#
# CONSUMER:
#   install           stages `cmake --install BINARY_DIR --prefix STAGE_DIR` (a fixture for the next two)
#   find_package      find_package(k8saudit) against STAGE_DIR (consumers/find_package)
#   pkgconfig         compiles consumers/main.cpp with `pkg-config --cflags --libs k8saudit`
#                     against STAGE_DIR (--static for a static library)
#   build_tree        find_package(k8saudit) with k8saudit_DIR=BINARY_DIR (consumers/find_package)
#   add_subdirectory  add_subdirectory(SOURCE_DIR) (consumers/add_subdirectory): rebuilds the library
#   fetchcontent      FetchContent from a file:// archive of SOURCE_DIR (consumers/fetchcontent):
#                     rebuilds the library
#
# The consumer is configured with the same generator, compiler, build type and flags as k8saudit's
# build. Any CMake warning or compiler warning fails the test.
cmake_minimum_required(VERSION 3.25)

foreach(var CONSUMER SOURCE_DIR BINARY_DIR WORK_DIR GENERATOR CXX_COMPILER)
  if(NOT DEFINED ${var} OR "${${var}}" STREQUAL "")
    message(FATAL_ERROR "run_consumer.cmake: -D${var}=... is required")
  endif()
endforeach()
set(here "${CMAKE_CURRENT_LIST_DIR}")
string(TIMESTAMP started "%s")

function(run)
  cmake_parse_arguments(ARG "" "WORKING_DIRECTORY;OUTPUT" "COMMAND" ${ARGN})
  string(REPLACE ";" " " pretty "${ARG_COMMAND}")
  message(STATUS "consumer: ${pretty}")
  if(NOT ARG_WORKING_DIRECTORY)
    set(ARG_WORKING_DIRECTORY "${WORK_DIR}")
  endif()
  execute_process(COMMAND ${ARG_COMMAND} WORKING_DIRECTORY "${ARG_WORKING_DIRECTORY}"
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "consumer: failed (${rc}): ${pretty}\n${out}\n${err}")
  endif()
  if(out MATCHES "CMake (Deprecation )?Warning" OR err MATCHES "CMake (Deprecation )?Warning"
     OR out MATCHES "[Ww]arning: " OR err MATCHES "[Ww]arning: ")
    message(FATAL_ERROR "consumer: warnings from: ${pretty}\n${out}\n${err}")
  endif()
  if(ARG_OUTPUT)
    set(${ARG_OUTPUT} "${out}${err}" PARENT_SCOPE)
  endif()
endfunction()

set(config_args "")
if(CONFIG)
  set(config_args --config ${CONFIG})
endif()

# --- a staged install --------------------------------------------------------------------------------
if(CONSUMER STREQUAL "install")
  file(REMOVE_RECURSE "${STAGE_DIR}")
  file(MAKE_DIRECTORY "${WORK_DIR}")
  run(COMMAND ${CMAKE_COMMAND} --install "${BINARY_DIR}" --prefix "${STAGE_DIR}" ${config_args})
  file(GLOB_RECURSE installed RELATIVE "${STAGE_DIR}" "${STAGE_DIR}/*")
  foreach(expected include/k8saudit/k8saudit.h include/k8saudit/export.h include/k8saudit/detail/source.h
                   cmake/k8saudit/k8sauditConfig.cmake cmake/k8saudit/k8sauditConfigVersion.cmake
                   cmake/k8saudit/k8sauditTargets.cmake pkgconfig/k8saudit.pc)
    if(NOT installed MATCHES "(^|;)([^;]*/)?${expected}(;|$)")
      message(FATAL_ERROR "consumer: the install has no ${expected}:\n${installed}")
    endif()
  endforeach()
  return()
endif()

file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")

# --- pkg-config: no CMake on the consumer's side -----------------------------------------------------
if(CONSUMER STREQUAL "pkgconfig")
  if(NOT PKG_CONFIG_EXECUTABLE)
    message(FATAL_ERROR "consumer: -DPKG_CONFIG_EXECUTABLE=... is required")
  endif()
  file(GLOB_RECURSE pc RELATIVE "${STAGE_DIR}" "${STAGE_DIR}/*/pkgconfig/k8saudit.pc")
  get_filename_component(pcdir "${STAGE_DIR}/${pc}" DIRECTORY)
  get_filename_component(libdir "${pcdir}" DIRECTORY)
  set(ENV{PKG_CONFIG_PATH} "${pcdir}")
  set(static_arg --static)
  if(SHARED)
    set(static_arg "")
  endif()
  run(COMMAND ${PKG_CONFIG_EXECUTABLE} --modversion k8saudit OUTPUT version)
  string(STRIP "${version}" version)
  if(NOT version STREQUAL EXPECTED_VERSION)
    message(FATAL_ERROR "consumer: pkg-config says k8saudit ${version}, expected ${EXPECTED_VERSION}")
  endif()
  run(COMMAND ${PKG_CONFIG_EXECUTABLE} --cflags --libs ${static_arg} k8saudit OUTPUT flags)
  string(STRIP "${flags}" flags)
  message(STATUS "consumer: pkg-config --cflags --libs ${static_arg} k8saudit: ${flags}")
  separate_arguments(flags UNIX_COMMAND "${flags}")
  separate_arguments(cxx_flags UNIX_COMMAND "${CXX_FLAGS}")
  set(rpath "")
  if(SHARED)
    set(rpath "-Wl,-rpath,${libdir}")
  endif()
  run(COMMAND "${CXX_COMPILER}" ${cxx_flags} -std=c++20 -Wall -Wextra -Werror
    "${here}/main.cpp" ${flags} ${rpath} -o "${WORK_DIR}/consumer")
  set(exe "${WORK_DIR}/consumer")
else()
  # --- CMake consumers -----------------------------------------------------------------------------
  set(configure_args -G "${GENERATOR}" -DCMAKE_CXX_COMPILER=${CXX_COMPILER}
    "-DCMAKE_CXX_FLAGS=${CXX_FLAGS}" "-DCMAKE_EXE_LINKER_FLAGS=${EXE_LINKER_FLAGS}"
    -DCMAKE_FIND_PACKAGE_NO_PACKAGE_REGISTRY=ON -DCMAKE_EXPORT_COMPILE_COMMANDS=ON)
  foreach(pass MAKE_PROGRAM BUILD_TYPE GENERATOR_PLATFORM GENERATOR_TOOLSET)
    if(${pass})
      list(APPEND configure_args "-DCMAKE_${pass}=${${pass}}")
    endif()
  endforeach()
  if(CONSUMER STREQUAL "find_package")
    set(project find_package)
    list(APPEND configure_args "-DCMAKE_PREFIX_PATH=${STAGE_DIR}")
    set(expected_dir "${STAGE_DIR}/")
  elseif(CONSUMER STREQUAL "build_tree")
    set(project find_package)
    list(APPEND configure_args "-Dk8saudit_DIR=${BINARY_DIR}")
    set(expected_dir "${BINARY_DIR}")
  elseif(CONSUMER STREQUAL "add_subdirectory")
    set(project add_subdirectory)
    list(APPEND configure_args "-DK8SAUDIT_SOURCE_DIR=${SOURCE_DIR}" "-DBUILD_SHARED_LIBS=${SHARED}")
  elseif(CONSUMER STREQUAL "fetchcontent")
    set(project fetchcontent)
    # An archive of what a release tarball must hold to build the library (no tests, no build dirs).
    set(archive "${WORK_DIR}/k8saudit-src.tar.gz")
    run(COMMAND ${CMAKE_COMMAND} -E tar czf "${archive}" CMakeLists.txt LICENSE cmake include src
      WORKING_DIRECTORY "${SOURCE_DIR}")
    file(SHA256 "${archive}" sha256)
    file(TO_CMAKE_PATH "${archive}" archive_path)
    list(APPEND configure_args "-DK8SAUDIT_URL=file://${archive_path}" "-DK8SAUDIT_URL_HASH=${sha256}"
      "-DBUILD_SHARED_LIBS=${SHARED}")
  else()
    message(FATAL_ERROR "consumer: unknown CONSUMER '${CONSUMER}'")
  endif()

  run(COMMAND ${CMAKE_COMMAND} -S "${here}/${project}" -B "${WORK_DIR}/build" ${configure_args}
    OUTPUT configure_output)
  if(expected_dir)
    string(REGEX MATCH "consumer: k8saudit [0-9.]+ from ([^\n]*)" _ "${configure_output}")
    string(FIND "${CMAKE_MATCH_1}" "${expected_dir}" at)
    if(NOT at EQUAL 0)
      message(FATAL_ERROR "consumer: k8saudit was found in '${CMAKE_MATCH_1}', not under ${expected_dir}")
    endif()
  endif()
  if(CONSUMER STREQUAL "add_subdirectory")
    # The parent's simdjson, re2::re2 and xxhash::xxhash were reused: k8saudit looked none up.
    if(configure_output MATCHES "k8saudit: (simdjson|re2|xxhash) ")
      message(FATAL_ERROR "consumer: k8saudit looked up a dependency the parent already had:\n${configure_output}")
    endif()
  endif()
  run(COMMAND ${CMAKE_COMMAND} --build "${WORK_DIR}/build" ${config_args})

  # k8saudit's include directory reaches the consumer as a system directory (-isystem).
  if(EXISTS "${WORK_DIR}/build/compile_commands.json")
    file(READ "${WORK_DIR}/build/compile_commands.json" commands)
    string(REGEX MATCH "\"command\": \"[^\"]*main\\.cpp[^\n]*" main_command "${commands}")
    if(NOT main_command MATCHES "-isystem [^ ]*/include( |\")")
      message(FATAL_ERROR "consumer: main.cpp is not compiled with k8saudit's headers as system headers:\n${main_command}")
    endif()
  endif()
  set(exe "${WORK_DIR}/build/bin/consumer")
endif()

run(COMMAND "${exe}" OUTPUT output)
if(NOT output MATCHES "^verb: delete \\(k8saudit ${EXPECTED_VERSION}\\)")
  message(FATAL_ERROR "consumer: unexpected output: ${output}")
endif()
string(TIMESTAMP finished "%s")
math(EXPR seconds "${finished} - ${started}")
message(STATUS "consumer ${CONSUMER}: ${output}consumer ${CONSUMER}: passed in ${seconds} s")
