# SPDX-License-Identifier: Apache-2.0
# Imported targets for dependencies that ship only a pkg-config file (Debian's re2 and xxhash).
#
# k8saudit_import_pkgconfig(<target> <module>)
#   Defines the INTERFACE IMPORTED target <target> (e.g. re2::re2) from the pkg-config module
#   <module> (e.g. re2) when pkg-config finds it, and sets K8SAUDIT_PKGCONFIG_VERSION to the
#   module's version. Leaves <target> undefined otherwise.
#
# The build (k8saudit_require in k8saudit_deps.cmake) and the installed package (Findre2.cmake and
# Findxxhash.cmake, used by k8sauditConfig.cmake) both create the targets here, so a static
# libk8saudit's exported link interface names the same targets in both places. The target is a
# real imported target, not an ALIAS: install(EXPORT) writes an alias's aliased name, which would
# be the pkg-config helper target below, an implementation detail.
include_guard(GLOBAL)

function(k8saudit_import_pkgconfig target module)
  set(K8SAUDIT_PKGCONFIG_VERSION "" PARENT_SCOPE)
  if(TARGET ${target})
    return()
  endif()
  find_package(PkgConfig QUIET)
  if(NOT PKG_CONFIG_FOUND)
    return()
  endif()
  string(MAKE_C_IDENTIFIER "k8saudit_pc_${module}" prefix)
  pkg_check_modules(${prefix} QUIET IMPORTED_TARGET ${module})
  if(NOT TARGET PkgConfig::${prefix})
    return()
  endif()
  add_library(${target} INTERFACE IMPORTED)
  set_target_properties(${target} PROPERTIES INTERFACE_LINK_LIBRARIES PkgConfig::${prefix})
  set(K8SAUDIT_PKGCONFIG_VERSION "${${prefix}_VERSION}" PARENT_SCOPE)
endfunction()
