# CUDA is found at configure time. AUTO uses the toolkit when it is installed, ON requires it, OFF
# ignores it. Only the CUDA runtime is used (pinned memory, streams, events), so no .cu sources and
# no CUDA compiler: the library links the CUDA runtime and builds with the host compiler alone.
# The runtime is linked statically (CUDA::cudart_static): what is built here, the Python wheel
# included, then needs no libcudart on the machine that runs it; the runtime finds the driver
# (libcuda) when a GPU is there and reports "no device" when it is not.
set(CHANLOAD_HAVE_CUDA OFF)
if(NOT CHANLOAD_CUDA STREQUAL "OFF")
  if(NOT DEFINED CUDAToolkit_ROOT AND EXISTS /usr/local/cuda)
    set(CUDAToolkit_ROOT /usr/local/cuda)
  endif()
  if(CHANLOAD_CUDA STREQUAL "ON")
    find_package(CUDAToolkit REQUIRED)
  else()
    find_package(CUDAToolkit QUIET)
  endif()
  if(CUDAToolkit_FOUND)
    set(CHANLOAD_HAVE_CUDA ON)
  endif()
endif()
message(STATUS "chanload: CUDA ${CHANLOAD_CUDA} -> ${CHANLOAD_HAVE_CUDA}"
               "${CUDAToolkit_VERSION}")

function(chanload_link_cuda target)
  if(CHANLOAD_HAVE_CUDA)
    target_compile_definitions(${target} PRIVATE CHANLOAD_HAVE_CUDA=1)
    target_link_libraries(${target} PRIVATE CUDA::cudart_static)
  endif()
endfunction()
