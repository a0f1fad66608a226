# SPDX-License-Identifier: Apache-2.0
# Find module for RE2, installed with k8saudit's CMake package (a static libk8saudit links it).
# Defines re2::re2: from RE2's own CMake package where there is one, else from its pkg-config file
# (Debian's libre2-dev ships only re2.pc).
include(FindPackageHandleStandardArgs)
if(NOT TARGET re2::re2)
  find_package(re2 CONFIG QUIET)
endif()
if(NOT TARGET re2::re2)
  include("${CMAKE_CURRENT_LIST_DIR}/k8saudit_pkgconfig.cmake")
  k8saudit_import_pkgconfig(re2::re2 re2)
endif()
if(TARGET re2::re2)
  set(_k8saudit_re2_target re2::re2)
endif()
find_package_handle_standard_args(re2 REQUIRED_VARS _k8saudit_re2_target)
unset(_k8saudit_re2_target)
