# CHANLOAD_SANITIZE="address;undefined" or "thread": applied to everything built here.
if(CHANLOAD_SANITIZE)
  list(JOIN CHANLOAD_SANITIZE "," _sanitizers)
  add_compile_options(-fsanitize=${_sanitizers} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${_sanitizers})
  message(STATUS "chanload: sanitizers ${_sanitizers}")
endif()
