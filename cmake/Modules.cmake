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
  set_property(GLOBAL APPEND PROPERTY UPLINKPROBE_MODULES up_${name})
endfunction()

# Warnings for the project's own code: every library and executable this tree defines
# (modules, programs, tests, benches, tools, fuzzers) gets them, applied once at the end of
# the top-level CMakeLists.txt by uplinkprobe_apply_warnings(), so a new target cannot miss
# them. Third-party headers come in through imported targets, i.e. as -isystem, where the
# compiler reports nothing; there is no vendored source in the tree.
# UPLINKPROBE_WERROR (default ON: developer and CI builds) turns them
# into errors for the reference compiler, GCC 12 (scripts/test.sh: release and ASan builds).
# scripts/package.sh (release and cross builds) and scripts/fuzz.sh (clang) turn it off: a
# build with another compiler or version must not fail on a warning only that one emits.
option(UPLINKPROBE_WERROR "Treat warnings in the project's own code as errors" ON)
set(UPLINKPROBE_WARNING_FLAGS -Wall -Wextra -Wno-unused-parameter)

function(uplinkprobe_collect_targets dir out)
  get_property(targets DIRECTORY ${dir} PROPERTY BUILDSYSTEM_TARGETS)
  get_property(subdirs DIRECTORY ${dir} PROPERTY SUBDIRECTORIES)
  foreach(sub ${subdirs})
    uplinkprobe_collect_targets(${sub} sub_targets)
    list(APPEND targets ${sub_targets})
  endforeach()
  set(${out} ${targets} PARENT_SCOPE)
endfunction()

function(uplinkprobe_apply_warnings)
  uplinkprobe_collect_targets(${PROJECT_SOURCE_DIR} targets)
  foreach(t ${targets})
    get_target_property(type ${t} TYPE)
    if(type MATCHES "^(EXECUTABLE|STATIC_LIBRARY|SHARED_LIBRARY|OBJECT_LIBRARY|MODULE_LIBRARY)$")
      target_compile_options(${t} PRIVATE ${UPLINKPROBE_WARNING_FLAGS})
      if(UPLINKPROBE_WERROR)
        target_compile_options(${t} PRIVATE -Werror)
      endif()
    endif()
  endforeach()
endfunction()

# Module boundaries: every module sees the repo root, so the build itself checks that a
# module includes only headers of the modules in its DEPS (cmake/check_module_deps.cmake,
# target module-deps, part of ALL). Its map lists each module's folder and direct module DEPS
# (PUBLIC or PRIVATE); the script takes the transitive closure.
function(uplinkprobe_check_module_deps)
  get_property(modules GLOBAL PROPERTY UPLINKPROBE_MODULES)
  set(map "")
  set(sources "")
  foreach(m ${modules})
    get_target_property(dir ${m} SOURCE_DIR)
    file(RELATIVE_PATH rel ${PROJECT_SOURCE_DIR} ${dir})
    get_target_property(links ${m} LINK_LIBRARIES)
    set(deps "")
    foreach(l ${links})
      if(l IN_LIST modules)
        list(APPEND deps ${l})
      endif()
    endforeach()
    list(JOIN deps "," deps)
    string(APPEND map "${m}|${rel}|${deps}\n")
    file(GLOB files CONFIGURE_DEPENDS ${dir}/*.cpp ${dir}/*.h)
    list(APPEND sources ${files})
  endforeach()
  set(map_file ${PROJECT_BINARY_DIR}/module_deps.map)
  file(WRITE ${map_file}.new "${map}")
  file(COPY_FILE ${map_file}.new ${map_file} ONLY_IF_DIFFERENT)
  add_custom_command(
    OUTPUT ${PROJECT_BINARY_DIR}/module_deps.stamp
    COMMAND ${CMAKE_COMMAND} -DMAP=${map_file} -DROOT=${PROJECT_SOURCE_DIR}
            -DSTAMP=${PROJECT_BINARY_DIR}/module_deps.stamp
            -P ${PROJECT_SOURCE_DIR}/cmake/check_module_deps.cmake
    DEPENDS ${map_file} ${sources} ${PROJECT_SOURCE_DIR}/cmake/check_module_deps.cmake
            ${PROJECT_SOURCE_DIR}/cmake/ModulePaths.cmake
    COMMENT "Checking module includes against declared DEPS"
    VERBATIM)
  add_custom_target(module-deps ALL DEPENDS ${PROJECT_BINARY_DIR}/module_deps.stamp)
endfunction()
