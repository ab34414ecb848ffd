# Finds every dependency once, so lib/, cli/ and tests/ only name targets.

# LibTorch: a system one (Debian's libtorch-dev, LibTorch 1.13.1) or the one inside a PyTorch
# wheel, found through that Python (MIS_TORCH_PYTHON, e.g. .venv/bin/python from make deps
# TORCH=wheel). Version differences are handled in lib/core/torch_compat.h.
if(MIS_TORCH_PYTHON)
  execute_process(COMMAND ${MIS_TORCH_PYTHON} -c "import torch.utils; print(torch.utils.cmake_prefix_path)"
                  OUTPUT_VARIABLE MIS_TORCH_PREFIX OUTPUT_STRIP_TRAILING_WHITESPACE
                  ERROR_VARIABLE MIS_TORCH_ERROR RESULT_VARIABLE MIS_TORCH_RC)
  if(NOT MIS_TORCH_RC EQUAL 0)
    message(FATAL_ERROR "MIS_TORCH_PYTHON=${MIS_TORCH_PYTHON} cannot import torch; install it (make deps TORCH=wheel) "
                        "or point MIS_TORCH_PYTHON to a Python that has PyTorch")
  endif()
  list(PREPEND CMAKE_PREFIX_PATH ${MIS_TORCH_PREFIX})
endif()
find_package(Torch REQUIRED)
if(MIS_WITH_CUDA AND NOT TARGET c10_cuda)
  message(FATAL_ERROR "MIS_WITH_CUDA=ON but this LibTorch (${Torch_DIR}) has no CUDA; build against a PyTorch "
                      "wheel with CUDA (make deps TORCH=wheel; MIS_TORCH_PYTHON) or drop -DMIS_WITH_CUDA=ON")
endif()
find_package(Threads REQUIRED)

# Header-only libraries: prefer the installed CMake packages, fall back to a plain
# include folder (MIS_HEADER_ONLY_DEPS) on machines that have no Debian packages.
add_library(mis_header_deps INTERFACE)
if(MIS_HEADER_ONLY_DEPS)
  target_include_directories(mis_header_deps SYSTEM INTERFACE ${MIS_HEADER_ONLY_DEPS})
endif()

find_package(nlohmann_json 3.11 QUIET)  # NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT (core/config.h)
if(nlohmann_json_FOUND)
  target_link_libraries(mis_header_deps INTERFACE nlohmann_json::nlohmann_json)
else()
  find_path(MIS_JSON_INCLUDE nlohmann/json.hpp HINTS ${MIS_HEADER_ONLY_DEPS} REQUIRED)
endif()

# PyTorch 2.x wheels ship fmt's headers (a newer fmt than Debian's) in their own include folder
# (torch/include, three levels above Torch_DIR), which comes first on the include path: with
# such a LibTorch, fmt is used header-only from there, so that headers and code agree.
find_path(MIS_TORCH_FMT_INCLUDE fmt/format.h PATHS ${Torch_DIR}/../../../include NO_DEFAULT_PATH)
if(MIS_TORCH_FMT_INCLUDE)
  target_compile_definitions(mis_header_deps INTERFACE FMT_HEADER_ONLY=1)
  message(STATUS "mis-spectral: fmt header-only, from LibTorch's ${MIS_TORCH_FMT_INCLUDE}")
else()
  find_package(fmt QUIET)
  if(fmt_FOUND)
    target_link_libraries(mis_header_deps INTERFACE fmt::fmt)
  else()
    find_path(MIS_FMT_INCLUDE fmt/format.h HINTS ${MIS_HEADER_ONLY_DEPS} REQUIRED)
    target_compile_definitions(mis_header_deps INTERFACE FMT_HEADER_ONLY=1)
  endif()
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

# libpng encodes explain's and predict's PNG pictures (viz/png_libpng.cpp); optional like libzip:
# without it they go through ITK's PNG writer, which crashes on a full disk.
find_package(PNG QUIET)

# librsvg + cairo render the report's SVG figures as PDF (pdflatex includes no SVG) and PNG;
# optional: without them `report` writes SVG figures only and its LaTeX says so.
option(MIS_WITH_RSVG "Render the report's figures as PDF and PNG when librsvg and cairo are found" ON)
set(rsvg_FOUND FALSE)
if(MIS_WITH_RSVG)
  find_package(PkgConfig QUIET)
  if(PkgConfig_FOUND)
    pkg_check_modules(MIS_RSVG QUIET librsvg-2.0>=2.52 cairo-pdf cairo-png)
  endif()
  if(MIS_RSVG_FOUND)
    set(rsvg_FOUND TRUE)
    message(STATUS "report figures: PDF and PNG with librsvg ${MIS_RSVG_librsvg-2.0_VERSION}")
  else()
    message(STATUS "report figures: SVG only (librsvg-2.0 >= 2.52 / cairo not found: librsvg2-dev libcairo2-dev)")
  endif()
endif()
