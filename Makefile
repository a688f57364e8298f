# pvsites: two commands on a fresh Debian 12 machine with Swift 6.3.
#   make study   install what is missing, build, run the default study
#   make test    install what is missing, build, run the test suite
#   make test-kernels  fetch the Debian kernels, run the real-kernel tests
#   make kernel-study   the Linux 6.1 A/B (builds what is missing: about
#                       10 min per tree cold on 2 cores), prints the report
SWIFT      ?= swift
BUILD_FLAGS ?= -c release
PVSITES    := .build/release/pvsites
DEB_PACKAGES := libelf-dev libdw-dev libcapstone-dev liblzma-dev libzstd-dev \
                zlib1g-dev gcc binutils elfutils xz-utils zstd pkg-config

.PHONY: all deps build study test test-kernels bench fuzz clean kernel-study kernel-gate kernel-baseline kernel-record

all: build

# Install the Debian packages that are missing (as root), or print the
# exact apt-get line and stop.
deps:
	@missing=""; for p in $(DEB_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	  else \
	    echo "missing Debian packages; run:"; \
	    echo "  sudo apt-get update && sudo apt-get install -y$$missing"; \
	    exit 1; \
	  fi; \
	fi

build: deps
	$(SWIFT) build $(BUILD_FLAGS) --product pvsites

study: build
	$(PVSITES) study

test: deps
	$(SWIFT) test
	$(SWIFT) build --product pvsites && .build/debug/pvsites gate --baseline Corpus/baseline.json --cache .build/pvsites-fixtures/corpus

# The real-kernel tests (suites named RealKernel*), which `make test` skips,
# with the reason, when the kernels are not in the cache: fetch them first,
# then run them with PVSITES_REQUIRE_KERNELS=1, under which a missing
# kernel fails the test instead of skipping it. Stops if no test matches.
test-kernels: deps
	./scripts/fetch-kernels.sh all >/dev/null
	$(SWIFT) build --build-tests
	@$(SWIFT) test list --skip-build | grep RealKernel || { echo "no RealKernel tests"; exit 1; }
	PVSITES_REQUIRE_KERNELS=1 $(SWIFT) test --skip-build --filter RealKernel

# The Linux A/B, default matrix: 6.1, gcc, -O2 and -Os, retpolines on and
# off, the default subset; the plain form, and the direct form where its
# tree is built. Not part of `make test` (the small A/B in Tests/KernelTests
# is, when the source is cached). KERNEL_FLAGS adds options (e.g. --cache
# DIR, --source DIR, --format markdown, --form direct).
KERNEL_FLAGS ?=
# The gate and its baseline cover both forms, whatever is built (the
# missing trees are built first); KERNEL_FORMS="--form plain" for the plain
# form alone.
KERNEL_FORMS ?= --form plain --form direct
KERNEL_STUDY_JSON := .build/kernel-study-6.1.json
kernel-study: build
	$(PVSITES) kernel study $(KERNEL_FLAGS)

# The gate over the kernel study: same format and exit codes as the corpus
# gate (0 ok, 1 regression, 2 bad input).
# Then, when whole-kernel results are recorded (Kernels/results/6.1-*.json,
# `make kernel-record`), the whole tree is rebuilt where needed and every
# recorded count must come out again (exit 1 when one differs).
kernel-gate: build
	$(PVSITES) kernel study $(KERNEL_FORMS) --format json -o $(KERNEL_STUDY_JSON) $(KERNEL_FLAGS)
	$(PVSITES) gate --baseline Kernels/baseline-6.1.json --results $(KERNEL_STUDY_JSON)
	@set -e; for f in Kernels/results/6.1-*.json; do \
	  [ -f "$$f" ] || { echo "kernel-gate: no recorded whole-kernel result in Kernels/results/ (make kernel-record writes them)"; break; }; \
	  c=$${f#Kernels/results/6.1-}; c=$${c%.json}; \
	  echo "$(PVSITES) kernel study $(KERNEL_RECORD) --compiler $$c --check-recorded --format json -o .build/kernel-study-6.1-$$c-full.json $(KERNEL_FLAGS)"; \
	  $(PVSITES) kernel study $(KERNEL_RECORD) --compiler $$c --check-recorded --format json -o .build/kernel-study-6.1-$$c-full.json $(KERNEL_FLAGS); \
	done

# The whole-kernel results committed in Kernels/results/<version>-<compiler>.json
# (pvsites study leads with them): the whole tree and vmlinux, -O2 and -Os,
# retpolines on and off, the plain form. Hours on 2 cores when the trees
# are not built. KERNEL_RECORD_COMPILER=clang-14 for the LLVM build.
KERNEL_RECORD ?= --full --form plain
KERNEL_RECORD_COMPILER ?= gcc
kernel-record: build
	$(PVSITES) kernel study $(KERNEL_RECORD) --compiler $(KERNEL_RECORD_COMPILER) --record $(KERNEL_FLAGS)

# Rewrite Kernels/baseline-6.1.json and the small A/B's baseline
# (arch/x86/mm/, -O2, retpolines on) that `make test` checks.
kernel-baseline: build
	$(PVSITES) kernel study $(KERNEL_FORMS) --format json -o $(KERNEL_STUDY_JSON) $(KERNEL_FLAGS)
	$(PVSITES) gate --baseline Kernels/baseline-6.1.json --results $(KERNEL_STUDY_JSON) --update
	$(PVSITES) kernel study --opt -O2 --retpoline on --subset arch/x86/mm/ --format json -o .build/kernel-study-6.1-x86-mm.json $(KERNEL_FLAGS)
	$(PVSITES) gate --baseline Kernels/baseline-6.1-x86-mm.json --results .build/kernel-study-6.1-x86-mm.json --update

bench: build
	@./scripts/bench.sh $(PVSITES)

# The libFuzzer target over the whole path, built with
# -sanitize=fuzzer,address in its own scratch directory, run for
# FUZZ_SECONDS on seeds from corpus objects and real modules
# (scripts/fuzz.sh); prints executions and coverage at the end.
FUZZ_SECONDS ?= 300
FUZZ_FLAGS   ?=
FUZZER       := .build-fuzz/release/pvsites-fuzz
fuzz: build
	@mkdir -p .build-fuzz
	@$(SWIFT) build -c release --scratch-path .build-fuzz --product pvsites-fuzz \
	  -Xswiftc -sanitize=fuzzer,address -Xswiftc -DPVSITES_LIBFUZZER >.build-fuzz/build.log 2>&1 \
	  || { grep -v 'Cannot export local symbol' .build-fuzz/build.log; exit 1; }
	./scripts/fuzz.sh $(PVSITES) $(FUZZER) $(FUZZ_SECONDS) $(FUZZ_FLAGS)

clean:
	rm -rf .build
