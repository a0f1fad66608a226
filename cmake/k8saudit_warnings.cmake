# SPDX-License-Identifier: Apache-2.0
# Warnings for our own targets only; never leaked to consumers.
include_guard(GLOBAL)

function(k8saudit_set_warnings target)
  if(MSVC)
    target_compile_options(${target} PRIVATE /W4)
    if(K8SAUDIT_WARNINGS_AS_ERRORS)
      target_compile_options(${target} PRIVATE /WX)
    endif()
  else()
    target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow
      -Wconversion -Wno-sign-conversion -Wnon-virtual-dtor -Wold-style-cast)
    if(K8SAUDIT_WARNINGS_AS_ERRORS)
      target_compile_options(${target} PRIVATE -Werror)
    endif()
  endif()
endfunction()
