# mis-spectral: `make demo` and `make test` are the two commands a new user types.
#
# Which LibTorch (README, "Supported LibTorch versions"):
#   TORCH=debian  Debian's LibTorch 1.13.1 (apt)
#   TORCH=wheel   PyTorch's pinned 2.x wheel from PyPI (scripts/requirements-torch.txt) in .venv
# ITK=OFF builds without ITK (reads dataset packs only); CUDA=ON compiles the CUDA code paths
# (needs TORCH=wheel and the CUDA toolkit). Each configuration wants its own BUILD folder.
TORCH   ?= debian
ITK     ?= ON
CUDA    ?= OFF
BUILD   ?= build
JOBS    ?= $(shell nproc)
BIN     := $(BUILD)/mis-spectral
DEMO    ?= demo
CMAKE_FLAGS ?=

TORCH_FLAGS := $(if $(filter wheel,$(TORCH)),-DMIS_TORCH_PYTHON=$(CURDIR)/.venv/bin/python,)
CCACHE_FLAGS := $(if $(shell command -v ccache),-DCMAKE_CXX_COMPILER_LAUNCHER=ccache,)
# ccache caches compilations that use a precompiled header only with this sloppiness (ccache manual,
# "Precompiled headers").
export CCACHE_SLOPPINESS := pch_defines,time_macros,include_file_mtime,include_file_ctime
# Paths below the checkout are hashed relative to it: a fresh clone (CI) reuses the cache.
export CCACHE_BASEDIR := $(CURDIR)
# The Python side of `make bench`: the same LibTorch as the C++ side.
BENCH_PYTHON := $(if $(filter wheel,$(TORCH)),$(CURDIR)/.venv/bin/python,/usr/bin/python3)

.PHONY: all deps build test test-all peers demo demo-mri bench bench-deps gpu-deps clean install

all: build

deps:
	@bash scripts/install-deps.sh --torch $(TORCH)

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release -DMIS_WITH_ITK=$(ITK) -DMIS_WITH_CUDA=$(CUDA) \
	  $(TORCH_FLAGS) $(CCACHE_FLAGS) $(CMAKE_FLAGS)

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

test: build
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

# What CI runs (.ci/run): every supported configuration, each in its own build folder. The one
# without ITK is the GPU check's (scripts/gpu-check.sh): its header-only dependencies come from
# the folder `make gpu-deps` prepares, not from the system, so that folder is tested too.
HEADER_ONLY_FLAGS := -DMIS_HEADER_ONLY_DEPS=$(CURDIR)/.deps/header-only \
  $(foreach p,nlohmann_json fmt CLI11 doctest,-DCMAKE_DISABLE_FIND_PACKAGE_$(p)=ON)
# The model matrix (about 6 minutes) runs in the first configuration only, to keep CI under an
# hour; gpu-check runs it against the wheel's LibTorch on a GPU, bf16 included.
test-all: gpu-deps
	$(MAKE) test TORCH=debian BUILD=build-debian
	$(MAKE) peers TORCH=debian BUILD=build-debian
	$(MAKE) test TORCH=wheel CUDA=ON BUILD=build-wheel-cuda CMAKE_FLAGS="-DMIS_MODEL_MATRIX=OFF"
	$(MAKE) test TORCH=wheel CUDA=ON ITK=OFF BUILD=build-wheel-cuda-noitk \
	  CMAKE_FLAGS="$(HEADER_ONLY_FLAGS) -DMIS_MODEL_MATRIX=OFF"

# The binary against the tools users already trust (issue 13, tests/peers/README.md): score
# against medpy, MONAI and nnU-Net v2, the report's statistics against SciPy, calibration against
# torchmetrics, scikit-learn and a PyTorch temperature fit, the spectral loss against a PyTorch
# reimplementation, TransUNet's encoder against timm's on the same .npz, the heat maps' viridis
# against matplotlib's (the last three through the helper tests/peers/peers_probe.cpp). Installs the pinned peers
# (scripts/requirements-peers.txt) into .venv beside the pinned PyTorch wheel. CI checks the
# Debian configuration's binary (test-all).
peers: build
	cmake -S . -B $(BUILD) -DMIS_PEERS_PROBE=ON
	cmake --build $(BUILD) -j $(JOBS) --target mis_peers_probe
	bash tests/peers/run.sh $(BUILD)

# The binary, its man page and bash/zsh completion under PREFIX (scripts/install.sh; DESTDIR too).
PREFIX ?= /usr/local
install: build
	bash scripts/install.sh $(BIN) $(PREFIX)

# The synthetic study: benchmark, spatial-only and spatial+spectral UNet, IID/OOD eval, report.
demo: build
	bash scripts/demo.sh $(BIN) $(DEMO)

# The real-MRI study (docs/mri-study.md): Colin27 with AAL labels from Debian's mricron-data, built
# into nnU-Net raw datasets, preprocessed, spatial-only and spatial+spectral with 3 seeds, report.
DEMO_MRI ?= demo-mri
demo-mri: build
	@bash scripts/install-deps.sh --torch $(TORCH) --with-mri-data
	bash scripts/demo-mri.sh $(BIN) $(DEMO_MRI)

# The UNet training step at 224x224, batch 4, in C++ and in Python PyTorch of the same LibTorch,
# fp32 and bf16, with the ratio (scripts/bench.sh; BENCH_ARGS e.g. "--steps 5").
bench-deps:
	@bash scripts/install-deps.sh --torch $(TORCH) --with-python-torch

bench: bench-deps build
	PYTHON=$(BENCH_PYTHON) bash scripts/bench.sh $(BIN) $(BENCH_ARGS)

# For a GPU machine without apt, pip or network: the header-only dependencies, to copy along and
# pass to scripts/gpu-check.sh (README, "A GPU machine").
gpu-deps: deps
	bash scripts/header-deps.sh .deps/header-only

clean:
	rm -rf $(BUILD) $(DEMO) $(DEMO_MRI)
