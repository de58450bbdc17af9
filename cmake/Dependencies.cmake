# Every third-party dependency, found once. All come from Debian 12 packages
# installed by scripts/install-deps.sh.
find_package(Threads REQUIRED)
find_package(Boost 1.74 REQUIRED COMPONENTS program_options)
find_package(RapidJSON REQUIRED)
find_package(spdlog REQUIRED)
find_package(yaml-cpp REQUIRED)
find_package(CURL REQUIRED)
find_package(OpenSSL REQUIRED)

# Debian's RapidJSONConfig.cmake sets variables only; give it a target.
if(NOT TARGET iter8::rapidjson)
  add_library(iter8::rapidjson INTERFACE IMPORTED)
  set_target_properties(iter8::rapidjson PROPERTIES
    INTERFACE_INCLUDE_DIRECTORIES "${RAPIDJSON_INCLUDE_DIRS}"
    INTERFACE_COMPILE_DEFINITIONS "RAPIDJSON_HAS_STDSTRING=1")
endif()

# http_parser (libhttp-parser-dev) has neither a CMake nor a pkg-config file; give it a target.
find_path(HTTP_PARSER_INCLUDE_DIR http_parser.h)
find_library(HTTP_PARSER_LIBRARY http_parser)
if(NOT HTTP_PARSER_INCLUDE_DIR OR NOT HTTP_PARSER_LIBRARY)
  message(FATAL_ERROR "http_parser not found: apt-get install libhttp-parser-dev (scripts/install-deps.sh)")
endif()
if(NOT TARGET iter8::http_parser)
  add_library(iter8::http_parser UNKNOWN IMPORTED)
  set_target_properties(iter8::http_parser PROPERTIES
    IMPORTED_LOCATION "${HTTP_PARSER_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${HTTP_PARSER_INCLUDE_DIR}")
endif()

# Tests only: cpp-httplib for the fake API server. Debian ships it compiled (libcpp-httplib.so,
# built with OpenSSL, zlib and brotli); its pkg-config file carries the matching defines.
if(ITER8_BUILD_TESTS)
  find_package(PkgConfig REQUIRED)
  pkg_check_modules(CPPHTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib)
endif()
