# iter8_add_plugin(<library> SOURCES <files>...)
#
# Builds the task library <library> as `<library>.so`, the file name the handler looks for,
# with hidden visibility so only the contract's two symbols (marked ITER8_PLUGIN_EXPORT) are
# exported, and links the SDK. Put the result in a folder named by --plugins-dir.
function(iter8_add_plugin library)
  cmake_parse_arguments(ARG "" "" "SOURCES" ${ARGN})
  if(NOT ARG_SOURCES)
    message(FATAL_ERROR "iter8_add_plugin(${library}): SOURCES is required")
  endif()
  add_library(${library} MODULE ${ARG_SOURCES})
  set_target_properties(${library} PROPERTIES
    PREFIX ""
    OUTPUT_NAME ${library}
    C_VISIBILITY_PRESET hidden
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  if(TARGET Iter8::sdk)
    target_link_libraries(${library} PRIVATE Iter8::sdk)
  else()
    target_link_libraries(${library} PRIVATE iter8_sdk)
  endif()
  # A plugin must not depend on symbols the host happens to export: fail at link time.
  target_link_options(${library} PRIVATE "LINKER:--no-undefined")
endfunction()
