# CHANLOAD_SANITIZE="address;undefined" or "thread": applied to everything built here.
if(CHANLOAD_SANITIZE)
  list(JOIN CHANLOAD_SANITIZE "," _sanitizers)
  add_compile_options(-fsanitize=${_sanitizers} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${_sanitizers})
  if("thread" IN_LIST CHANLOAD_SANITIZE)
    # GCC warns (-Wtsan) that TSan does not model std::atomic_thread_fence, which Boost.Asio uses when
    # it recycles handler memory. That can only cost false reports, never hide a race in our code,
    # and it is in a third-party header: keep it from failing -Werror builds.
    add_compile_options(-Wno-tsan)
  endif()
  message(STATUS "chanload: sanitizers ${_sanitizers}")
endif()

# The fuzz preset: everything instrumented for libFuzzer's coverage; the targets link its main.
if(CHANLOAD_FUZZ)
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()
