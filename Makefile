# SPDX-License-Identifier: Apache-2.0
# Thin wrapper over meson. `make run` boots the default guest; `make test`
# installs what is missing, builds, fetches the guest image and runs every test.
BUILD ?= build
GUEST := $(BUILD)/guest
STRATA := $(BUILD)/strata

.PHONY: all setup build run test difftest fuzz guest tiny-kernel debian-image bench clean

all: build

setup:
	@scripts/setup

$(BUILD)/build.ninja:
	meson setup $(BUILD)

build: setup $(BUILD)/build.ninja
	@ninja -C $(BUILD)

guest: setup
	@scripts/guest $(GUEST)

# A full Debian system (systemd, sshd) on build/guest/debian.qcow2: strata run --root it.
debian-image: build guest
	@scripts/setup debian
	@scripts/debian-image $(GUEST)

tiny-kernel:
	@scripts/setup kernel
	@scripts/tiny-kernel $(GUEST)

run: build guest
	$(STRATA) run

test: build guest tiny-kernel
	@scripts/run-tests $(BUILD)

# Longer differential run of the emu engine: make difftest N=5000000 [SEED=n]
N ?= 1000000
SEED ?= $(shell od -An -N4 -tu4 /dev/urandom | tr -d ' ')
difftest: build
	$(BUILD)/tests/difftest/difftest --cases $(N) --seed $(SEED)

# Longer, coverage-guided fuzzing with clang's libFuzzer (docs/testing.md, "Fuzzing"):
# make fuzz [FUZZ_SECONDS=600] [FUZZ_TARGETS="elf bzimage"] [FUZZ_SEED=n]
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 300
FUZZ_TARGETS ?=
fuzz: build
	@scripts/setup fuzz
	@scripts/fuzz $(FUZZ_BUILD) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

bench: build
	@scripts/setup bench
	@bench/run $(BUILD)

clean:
	rm -rf $(BUILD) $(FUZZ_BUILD)
