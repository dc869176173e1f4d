# The two commands of the README, and the steps they are made of.
# Every target installs what is missing first (scripts/install-deps.sh, apt-get as root).
PRESET ?= release
SMM_WERROR ?= OFF
export SMM_WERROR

.PHONY: demo test deps build test-asan test-tsan bench clean

deps:
	@scripts/install-deps.sh

build: deps
	@cmake --preset $(PRESET) >/dev/null
	@cmake --build --preset $(PRESET)

## make test: install, build, run every test
test: build
	@ctest --preset $(PRESET)

## the same suite under AddressSanitizer + UndefinedBehaviorSanitizer
test-asan:
	@$(MAKE) --no-print-directory test PRESET=asan

test-tsan:
	@$(MAKE) --no-print-directory test PRESET=tsan

## make demo: install, build, run the main job
demo: build
	@scripts/demo.sh build/$(PRESET)

bench: build
	@scripts/bench.sh build/$(PRESET)

clean:
	rm -rf build
