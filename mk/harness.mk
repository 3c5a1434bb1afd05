# The MCP server's benchmark (issue #2).  The harness itself is built and run by the
# top-level Makefile (check-harness); this adds only what is not a test.
#
#   make bench-startup [BENCH_RUNS=25]   spawn -> initialize answered, RSS after tools/list
#
# A benchmark, never part of `make check`.

BENCH_RUNS    ?= 25
BENCH_STARTUP := $(BUILD)/bench/startup

$(BENCH_STARTUP): bench/startup.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(LDFLAGS_ALL) -o $@ $< $(LIBS_ALL)

.PHONY: bench-startup
bench-startup: $(BUILD)/bin/strata-mcp $(BENCH_STARTUP)
	@$(BENCH_STARTUP) -n $(BENCH_RUNS) $(BUILD)/bin/strata-mcp

bench: bench-startup
