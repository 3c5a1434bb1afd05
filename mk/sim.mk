# strata-sim: the real kubectl against the simulator (part of `make check`, and again
# against the sanitizer build), and the paged-list benchmark (`make bench-sim-list`, not
# part of check).  The Check suites tests/unit/test_sim_*.c are picked up by the Makefile.

.PHONY: check-sim-kubectl bench-sim-list

check-sim-kubectl: $(BUILD)/bin/strata-sim
	@sh tests/kubectl/run.sh $(BUILD)/bin/strata-sim

CHECK_TARGETS += check-sim-kubectl
ASAN_TARGETS  += check-sim-kubectl

bench-sim-list: $(BUILD)/bin/strata-sim
	@sh bench/sim-list $(BUILD)/bin/strata-sim
