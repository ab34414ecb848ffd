# The code version is taken from `git describe` at every build (not only at configure time),
# so results always name the commit that produced them.
set(MIS_VERSION_CPP ${CMAKE_BINARY_DIR}/generated/version.cpp)
add_custom_target(mis_version
  COMMAND ${CMAKE_COMMAND} -DSRC=${CMAKE_SOURCE_DIR} -DOUT=${MIS_VERSION_CPP}
          -DFALLBACK=${PROJECT_VERSION} -P ${CMAKE_SOURCE_DIR}/cmake/WriteVersion.cmake
  BYPRODUCTS ${MIS_VERSION_CPP}
  COMMENT "Reading the code version from git")
# Also written now, so that the file exists when targets are generated.
execute_process(COMMAND ${CMAKE_COMMAND} -DSRC=${CMAKE_SOURCE_DIR} -DOUT=${MIS_VERSION_CPP}
                -DFALLBACK=${PROJECT_VERSION} -P ${CMAKE_SOURCE_DIR}/cmake/WriteVersion.cmake)
