# Warnings for chanload's own targets; errors with CHANLOAD_WERROR (CI sets it).
function(chanload_set_warnings target)
  target_compile_options(${target} PRIVATE
    -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast -Wcast-align
    -Woverloaded-virtual -Wconversion -Wsign-conversion -Wdouble-promotion
    -Wimplicit-fallthrough)
  if(CHANLOAD_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
