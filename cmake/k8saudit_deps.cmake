# SPDX-License-Identifier: Apache-2.0
# One find-or-fetch helper for every dependency.
#
# k8saudit_require(<package> TARGET <imported-target> [VERSION <min>] [DEBIAN <package>]
#                  [PKGCONFIG <module>] [URL <archive> SHA256 <hash>] [OPTIONS <cache-var=value>...])
#
# Order: 1. the parent already defines TARGET (add_subdirectory/FetchContent users): reused as is;
#        2. find_package(<package> CONFIG) (Debian packages, vcpkg, a staged install), then the
#           pkg-config file PKGCONFIG names when there is one;
#        3. a pinned, hash-checked FetchContent when K8SAUDIT_ALLOW_FETCH is ON;
#        4. a clear error naming the Debian package to install.
include_guard(GLOBAL)
include(FetchContent)
include(${CMAKE_CURRENT_LIST_DIR}/k8saudit_pkgconfig.cmake)

function(k8saudit_require package)
  cmake_parse_arguments(ARG "" "TARGET;VERSION;URL;SHA256;DEBIAN;PKGCONFIG" "OPTIONS" ${ARGN})
  if(TARGET ${ARG_TARGET})
    return()
  endif()
  find_package(${package} ${ARG_VERSION} CONFIG QUIET)
  if(TARGET ${ARG_TARGET})
    message(STATUS "k8saudit: ${package} ${${package}_VERSION} from ${${package}_DIR}")
    return()
  endif()
  if(ARG_PKGCONFIG)
    # Some packages (Debian's RE2 and xxHash) ship only a pkg-config file. The installed
    # k8sauditConfig.cmake recreates the same target the same way (Find<package>.cmake).
    k8saudit_import_pkgconfig(${ARG_TARGET} ${ARG_PKGCONFIG})
    if(TARGET ${ARG_TARGET})
      message(STATUS "k8saudit: ${package} ${K8SAUDIT_PKGCONFIG_VERSION} from pkg-config")
      return()
    endif()
  endif()
  if(K8SAUDIT_ALLOW_FETCH AND ARG_URL AND NOT ARG_SHA256)
    message(FATAL_ERROR "k8saudit: no pinned SHA256 is recorded for ${package} yet, so it is not "
      "downloaded; install the Debian package '${ARG_DEBIAN}' or point CMAKE_PREFIX_PATH at an install.")
  endif()
  if(K8SAUDIT_ALLOW_FETCH AND ARG_URL)
    message(STATUS "k8saudit: fetching ${package} from ${ARG_URL}")
    foreach(opt IN LISTS ARG_OPTIONS)
      string(REPLACE "=" ";" kv "${opt}")
      list(GET kv 0 k)
      list(GET kv 1 v)
      set(${k} ${v} CACHE INTERNAL "")
    endforeach()
    FetchContent_Declare(k8saudit_dep_${package} URL ${ARG_URL} URL_HASH SHA256=${ARG_SHA256})
    FetchContent_MakeAvailable(k8saudit_dep_${package})
    if(TARGET ${ARG_TARGET})
      return()
    endif()
  endif()
  message(FATAL_ERROR
    "k8saudit needs ${package}${ARG_VERSION}: install the Debian package '${ARG_DEBIAN}' "
    "(apt-get install ${ARG_DEBIAN}), point CMAKE_PREFIX_PATH at an install, "
    "or configure with -DK8SAUDIT_ALLOW_FETCH=ON where downloads are allowed.")
endfunction()
