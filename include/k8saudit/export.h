// SPDX-License-Identifier: Apache-2.0
// K8SAUDIT_API marks what the library exports.
//
// A static k8saudit (the default) needs nothing: the macro is empty. A shared k8saudit
// (-DBUILD_SHARED_LIBS=ON) is built with hidden visibility, so only declarations marked
// K8SAUDIT_API are visible to its users. The build defines K8SAUDIT_SHARED for the library and
// for everything that links it (the CMake target and k8saudit.pc carry it), and K8SAUDIT_BUILDING
// while compiling the library itself; neither is meant to be defined by hand.
#pragma once

#if defined(K8SAUDIT_SHARED)
#if defined(_WIN32) || defined(__CYGWIN__)
#if defined(K8SAUDIT_BUILDING)
#define K8SAUDIT_API __declspec(dllexport)
#else
#define K8SAUDIT_API __declspec(dllimport)
#endif
#elif defined(__GNUC__) || defined(__clang__)
#define K8SAUDIT_API __attribute__((visibility("default")))
#else
#define K8SAUDIT_API
#endif
#else
#define K8SAUDIT_API
#endif
