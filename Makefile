# mis-spectral: `make demo` and `make test` are the two commands a new user types.
BUILD   ?= build
JOBS    ?= $(shell nproc)
BIN     := $(BUILD)/mis-spectral
DEMO    ?= demo
CMAKE_FLAGS ?=

.PHONY: all deps build test demo clean

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

clean:
	rm -rf $(BUILD) $(DEMO)
