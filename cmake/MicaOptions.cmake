# Compiler flags shared by every mica target: warnings, ccache, sanitizers.
find_program(MICA_CCACHE ccache)
if(MICA_CCACHE)
  set(CMAKE_CXX_COMPILER_LAUNCHER ${MICA_CCACHE})
  set(CMAKE_CUDA_COMPILER_LAUNCHER ${MICA_CCACHE})
endif()

add_library(mica_warnings INTERFACE)
target_compile_options(mica_warnings INTERFACE
  $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra -Wno-unknown-pragmas>)

if(MICA_SANITIZE)
  add_compile_options($<$<COMPILE_LANGUAGE:CXX>:-fsanitize=address,undefined> $<$<COMPILE_LANGUAGE:CXX>:-fno-omit-frame-pointer>)
  add_link_options(-fsanitize=address,undefined)
endif()
