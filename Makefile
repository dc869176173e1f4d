# The two commands of the README, and the steps they are made of.
# Every target installs what is missing first (scripts/install-deps.sh, apt-get as root).
PRESET ?= release
SMM_WERROR ?= OFF
export SMM_WERROR

.PHONY: demo test check deps build test-asan test-tsan test-faults fuzz bench clean

deps:
	@scripts/install-deps.sh

build: deps
	@cmake --preset $(PRESET) >/dev/null
	@cmake --build --preset $(PRESET)

## make test: install, build, run every test
test: build
	@ctest --preset $(PRESET)

## static checks (CI): formatting against .clang-format, every header compiled alone
check: build
	@scripts/check.sh build/$(PRESET)

## the same suite under AddressSanitizer + UndefinedBehaviorSanitizer
test-asan:
	@$(MAKE) --no-print-directory test PRESET=asan

## the tests that run more than one thread (label tsan) under ThreadSanitizer: builds only what
## they need (target tsan_tests); any report, from a test or a process it starts, fails the run
test-tsan: deps
	@cmake --preset tsan >/dev/null
	@cmake --build --preset tsan --target tsan_tests
	@ctest --preset tsan -L tsan

## the fault suite's full form: >= 20 kill -9 under load, thousands of orders, every fault mode
## against every action (`make test` runs its short form). SMM_FAULTS_KILLS, SMM_FAULTS_ORDERS
## and SMM_FAULTS_SEED size and repeat a run.
SMM_FAULTS_KILLS ?= 20
SMM_FAULTS_ORDERS ?= 4000
test-faults: build
	@SMM_FAULTS_KILLS=$(SMM_FAULTS_KILLS) SMM_FAULTS_ORDERS=$(SMM_FAULTS_ORDERS) \
	  ctest --preset $(PRESET) -L faults --verbose

## libFuzzer targets (fuzz/, clang, ASan + UBSan): build them, run each for FUZZ_SECONDS, print
## the executions per target; fails on any crash, sanitizer report or broken invariant.
FUZZ_SECONDS ?= 60
fuzz: deps
	@cmake --preset fuzz >/dev/null
	@cmake --build --preset fuzz
	@FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/fuzz.sh build/fuzz

## make demo: install, build, run the main job
demo: build
	@scripts/demo.sh build/$(PRESET)

bench: build
	@scripts/bench.sh build/$(PRESET)

clean:
	rm -rf build
