# pvsites: two commands on a fresh Debian 12 machine with Swift 6.3.
#   make study   install what is missing, build, run the default study
#   make test    install what is missing, build, run the test suite
#   make test-kernels  fetch the Debian kernels, run the real-kernel tests
#   make kernel-study   the Linux A/B of KERNEL (default 6.1; builds what is
#                       missing: about 10 min per tree cold on 2 cores),
#                       prints the report; installs what the kernel build needs
SWIFT      ?= swift
BUILD_FLAGS ?= -c release
PVSITES    := .build/release/pvsites
DEB_PACKAGES := libelf-dev libdw-dev libcapstone-dev liblzma-dev libzstd-dev \
                zlib1g-dev gcc binutils elfutils xz-utils zstd pkg-config

.PHONY: all deps build study test test-kernels bench fuzz clean kernel-deps kernel-study kernel-gate kernel-baseline \
        test-kernel-trees kernel-record kernel-boot kernel-boot-xen install man gate

all: build

# Install the Debian packages that are missing (as root), or print the
# exact apt-get line and stop.
deps:
	@./scripts/install-debs.sh $(DEB_PACKAGES)

build: deps
	$(SWIFT) build $(BUILD_FLAGS) --product pvsites

study: build
	$(PVSITES) study

# `make install` (PREFIX, default /usr/local; DESTDIR for staging): the
# binary, its man page (swift-argument-parser's generate-manual plugin),
# bash, zsh and fish completions (the binary writes them), and the built-in
# corpus and Kernels/ in share/pvsites, where the installed binary looks for
# them when the current directory has none.
PREFIX  ?= /usr/local
MANPAGE := .build/plugins/GenerateManual/outputs/pvsites/pvsites.1

man: build
	$(SWIFT) package --disable-sandbox plugin generate-manual --configuration release

install: build man
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 \
	  $(DESTDIR)$(PREFIX)/share/bash-completion/completions $(DESTDIR)$(PREFIX)/share/zsh/site-functions \
	  $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d $(DESTDIR)$(PREFIX)/share/pvsites
	install -m 755 $(PVSITES) $(DESTDIR)$(PREFIX)/bin/pvsites
	install -m 644 $(MANPAGE) $(DESTDIR)$(PREFIX)/share/man/man1/pvsites.1
	$(PVSITES) --generate-completion-script bash > $(DESTDIR)$(PREFIX)/share/bash-completion/completions/pvsites
	$(PVSITES) --generate-completion-script zsh > $(DESTDIR)$(PREFIX)/share/zsh/site-functions/_pvsites
	$(PVSITES) --generate-completion-script fish > $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/pvsites.fish
	rm -rf $(DESTDIR)$(PREFIX)/share/pvsites/Corpus $(DESTDIR)$(PREFIX)/share/pvsites/Kernels
	cp -R Corpus Kernels $(DESTDIR)$(PREFIX)/share/pvsites/

# The gate checks the plain form for every compiler and the direct form for
# the main one (gcc): the direct form of gcc-11 and clang-14 was a fifth of
# the gate's cold corpus build and a third of its analysis, and tells the
# same story (`make gate` checks every form of every compiler).
GATE = .build/debug/pvsites gate --baseline Corpus/baseline.json --cache .build/pvsites-fixtures/corpus

test: deps
	$(SWIFT) test
	$(SWIFT) build --product pvsites
	$(GATE) --form plain
	$(GATE) --compiler gcc --form direct

gate: deps
	$(SWIFT) build --product pvsites
	$(GATE)

# The real-kernel tests (suites named RealKernel*), which `make test` skips,
# with the reason, when the kernels are not in the cache: fetch them first,
# then run them with PVSITES_REQUIRE_KERNELS=1, under which a missing
# kernel fails the test instead of skipping it. Stops if no test matches.
test-kernels: deps
	./scripts/fetch-kernels.sh all >/dev/null
	$(SWIFT) build --build-tests
	@$(SWIFT) test list --skip-build | grep RealKernel || { echo "no RealKernel tests"; exit 1; }
	PVSITES_REQUIRE_KERNELS=1 $(SWIFT) test --skip-build --filter RealKernel

# The Linux A/B, default matrix: KERNEL (a Kernels/linux-$(KERNEL)/ directory
# with its version.info), gcc, -O2 and -Os, retpolines on and off, the
# version's default subset; the plain form, and the direct form where its
# tree is built. Not part of `make test` (the small A/B in Tests/KernelTests
# is, when the source is cached). KERNEL_COMPILERS names the compilers
# (default gcc; clang-14 builds with the LLVM toolchain, LLVM=-14).
# KERNEL_FLAGS adds options (e.g. --cache DIR, --source DIR, --format
# markdown, --form direct, --full).
KERNEL ?= 6.1
KERNEL_COMPILERS ?=
KERNEL_FLAGS ?=
KERNEL_ARGS = --kernel $(KERNEL) $(foreach c,$(KERNEL_COMPILERS),--compiler $(c))
# What the kernel build needs on top of DEB_PACKAGES (gcc, binutils,
# libelf-dev for objtool, xz-utils to unpack linux-source): make; flex,
# bison (Kconfig's parser), bc (kernel/time/timeconst.bc), libssl-dev
# (certs/extract-cert, scripts/sign-file), cpio (Documentation/process/changes.rst),
# rsync, patch (build.sh), python3 (Kbuild's $(PYTHON3); check.py). Kbuild's
# $(PERL), gzip (bzImage), flock, awk, sed, tar, dpkg-deb are in Debian's
# essential or required packages. Checked in a `debootstrap --variant=minbase
# bookworm` chroot: with DEB_PACKAGES alone build.sh stops (no patch, flex,
# bison, bc); with these added it builds arch/x86/mm/ and certs/ (extract-cert).
# A clang-N compiler, in KERNEL_COMPILERS or as
# --compiler in KERNEL_FLAGS, adds clang-N lld-N llvm-N; gcc-N adds itself.
KERNEL_DEB_PACKAGES := make flex bison bc libssl-dev cpio rsync patch python3
KERNEL_CC_WORDS = $(KERNEL_COMPILERS) $(subst =, ,$(KERNEL_FLAGS))
KERNEL_CC_PACKAGES = $(foreach c,$(filter clang-%,$(KERNEL_CC_WORDS)),$(c) $(patsubst clang-%,lld-%,$(c)) $(patsubst clang-%,llvm-%,$(c))) \
                     $(filter gcc-%,$(KERNEL_CC_WORDS))
# The gate and its baseline cover both forms, whatever is built (the
# missing trees are built first); KERNEL_FORMS="--form plain" for the plain
# form alone. Baselines are per version: Kernels/baseline-$(KERNEL).json,
# and the small A/B's Kernels/baseline-$(KERNEL)-x86-mm.json.
KERNEL_FORMS ?= --form plain --form direct
KERNEL_STUDY_JSON = .build/kernel-study-$(KERNEL).json

# Install what the kernel build needs (as root), or print the apt-get line.
kernel-deps:
	@./scripts/install-debs.sh $(KERNEL_DEB_PACKAGES) $(KERNEL_CC_PACKAGES)

kernel-study: build kernel-deps
	$(PVSITES) kernel study $(KERNEL_ARGS) $(KERNEL_FLAGS)

# The boot proof: records made from a scan of the whole plain kernel are
# linked into it and booted under QEMU (TCG, a hard time limit, serial logs
# kept in the kernel cache's boot/), beside the annotated kernel and the
# plain kernel without records. Builds the whole kernel first when it is not
# built (an hour or more per tree on 2 cores). The initramfs needs
# busybox-static; a static exercise is built with gcc (libc6-dev).
KERNEL_BOOT_PACKAGES := qemu-system-x86 busybox-static libc6-dev
KERNEL_BOOT_FLAGS ?= --opt -O2
kernel-boot: build kernel-deps
	@./scripts/install-debs.sh $(KERNEL_BOOT_PACKAGES)
	$(PVSITES) kernel boot $(KERNEL_ARGS) $(KERNEL_BOOT_FLAGS) $(KERNEL_FLAGS)

# The same boots, each kernel as dom0 of Debian's Xen hypervisor under QEMU.
# pvsites fetches xen-hypervisor-4.17-amd64 with apt-get download and
# unpacks the hypervisor into the kernel cache's xen/; it is never installed
# (its package would hook into the machine's boot loader).
kernel-boot-xen: build kernel-deps
	@./scripts/install-debs.sh $(KERNEL_BOOT_PACKAGES)
	$(PVSITES) kernel boot --xen $(KERNEL_ARGS) $(KERNEL_BOOT_FLAGS) $(KERNEL_FLAGS)

# The gate over the kernel study: same format and exit codes as the corpus
# gate (0 ok, 1 regression, 2 bad input).
# Then, when whole-kernel results are recorded (Kernels/results/$(KERNEL)-*.json,
# `make kernel-record`), the whole tree is rebuilt where needed and every
# recorded count must come out again (exit 1 when one differs).
kernel-gate: build kernel-deps
	$(PVSITES) kernel study $(KERNEL_ARGS) $(KERNEL_FORMS) --format json -o $(KERNEL_STUDY_JSON) $(KERNEL_FLAGS)
	$(PVSITES) gate --baseline Kernels/baseline-$(KERNEL).json --results $(KERNEL_STUDY_JSON)
	@set -e; for f in Kernels/results/$(KERNEL)-*.json; do \
	  [ -f "$$f" ] || { echo "kernel-gate: no recorded whole-kernel result in Kernels/results/ (make kernel-record writes them)"; break; }; \
	  c=$${f#Kernels/results/$(KERNEL)-}; c=$${c%.json}; \
	  echo "$(PVSITES) kernel study $(KERNEL_ARGS) $(KERNEL_RECORD) --compiler $$c --check-recorded --format json -o .build/kernel-study-$(KERNEL)-$$c-full.json $(KERNEL_FLAGS)"; \
	  $(PVSITES) kernel study $(KERNEL_ARGS) $(KERNEL_RECORD) --compiler $$c --check-recorded --format json -o .build/kernel-study-$(KERNEL)-$$c-full.json $(KERNEL_FLAGS); \
	done

# The whole-kernel results committed in Kernels/results/<version>-<compiler>.json
# (pvsites study leads with them): the whole tree and vmlinux, -O2 and -Os,
# retpolines on and off, the plain form. Hours on 2 cores when the trees
# are not built. KERNEL_RECORD_COMPILER=clang-14 for the LLVM build.
KERNEL_RECORD ?= --full --form plain
KERNEL_RECORD_COMPILER ?= gcc
kernel-record: build kernel-deps
	$(PVSITES) kernel study $(KERNEL_ARGS) $(KERNEL_RECORD) --compiler $(KERNEL_RECORD_COMPILER) --record $(KERNEL_FLAGS)

# Rewrite Kernels/baseline-$(KERNEL).json and the small A/B's baseline
# (arch/x86/mm/, -O2, retpolines on) that `make test` checks.
kernel-baseline: build kernel-deps
	$(PVSITES) kernel study $(KERNEL_ARGS) $(KERNEL_FORMS) --format json -o $(KERNEL_STUDY_JSON) $(KERNEL_FLAGS)
	$(PVSITES) gate --baseline Kernels/baseline-$(KERNEL).json --results $(KERNEL_STUDY_JSON) --update
	$(PVSITES) kernel study $(KERNEL_ARGS) --opt -O2 --retpoline on --subset arch/x86/mm/ --form plain --format json -o .build/kernel-study-$(KERNEL)-x86-mm.json $(KERNEL_FLAGS)
	$(PVSITES) gate --baseline Kernels/baseline-$(KERNEL)-x86-mm.json --results .build/kernel-study-$(KERNEL)-x86-mm.json --update

# The A/B-tree tests of Tests/KernelTests, which `make test` skips, with the
# reason, when their trees are not built: build the small trees they read
# (6.1, the version those tests are written for: arch/x86/mm/, gcc -O2,
# retpolines on; annotated, plain and direct; in $PVSITES_CACHE/kernels or
# ~/.cache/pvsites/kernels, where the tests look), then run them with
# PVSITES_REQUIRE_KERNEL_TREES=1, under which a missing tree fails the test
# instead of skipping it.
test-kernel-trees: build kernel-deps
	$(PVSITES) kernel build --kernel 6.1 --opt -O2 --retpoline on --subset arch/x86/mm/ --form plain --form direct
	$(SWIFT) build --build-tests
	PVSITES_REQUIRE_KERNEL_TREES=1 $(SWIFT) test --skip-build --filter '^KernelTests\.'

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
