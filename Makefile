# vmfault: the two commands a new user needs.
#   make demo   install what is missing, build, run the AArch64 and x86-64 MMIO tutorials with --explain
#               and the demo guest
#   make test   install what is missing, build, run every test suite
BUILD ?= build
MAKEFLAGS += --no-print-directory
CMAKE_FLAGS ?=
JOBS ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: all deps build demo test bench clean

all: build

deps:
	@./scripts/install-deps.sh

build: deps
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS) >/dev/null
	cmake --build $(BUILD) -j $(JOBS)

demo: build
	$(BUILD)/vmfault run scenarios/tutorial/03-isv0-instructions.yaml --explain
	$(BUILD)/vmfault run scenarios/tutorial/06-x86-mmio.yaml --explain
	$(BUILD)/vmfault demo

test: build
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

bench: build
	$(BUILD)/bench_arm64
	$(BUILD)/bench_x86
	$(BUILD)/bench_snapshot
	$(BUILD)/bench_irq

clean:
	rm -rf $(BUILD) build-asan
