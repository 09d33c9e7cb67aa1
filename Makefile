# Two commands do everything on a fresh Debian 12 machine (root or sudo for missing packages):
#   make demo   installs what is missing, builds, and runs the main job
#   make test   installs what is missing, builds, runs the C++ suite (ctest) and the Python suite (pytest)
# More: make test-torch (the torch tests, with Debian's python3-torch), make test-sanitizers (ASan+UBSan,
# TSan), make lint (clang-format, clang-tidy), make bench, make wheel (build/wheel: a manylinux wheel).

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
JOBS ?= $(shell nproc)
VENV ?= .venv
PYTHON := $(VENV)/bin/python
# CI sets CI=true: warnings become errors there.
WERROR := $(if $(filter true 1,$(CI)),ON,OFF)
CMAKE_FLAGS := -DCHANLOAD_WERROR=$(WERROR) $(EXTRA_CMAKE_FLAGS)
# CUDA=ON: the release build and the wheel must find the CUDA toolkit (docker/Dockerfile's GPU image);
# unset, they use it where it is found (the sanitizer builds never do).
CUDA_FLAG := $(if $(CUDA),-DCHANLOAD_CUDA=$(CUDA))
DEMO_ROOT := build/demo-job

.PHONY: all deps deps-python build wheel test test-cpp test-python test-torch test-sanitizers test-asan test-tsan \
        demo fuzz lint format bench clean

all: build

deps:
	scripts/install-deps

deps-python:
	scripts/install-deps --python $(VENV)

build: deps
	cmake --preset release $(CMAKE_FLAGS) $(CUDA_FLAG) -DCHANLOAD_BUILD_TESTS=ON -DCHANLOAD_BUILD_BENCHMARKS=ON
	cmake --build build/release -j $(JOBS)

test: test-cpp test-python

test-cpp: build
	ctest --preset release -j $(JOBS)

# The Python suite runs against the wheel as a user installs it: built, made to carry its shared
# libraries (scripts/build-wheel), installed with its test extras into a new virtual environment
# that sees nothing else (scripts/check-wheel). $(VENV) gets the wheel too, for bench/ and for
# torch where the system has it.
WHEEL_DIR := build/wheel
wheel: deps-python
	scripts/build-wheel $(PYTHON) $(WHEEL_DIR) -Ccmake.define.CHANLOAD_WERROR=$(WERROR) \
	  $(if $(CUDA),-Ccmake.define.CHANLOAD_CUDA=$(CUDA))

test-python: wheel
	$(PYTHON) -m pip install -q --disable-pip-version-check --force-reinstall --no-deps $(WHEEL_DIR)/chanload-*.whl
	scripts/check-wheel $(WHEEL_DIR)/chanload-*.whl build/wheel-venv

# The torch tests and examples/pytorch, against Debian's python3-torch (CPU) seen by a venv that
# holds only the wheel and pytest. Apart from make test: it installs ~180 Debian packages.
test-torch: wheel
	scripts/install-deps --torch
	scripts/install-wheel --system-site-packages $(WHEEL_DIR)/chanload-*.whl build/torch-venv
	build/torch-venv/bin/python -c 'import torch; print("test-torch: torch", torch.__version__)'
	build/torch-venv/bin/python -m pytest -q -p no:cacheprovider tests/python -k torch

test-sanitizers: test-asan test-tsan

test-asan test-tsan: test-%: deps
	cmake --preset $* $(CMAKE_FLAGS)
	cmake --build build/$* -j $(JOBS)
	ctest --preset $* -j $(JOBS)

demo: build
	scripts/demo $(DEMO_ROOT)

FUZZ_TARGETS := fuzz_framers fuzz_csv_decoder fuzz_recordio_protobuf fuzz_python_json fuzz_decompress \
                fuzz_float_parse
FUZZ_SECONDS ?= 20
# Each target runs FUZZ_SECONDS from the committed seeds; a crash, a sanitizer report, or an
# allocation over 64 MiB (whatever a length field says) fails it. fuzz_decompress may take zstd's
# largest accepted window, 128 MiB (docs/architecture.md), so its limit is 160 MiB.
fuzz: deps
	cmake --preset fuzz
	cmake --build build/fuzz -j $(JOBS) --target $(FUZZ_TARGETS)
	for target in $(FUZZ_TARGETS); do \
	  mkdir -p build/fuzz/corpus/$$target; \
	  echo "== $$target ($(FUZZ_SECONDS) s)"; \
	  limit=64; [ $$target = fuzz_decompress ] && limit=160; \
	  build/fuzz/tests/fuzz/$$target -max_total_time=$(FUZZ_SECONDS) -malloc_limit_mb=$$limit -rss_limit_mb=2048 \
	    -print_final_stats=1 build/fuzz/corpus/$$target tests/fuzz/corpus/$$target 2>&1 | tail -4; \
	  test $${PIPESTATUS[0]} -eq 0 || exit 1; \
	done

lint: build
	scripts/lint

format:
	clang-format -i $$(git ls-files '*.h' '*.cc')

bench: build
	build/release/bench/chanload_bench_env --benchmark_min_time=0.2

clean:
	rm -rf build
