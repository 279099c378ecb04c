# uplinkprobe_module(NAME SOURCES a.cpp b.cpp DEPS x y)
# Declares static library up_NAME (alias uplinkprobe::NAME) rooted at the repo root for
# includes ("common/result.h"), and records it so that tests can link every module
# without each test folder listing them (keeps parallel work on modules from colliding).
function(uplinkprobe_module name)
  cmake_parse_arguments(M "" "" "SOURCES;DEPS" ${ARGN})
  add_library(up_${name} STATIC ${M_SOURCES})
  add_library(uplinkprobe::${name} ALIAS up_${name})
  target_include_directories(up_${name} PUBLIC ${PROJECT_SOURCE_DIR})
  target_link_libraries(up_${name} PUBLIC ${M_DEPS})
  target_compile_options(up_${name} PRIVATE -Wall -Wextra -Wno-unused-parameter)
  set_property(GLOBAL APPEND PROPERTY UPLINKPROBE_MODULES up_${name})
endfunction()
