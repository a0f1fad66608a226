# SPDX-License-Identifier: Apache-2.0
# Find module for xxHash, installed with k8saudit's CMake package (a static libk8saudit links it).
# Defines xxhash::xxhash: from a CMake package named xxhash where there is one, else from the
# pkg-config file libxxhash (Debian's libxxhash-dev ships only libxxhash.pc).
include(FindPackageHandleStandardArgs)
if(NOT TARGET xxhash::xxhash)
  find_package(xxhash CONFIG QUIET)
endif()
if(NOT TARGET xxhash::xxhash)
  include("${CMAKE_CURRENT_LIST_DIR}/k8saudit_pkgconfig.cmake")
  k8saudit_import_pkgconfig(xxhash::xxhash libxxhash)
endif()
if(TARGET xxhash::xxhash)
  set(_k8saudit_xxhash_target xxhash::xxhash)
endif()
find_package_handle_standard_args(xxhash REQUIRED_VARS _k8saudit_xxhash_target)
unset(_k8saudit_xxhash_target)
