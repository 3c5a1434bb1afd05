# Strata — build, test and demo.
#
#   make          build bin/strata-mcp and bin/strata-sim (installs missing packages first)
#   make check    every test: unit suites, JSON-RPC harness scripts, module checks
#                 (mk/*.mk), end-to-end tests with real MCP clients, then the unit and
#                 harness tests again under AddressSanitizer + UBSan, and the suites
#                 where threads meet (simulator, logging, client) under ThreadSanitizer
#   make demo     the scripted MCP session against the embedded simulated cluster
#   make deps     install the Debian packages pkg-config cannot find (no-op when present)
#
# Modules add their own checks in mk/<module>.mk by appending to CHECK_TARGETS (run by
# `make check`) and ASAN_TARGETS (run again in the sanitizer build), so that this file
# rarely changes when a module grows.

CC       ?= cc
BUILD    ?= build
SAN      ?=
PKGS     := libuv jansson libcurl yaml-0.1 libmicrohttpd libcrypto
TEST_PKG := check

# Debian packages that provide each pkg-config name (used by `make deps`).
DEB_libuv          := libuv1-dev
DEB_jansson        := libjansson-dev
DEB_libcurl        := libcurl4-openssl-dev
DEB_yaml-0.1       := libyaml-dev
DEB_libmicrohttpd  := libmicrohttpd-dev
DEB_libcrypto      := libssl-dev
DEB_check          := check libsubunit-dev
DEB_TOOLS          := pkg-config openssl

WERROR   ?= -Werror
WARN     := -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
            -Wno-unused-parameter -Wvla $(WERROR)
CSTD     := -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE
OPT      ?= -O2 -g
V        ?= 0
Q        := $(if $(filter 1,$(V)),,@)
ifeq ($(SAN),1)
OPT      := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
            -fno-sanitize-recover=undefined
LDSAN    := -fsanitize=address,undefined
endif
ifeq ($(SAN),thread)
OPT      := -O1 -g -fno-omit-frame-pointer -fsanitize=thread
LDSAN    := -fsanitize=thread
endif

PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CHK_CFLAGS = $(shell pkg-config --cflags $(TEST_PKG) 2>/dev/null)
CHK_LIBS   = $(shell pkg-config --libs $(TEST_PKG) 2>/dev/null)

CFLAGS_ALL  = $(CSTD) $(WARN) $(OPT) -Iinclude -I$(BUILD)/gen -MMD -MP $(PKG_CFLAGS) $(CFLAGS)
LDFLAGS_ALL = $(LDSAN) $(LDFLAGS)
LIBS_ALL    = $(PKG_LIBS) -lm -lpthread

# Library sources: every .c under src/<module>/ except the programs' mains.
MAINS    := src/main.c src/sim/main.c
LIB_SRC  := $(filter-out $(MAINS),$(wildcard src/util/*.c src/mcp/*.c src/kube/*.c \
                                                src/coord/*.c src/sim/*.c))
LIB_OBJ  := $(patsubst %.c,$(BUILD)/obj/%.o,$(LIB_SRC)) $(BUILD)/obj/gen/schemas.o
LIB      := $(BUILD)/libstrata.a

SCHEMAS  := $(sort $(wildcard schemas/*.json))

UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))
HARNESS  := $(BUILD)/tests/harness

BINS     := $(if $(wildcard src/main.c),$(BUILD)/bin/strata-mcp) \
            $(if $(wildcard src/sim/main.c),$(BUILD)/bin/strata-sim)

CHECK_TARGETS :=
ASAN_TARGETS  :=

.PHONY: all deps check check-unit check-harness check-e2e check-asan check-valgrind \
        check-tsan check-tsan-run \
        demo demo-run bench clean install
all: deps
	@$(MAKE) --no-print-directory build-all

.PHONY: build-all
build-all: $(BINS) bin

# Stable paths for users and scripts: bin/ links to the normal build.
bin: $(BINS)
	@mkdir -p bin
	@for b in $(notdir $(BINS)); do ln -sf ../$(BUILD)/bin/$$b bin/$$b; done

deps:
	@missing=""; \
	for p in $(PKGS) $(TEST_PKG); do \
	  pkg-config --exists $$p 2>/dev/null || missing="$$missing $$p"; \
	done; \
	command -v pkg-config >/dev/null 2>&1 || missing="$$missing pkg-config"; \
	if [ -n "$$missing" ]; then \
	  debs="$(DEB_TOOLS)"; \
	  for p in $$missing; do \
	    case $$p in \
	      libuv) debs="$$debs $(DEB_libuv)";; jansson) debs="$$debs $(DEB_jansson)";; \
	      libcurl) debs="$$debs $(DEB_libcurl)";; yaml-0.1) debs="$$debs $(DEB_yaml-0.1)";; \
	      libmicrohttpd) debs="$$debs $(DEB_libmicrohttpd)";; \
	      libcrypto) debs="$$debs $(DEB_libcrypto)";; check) debs="$$debs $(DEB_check)";; \
	    esac; \
	  done; \
	  echo "deps: missing$$missing; installing:$$debs" >&2; \
	  if [ "$$(id -u)" != 0 ]; then echo "deps: run as root (apt-get)" >&2; exit 1; fi; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$debs >&2; \
	fi

$(BUILD)/gen/schemas.c: $(SCHEMAS) tools/embed-schemas.sh
	@mkdir -p $(dir $@)
	sh tools/embed-schemas.sh $(SCHEMAS) > $@.tmp && mv $@.tmp $@

$(BUILD)/obj/gen/schemas.o: $(BUILD)/gen/schemas.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -c -o $@ $<

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(CFLAGS_ALL) -c -o $@ $<

$(LIB): $(LIB_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

# strata-mcp loads libcurl when it first talks to a cluster (src/kube/curl_dl.c) and
# libmicrohttpd when it hosts a simulator (src/sim/mhd_dl.c), so it is linked against
# neither: a start then skips some forty shared libraries it may never need.
MCP_LIBS = $(shell pkg-config --libs $(filter-out libcurl libmicrohttpd,$(PKGS)) \
	    2>/dev/null) -lm -lpthread -ldl

$(BUILD)/bin/strata-mcp: $(BUILD)/obj/src/main.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(MCP_LIBS)

$(BUILD)/bin/strata-sim: $(BUILD)/obj/src/sim/main.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LIBS_ALL)

$(BUILD)/tests/test_%: tests/unit/test_%.c tests/unit/testutil.h $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(CHK_CFLAGS) -Itests/unit $(LDFLAGS_ALL) -o $@ $< $(LIB) \
	    $(LIBS_ALL) $(CHK_LIBS)

$(HARNESS): $(wildcard tests/harness/*.c tests/harness/*.h) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(LDFLAGS_ALL) -o $@ $(wildcard tests/harness/*.c) $(LIB) $(LIBS_ALL)

# Module makefiles: extra programs, checks, benchmarks.
-include $(sort $(wildcard mk/*.mk))

# ---------------------------------------------------------------------------------------
# Tests.  Each runner prints its own summary line; a failure anywhere fails `make check`.

check: deps
	@$(MAKE) --no-print-directory check-unit check-harness $(CHECK_TARGETS) check-e2e
	@$(MAKE) --no-print-directory check-asan
	@$(MAKE) --no-print-directory check-tsan
	@echo "make check: all test groups passed"

check-unit: $(BINS) $(UNIT_BIN)
	@sh tests/run-unit.sh $(UNIT_BIN)

check-harness: $(BINS) $(if $(wildcard tests/harness/*.c),$(HARNESS))
	@sh tests/run-harness.sh $(HARNESS) $(BUILD)/bin/strata-mcp tests/mcp

check-e2e: $(BINS)
	@sh tests/e2e/run.sh $(BUILD)/bin/strata-mcp

check-asan:
	@$(MAKE) --no-print-directory BUILD=build-asan SAN=1 check-unit check-harness $(ASAN_TARGETS)

# The simulator serves every connection on a thread of its own and runs its controllers
# on another, and the in-process simulator logs through the same logger as the server:
# these suites and the harness scripts (several host the simulator in-process) run again
# under ThreadSanitizer, where a race is an error.
TSAN_SUITES := util sim_api sim_fault sim_patch sim_tls sim_ctl_apps sim_ctl_machine \
               sim_ctl_mco sim_ctl_workload kube_sim coord_service_exec
check-tsan:
	@$(MAKE) --no-print-directory BUILD=build-tsan SAN=thread check-tsan-run

check-tsan-run: $(patsubst %,$(BUILD)/tests/test_%,$(TSAN_SUITES)) $(HARNESS) \
                $(BUILD)/bin/strata-mcp
	@TSAN_OPTIONS="halt_on_error=0 $${TSAN_OPTIONS:-}" sh tests/run-tsan.sh $(HARNESS) \
	    $(BUILD)/bin/strata-mcp $(patsubst %,$(BUILD)/tests/test_%,$(TSAN_SUITES))

check-valgrind: $(BINS) $(UNIT_BIN) $(HARNESS)
	@VALGRIND=1 sh tests/run-unit.sh $(UNIT_BIN)
	@STRATA_WRAP="valgrind -q --leak-check=full --error-exitcode=99" \
	    sh tests/run-harness.sh $(HARNESS) $(BUILD)/bin/strata-mcp tests/mcp

# ---------------------------------------------------------------------------------------
# The main job on the embedded simulated cluster: a scripted MCP session (tools/demo.c)
# against `strata-mcp --simulate` with the seed's first scenario, then an incident whose
# fix does not hold and is rolled back.

DEMO_SCENARIO  ?= examples/scenarios/01-node-memory-pressure-argocd.json
DEMO_SCENARIO2 ?= examples/scenarios/05-app-only-crashloop.json

demo: deps
	@$(MAKE) --no-print-directory demo-run

demo-run: $(BUILD)/bin/strata-mcp $(BUILD)/bin/strata-demo
	@rm -f $(BUILD)/demo-server.log
	@$(BUILD)/bin/strata-demo $(BUILD)/bin/strata-mcp $(DEMO_SCENARIO) $(DEMO_SCENARIO2)

PREFIX ?= /usr/local

install: all
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 0755 $(BUILD)/bin/strata-mcp $(BUILD)/bin/strata-sim $(DESTDIR)$(PREFIX)/bin/

clean:
	rm -rf build build-asan bin bench/out

-include $(LIB_OBJ:.o=.d) $(BUILD)/obj/src/main.d $(BUILD)/obj/src/sim/main.d \
    $(UNIT_BIN:=.d)
