# SPDX-License-Identifier: Apache-2.0
# vcpkg port of k8saudit. Checked without vcpkg by cmake/validate_port.cmake (see ports/README.md).

# A Windows DLL exports only what K8SAUDIT_API marks; no DLL build of k8saudit has been tested
# yet, so the port builds the library static on Windows until one has.
if(VCPKG_TARGET_IS_WINDOWS)
    vcpkg_check_linkage(ONLY_STATIC_LIBRARY)
endif()

# Source: a local checkout when the environment names one (developing the port, or building an
# unreleased tree), else the release tag. vcpkg does not hash the files of a local checkout into
# the package ABI, so install with --no-binarycaching while using K8SAUDIT_SOURCE_DIR.
if(NOT "$ENV{K8SAUDIT_SOURCE_DIR}" STREQUAL "")
    file(TO_CMAKE_PATH "$ENV{K8SAUDIT_SOURCE_DIR}" SOURCE_PATH)
    if(NOT EXISTS "${SOURCE_PATH}/CMakeLists.txt" OR NOT EXISTS "${SOURCE_PATH}/include/k8saudit/version.h")
        message(FATAL_ERROR "K8SAUDIT_SOURCE_DIR='${SOURCE_PATH}' is not a k8saudit checkout "
            "(no CMakeLists.txt or include/k8saudit/version.h there).")
    endif()
    file(STRINGS "${SOURCE_PATH}/include/k8saudit/version.h" k8saudit_version_line
        REGEX "#define K8SAUDIT_VERSION_STRING ")
    string(REGEX MATCH "\"([^\"]*)\"" k8saudit_version_match "${k8saudit_version_line}")
    if(NOT "${CMAKE_MATCH_1}" STREQUAL "${VERSION}")
        message(WARNING "The checkout at ${SOURCE_PATH} is version '${CMAKE_MATCH_1}', "
            "the port says '${VERSION}': update ports/k8saudit/vcpkg.json.")
    endif()
    message(STATUS "k8saudit: building the local checkout ${SOURCE_PATH}")
else()
    # Placeholder until the first tagged release: set REPO to the real repository and replace
    # SHA512 with the value vcpkg prints on the first (failing) download.
    vcpkg_from_github(
        OUT_SOURCE_PATH SOURCE_PATH
        REPO k8saudit/k8saudit
        REF "v${VERSION}"
        SHA512 0
        HEAD_REF main
    )
endif()

vcpkg_check_features(OUT_FEATURE_OPTIONS FEATURE_OPTIONS
    FEATURES
        cli K8SAUDIT_BUILD_TOOLS
)

# The parser's SIMD kernel (src/CMakeLists.txt, default haswell = AVX2). A custom triplet can
# pick another one for machines without AVX2: set(K8SAUDIT_SIMD westmere) or portable.
set(K8SAUDIT_SIMD_OPTIONS "")
if(DEFINED K8SAUDIT_SIMD)
    list(APPEND K8SAUDIT_SIMD_OPTIONS "-DK8SAUDIT_SIMD=${K8SAUDIT_SIMD}")
endif()

# vcpkg's xxhash installs xxHashConfig.cmake (target xxHash::xxhash), which the project's
# find_package(xxhash CONFIG) does not match; it then falls back to the pkg-config file libxxhash,
# so CMake is handed a pkg-config.
vcpkg_find_acquire_program(PKGCONFIG)

# Dependencies come from vcpkg only: never let the project download its own.
vcpkg_cmake_configure(
    SOURCE_PATH "${SOURCE_PATH}"
    OPTIONS
        ${FEATURE_OPTIONS}
        ${K8SAUDIT_SIMD_OPTIONS}
        "-DPKG_CONFIG_EXECUTABLE=${PKGCONFIG}"
        -DK8SAUDIT_BUILD_TESTS=OFF
        -DK8SAUDIT_BUILD_EXAMPLES=OFF
        -DK8SAUDIT_BUILD_BENCHMARKS=OFF
        -DK8SAUDIT_BUILD_FUZZERS=OFF
        -DK8SAUDIT_ALLOW_FETCH=OFF
        -DK8SAUDIT_WARNINGS_AS_ERRORS=OFF
)

vcpkg_cmake_install()
vcpkg_copy_pdbs()
vcpkg_cmake_config_fixup(CONFIG_PATH lib/cmake/k8saudit)
vcpkg_fixup_pkgconfig()

if("cli" IN_LIST FEATURES)
    vcpkg_copy_tools(TOOL_NAMES k8saudit AUTO_CLEAN)
endif()

file(REMOVE_RECURSE
    "${CURRENT_PACKAGES_DIR}/debug/include"
    "${CURRENT_PACKAGES_DIR}/debug/share"
)

file(INSTALL "${CMAKE_CURRENT_LIST_DIR}/usage" DESTINATION "${CURRENT_PACKAGES_DIR}/share/${PORT}")
vcpkg_install_copyright(FILE_LIST "${SOURCE_PATH}/LICENSE")
