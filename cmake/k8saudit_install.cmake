# SPDX-License-Identifier: Apache-2.0
# Install rules and packages (K8SAUDIT_INSTALL, ON in top-level builds):
#
#   include/k8saudit/**                       the headers
#   lib/libk8saudit.{a,so*}                   the library
#   lib/cmake/k8saudit/                       find_package(k8saudit): k8sauditConfig.cmake,
#                                             k8sauditConfigVersion.cmake (SameMajorVersion),
#                                             k8sauditTargets*.cmake (k8saudit::k8saudit) and the
#                                             find modules a static library's dependencies need
#   lib/pkgconfig/k8saudit.pc                 pkg-config
#   share/doc/k8saudit/LICENSE
#
# The build tree is exported too: a consumer may set k8saudit_DIR to this build directory
# (k8sauditConfig.cmake, k8sauditTargets.cmake) and use the library without installing it.
include_guard(GLOBAL)
include(CMakePackageConfigHelpers)

set(K8SAUDIT_CMAKE_DIR "${CMAKE_INSTALL_LIBDIR}/cmake/k8saudit" CACHE STRING
  "Where to install k8saudit's CMake package, relative to the prefix")
mark_as_advanced(K8SAUDIT_CMAKE_DIR)

install(TARGETS k8saudit EXPORT k8sauditTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/k8saudit DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
  FILES_MATCHING PATTERN "*.h")
install(FILES ${PROJECT_SOURCE_DIR}/LICENSE DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/k8saudit)

# --- CMake package -------------------------------------------------------------------------------
get_target_property(_k8saudit_type k8saudit TYPE)
if(_k8saudit_type STREQUAL "SHARED_LIBRARY")
  set(K8SAUDIT_CONFIG_SHARED ON)
else()
  set(K8SAUDIT_CONFIG_SHARED OFF)
endif()
set(_k8saudit_modules
  ${PROJECT_SOURCE_DIR}/cmake/Findre2.cmake
  ${PROJECT_SOURCE_DIR}/cmake/Findxxhash.cmake
  ${PROJECT_SOURCE_DIR}/cmake/k8saudit_pkgconfig.cmake)

install(EXPORT k8sauditTargets NAMESPACE k8saudit:: DESTINATION ${K8SAUDIT_CMAKE_DIR})
set(K8SAUDIT_CONFIG_MODULE_DIR "\${CMAKE_CURRENT_LIST_DIR}")
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/k8sauditConfig.cmake.in
  ${PROJECT_BINARY_DIR}/k8saudit-install/k8sauditConfig.cmake
  INSTALL_DESTINATION ${K8SAUDIT_CMAKE_DIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/k8sauditConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMajorVersion)
install(FILES
  ${PROJECT_BINARY_DIR}/k8saudit-install/k8sauditConfig.cmake
  ${PROJECT_BINARY_DIR}/k8sauditConfigVersion.cmake
  ${_k8saudit_modules}
  DESTINATION ${K8SAUDIT_CMAKE_DIR})

# The build tree: the same package, pointing at the build's library and the source headers (the
# find modules are read from the source tree).
export(EXPORT k8sauditTargets NAMESPACE k8saudit:: FILE ${PROJECT_BINARY_DIR}/k8sauditTargets.cmake)
set(K8SAUDIT_CONFIG_MODULE_DIR "${PROJECT_SOURCE_DIR}/cmake")
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/k8sauditConfig.cmake.in
  ${PROJECT_BINARY_DIR}/k8sauditConfig.cmake
  INSTALL_DESTINATION ${PROJECT_BINARY_DIR} INSTALL_PREFIX ${PROJECT_BINARY_DIR})

# --- pkg-config ------------------------------------------------------------------------------------
# A static libk8saudit needs its dependencies at link time: `pkg-config --static --libs k8saudit`
# lists them (Requires.private for those that have a .pc file, Libs.private for the rest). A
# shared one records them itself (DT_NEEDED), so its .pc file lists none.
set(K8SAUDIT_PC_REQUIRES_PRIVATE "")
set(K8SAUDIT_PC_LIBS_PRIVATE "")
set(K8SAUDIT_PC_CFLAGS "")
if(K8SAUDIT_CONFIG_SHARED)
  set(K8SAUDIT_PC_CFLAGS " -DK8SAUDIT_SHARED")
else()
  find_package(PkgConfig QUIET)
  set(_k8saudit_pc_modules "")
  foreach(module simdjson zlib re2 yaml-cpp libxxhash)
    if(PKG_CONFIG_FOUND)
      execute_process(COMMAND ${PKG_CONFIG_EXECUTABLE} --exists ${module} RESULT_VARIABLE _k8saudit_pc_rc)
    else()
      set(_k8saudit_pc_rc 1)
    endif()
    if(_k8saudit_pc_rc EQUAL 0)
      list(APPEND _k8saudit_pc_modules ${module})
    else()
      message(STATUS "k8saudit: no pkg-config file for ${module}: k8saudit.pc cannot name it "
        "(pkg-config --static users link it themselves)")
    endif()
  endforeach()
  list(JOIN _k8saudit_pc_modules " " _k8saudit_pc_modules)
  if(_k8saudit_pc_modules)
    set(K8SAUDIT_PC_REQUIRES_PRIVATE "Requires.private: ${_k8saudit_pc_modules}\n")
  endif()
  if(CMAKE_THREAD_LIBS_INIT)
    set(K8SAUDIT_PC_LIBS_PRIVATE "Libs.private: ${CMAKE_THREAD_LIBS_INIT}\n")
  endif()
endif()
# Relocatable: the prefix is found from the .pc file's own place (${pcfiledir}).
set(_k8saudit_pc_dir "${CMAKE_INSTALL_LIBDIR}/pkgconfig")
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}" OR IS_ABSOLUTE "${CMAKE_INSTALL_INCLUDEDIR}")
  set(K8SAUDIT_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
else()
  file(RELATIVE_PATH _k8saudit_pc_up "/${_k8saudit_pc_dir}" "/")
  string(REGEX REPLACE "/$" "" _k8saudit_pc_up "${_k8saudit_pc_up}")
  set(K8SAUDIT_PC_PREFIX "\${pcfiledir}/${_k8saudit_pc_up}")
endif()
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}")
  set(K8SAUDIT_PC_LIBDIR "${CMAKE_INSTALL_LIBDIR}")
else()
  set(K8SAUDIT_PC_LIBDIR "\${prefix}/${CMAKE_INSTALL_LIBDIR}")
endif()
if(IS_ABSOLUTE "${CMAKE_INSTALL_INCLUDEDIR}")
  set(K8SAUDIT_PC_INCLUDEDIR "${CMAKE_INSTALL_INCLUDEDIR}")
else()
  set(K8SAUDIT_PC_INCLUDEDIR "\${prefix}/${CMAKE_INSTALL_INCLUDEDIR}")
endif()
configure_file(${PROJECT_SOURCE_DIR}/cmake/k8saudit.pc.in ${PROJECT_BINARY_DIR}/k8saudit.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/k8saudit.pc DESTINATION ${_k8saudit_pc_dir})
