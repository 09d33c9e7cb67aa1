# Warnings for chanload's own targets; errors with CHANLOAD_WERROR (CI sets it).
function(chanload_set_warnings target)
  target_compile_options(${target} PRIVATE
    -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast -Wcast-align
    -Woverloaded-virtual -Wconversion -Wsign-conversion -Wdouble-promotion
    -Wimplicit-fallthrough)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
    # GCC 12 reports std::string concatenation ("a" + std::string(...)) as overlapping memcpy
    # (-Wrestrict false positive, GCC bug 105651, fixed in 13).
    target_compile_options(${target} PRIVATE -Wno-restrict)
  endif()
  if(CHANLOAD_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
