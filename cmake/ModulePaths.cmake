# Shared by the module-boundary check (check_module_deps.cmake, a -P script) and the test
# links (tests/CMakeLists.txt): which module a quoted include belongs to.
set(UPLINKPROBE_INCLUDE_REGEX "^[ \t]*#[ \t]*include[ \t]*\"[^\"]+\"")

# uplinkprobe_quoted_includes(FILE OUT): the paths of FILE's #include "..." lines.
function(uplinkprobe_quoted_includes file out)
  file(STRINGS ${file} lines REGEX "${UPLINKPROBE_INCLUDE_REGEX}")
  set(paths "")
  foreach(line ${lines})
    string(REGEX REPLACE "^[ \t]*#[ \t]*include[ \t]*\"([^\"]+)\".*" "\\1" path "${line}")
    list(APPEND paths ${path})
  endforeach()
  set(${out} ${paths} PARENT_SCOPE)
endfunction()

# uplinkprobe_module_owning(PATH MODULES OUT): the module among MODULES whose folder (variable
# dir_<module> in the caller, relative to the repo root) holds PATH — "agent/config/schema.h"
# -> up_config; the longest folder wins; empty when none does.
function(uplinkprobe_module_owning path modules out)
  set(owner "")
  set(best 0)
  foreach(m ${modules})
    string(LENGTH "${dir_${m}}/" len)
    string(SUBSTRING "${path}" 0 ${len} head)
    if(head STREQUAL "${dir_${m}}/" AND len GREATER best)
      set(owner ${m})
      set(best ${len})
    endif()
  endforeach()
  set(${out} ${owner} PARENT_SCOPE)
endfunction()
