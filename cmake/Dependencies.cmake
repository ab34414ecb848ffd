# Finds every dependency once, so lib/, cli/ and tests/ only name targets.

find_package(Torch REQUIRED)
find_package(Threads REQUIRED)

# Header-only libraries: prefer the installed CMake packages, fall back to a plain
# include folder (MIS_HEADER_ONLY_DEPS) on machines that have no Debian packages.
add_library(mis_header_deps INTERFACE)
if(MIS_HEADER_ONLY_DEPS)
  target_include_directories(mis_header_deps SYSTEM INTERFACE ${MIS_HEADER_ONLY_DEPS})
endif()

find_package(nlohmann_json 3.9 QUIET)
if(nlohmann_json_FOUND)
  target_link_libraries(mis_header_deps INTERFACE nlohmann_json::nlohmann_json)
else()
  find_path(MIS_JSON_INCLUDE nlohmann/json.hpp HINTS ${MIS_HEADER_ONLY_DEPS} REQUIRED)
endif()

find_package(fmt QUIET)
if(fmt_FOUND)
  target_link_libraries(mis_header_deps INTERFACE fmt::fmt)
else()
  find_path(MIS_FMT_INCLUDE fmt/format.h HINTS ${MIS_HEADER_ONLY_DEPS} REQUIRED)
  target_compile_definitions(mis_header_deps INTERFACE FMT_HEADER_ONLY=1)
endif()

find_package(CLI11 QUIET)
add_library(mis_cli11 INTERFACE)
if(CLI11_FOUND)
  target_link_libraries(mis_cli11 INTERFACE CLI11::CLI11)
else()
  find_path(MIS_CLI11_INCLUDE CLI/CLI.hpp HINTS ${MIS_HEADER_ONLY_DEPS} REQUIRED)
endif()

if(MIS_WITH_ITK)
  find_package(ITK 5 REQUIRED COMPONENTS
    ITKCommon ITKIOImageBase ITKIONIFTI ITKIOPNG ITKIOJPEG ITKIOBMP ITKIOTIFF
    ITKImageGrid ITKImageFunction ITKDistanceMap ITKBinaryMathematicalMorphology ITKMathematicalMorphology
    ITKImageIntensity ITKThresholding)
endif()

# libzip reads the .npz weight archives (TransUNet); optional so that a bare GPU box still builds.
# (Found by hand: Debian's libzip CMake package refers to tools from other packages.)
find_path(MIS_LIBZIP_INCLUDE zip.h)
find_library(MIS_LIBZIP_LIBRARY zip)
if(MIS_LIBZIP_INCLUDE AND MIS_LIBZIP_LIBRARY)
  set(libzip_FOUND TRUE)
  add_library(mis_libzip INTERFACE)
  target_include_directories(mis_libzip INTERFACE ${MIS_LIBZIP_INCLUDE})
  target_link_libraries(mis_libzip INTERFACE ${MIS_LIBZIP_LIBRARY})
endif()
