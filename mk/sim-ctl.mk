# strata-sim controllers: the real kubectl through flows that need the controllers
# (drain blocked by a PDB then completing, rollout restart/status/undo, uncordon).
# The unit suites (tests/unit/test_sim_ctl_*.c) are picked up by the Makefile itself.
#
# The oldest and the newest kubectl installed are used when present (the dispatcher's
# default otherwise); the sanitizer build runs the flow once with the default kubectl.

KUBECTL_DIR      ?= /usr/lib/google-cloud-sdk/bin
SIM_CTL_KUBECTLS ?= $(firstword $(sort $(wildcard $(KUBECTL_DIR)/kubectl.1.*))) \
                    $(lastword $(sort $(wildcard $(KUBECTL_DIR)/kubectl.1.*)))
SIM_CTL_FIXTURE  := tests/sim-fixtures/ctl-drain.json

.PHONY: check-sim-ctl-kubectl check-sim-ctl-kubectl-once
check-sim-ctl-kubectl: $(BUILD)/bin/strata-sim
	@sh tests/kubectl-ctl/drain-rollout.sh $(BUILD)/bin/strata-sim $(SIM_CTL_FIXTURE) \
	    $(or $(strip $(SIM_CTL_KUBECTLS)),kubectl)

check-sim-ctl-kubectl-once: $(BUILD)/bin/strata-sim
	@sh tests/kubectl-ctl/drain-rollout.sh $(BUILD)/bin/strata-sim $(SIM_CTL_FIXTURE) kubectl

CHECK_TARGETS += check-sim-ctl-kubectl
ASAN_TARGETS  += check-sim-ctl-kubectl-once
