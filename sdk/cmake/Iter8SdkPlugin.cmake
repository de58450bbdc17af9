# iter8_add_plugin(<library> SOURCES <files>...)
#
# Builds the task library <library> as `<library>.so`, the file name the handler looks for,
# with hidden visibility so only the contract's two symbols (marked ITER8_PLUGIN_EXPORT) are
# exported, and links the SDK. C sources are built as C11, C++ ones as C++17. Put the result in
# a folder named by --plugins-dir, or install it with iter8_install_plugin().
function(iter8_add_plugin library)
  cmake_parse_arguments(ARG "" "" "SOURCES" ${ARGN})
  if(NOT ARG_SOURCES)
    message(FATAL_ERROR "iter8_add_plugin(${library}): SOURCES is required")
  endif()
  add_library(${library} MODULE ${ARG_SOURCES})
  set_target_properties(${library} PROPERTIES
    PREFIX ""
    OUTPUT_NAME ${library}
    C_STANDARD 11
    C_STANDARD_REQUIRED ON
    C_EXTENSIONS OFF
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

# iter8_install_plugin(<library>...)
#
# Installs each plugin built by iter8_add_plugin into <prefix>/${ITER8_PLUGIN_INSTALL_DIR}, the
# folder an installed handler searches by default (beside ../lib/iter8/plugins of its binary).
function(iter8_install_plugin)
  if(NOT DEFINED ITER8_PLUGIN_INSTALL_DIR)
    set(ITER8_PLUGIN_INSTALL_DIR lib/iter8/plugins)
  endif()
  install(TARGETS ${ARGN} LIBRARY DESTINATION ${ITER8_PLUGIN_INSTALL_DIR})
endfunction()
