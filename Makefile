# Thin wrapper over the CMake presets (CMakePresets.json). Every target installs what it needs first.
#   make run    build, then `aaitictl up`: the stack on its embedded default (see README)
#   make test   build with -Werror, run every test (unit, pg, e2e), then the kit tests under ASan+UBSan
#   make bench  build release binaries and run every benchmark under bench/
SHELL := /bin/bash
.DEFAULT_GOAL := help
.PHONY: help deps build release run test test-asan bench clean

help:
	@echo "make run    build and start the stack on its embedded default"
	@echo "make test   install dependencies, build and pass every test"
	@echo "make bench  run the benchmarks under bench/ (release build)"

deps:
	@bash scripts/install-deps.sh

build: deps
	cmake --preset dev >/dev/null
	cmake --build --preset dev

release: deps
	cmake --preset release >/dev/null
	cmake --build --preset release

# The embedded default (gateway + auth on SQLite) under aaitictl's supervisor, in the foreground; state in
# ./.aaiti, secrets in ./secrets. `aaitictl up --profile production` is the whole stack.
run: release
	@build/release/cli/aaitictl up

test: deps
	cmake --preset ci >/dev/null
	cmake --build --preset ci
	ctest --preset ci
	$(MAKE) --no-print-directory test-asan

# The HTTP kit parses untrusted bytes: its tests also run under AddressSanitizer + UBSan.
test-asan: deps
	cmake --preset asan >/dev/null
	cmake --build --preset asan --target aaiti_kit_tests
	ctest --preset asan -L aaiti_kit_tests

bench: release
	@for script in bench/*.sh; do echo "== $$script"; bash "$$script" || exit 1; done

clean:
	rm -rf build
