# mis-spectral: `make demo` and `make test` are the two commands a new user types.
BUILD   ?= build
JOBS    ?= $(shell nproc)
BIN     := $(BUILD)/mis-spectral
DEMO    ?= demo
CMAKE_FLAGS ?=

.PHONY: all deps build test demo bench bench-deps clean

all: build

deps:
	@bash scripts/install-deps.sh

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS)

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

test: build
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

# The synthetic study: benchmark, spatial-only and spatial+spectral UNet, IID/OOD eval, report.
demo: build
	bash scripts/demo.sh $(BIN) $(DEMO)

# The UNet training step at 224x224, batch 4, in C++ and in Python PyTorch, fp32 and bf16, with
# the ratio (scripts/bench.sh; BENCH_ARGS e.g. "--steps 5"). Installs python3-torch first (bench-deps).
bench-deps:
	@bash scripts/install-deps.sh --with-python-torch

bench: bench-deps build
	bash scripts/bench.sh $(BIN) $(BENCH_ARGS)

clean:
	rm -rf $(BUILD) $(DEMO)
