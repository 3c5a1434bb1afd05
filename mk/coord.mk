# coord/detect: a developer tool that runs the detect engine over a scenario file or a
# synthetic cluster (`$(BUILD)/tests/detect-tool --synthetic 5000 150000` prints time and
# peak RSS).  The corpus and unit checks are ordinary Check suites (tests/unit/test_coord_detect*).

DETECT_TOOL := $(BUILD)/tests/detect-tool

$(DETECT_TOOL): tests/scenarios/detect_tool.c tests/unit/test_coord_detect_synth.h $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(LDFLAGS_ALL) -o $@ $< $(LIB) $(LIBS_ALL)

.PHONY: detect-tool
detect-tool: $(DETECT_TOOL)

# detect_layers over a whole generated cluster through strata-mcp (bench, not a test).
.PHONY: bench-detect
bench-detect: $(BUILD)/bin/strata-mcp $(BUILD)/bin/strata-sim
	@bash bench/detect $(BUILD)/bin/strata-mcp $(BUILD)/bin/strata-sim $(BENCH_SPEC)

# The scripted MCP session of `make demo` (tools/demo.c).
DEMO := $(BUILD)/bin/strata-demo

$(DEMO): tools/demo.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(LDFLAGS_ALL) -o $@ $< $(LIBS_ALL)

# make check plays the demo too: it asserts every outcome (incident 1 repaired and
# verified, incident 2 rolled back, rollback_plan idempotent) through the real binary.
.PHONY: check-demo
check-demo: $(BUILD)/bin/strata-mcp $(BUILD)/bin/strata-demo
	@rm -f $(BUILD)/demo-server.log
	@$(BUILD)/bin/strata-demo $(BUILD)/bin/strata-mcp $(DEMO_SCENARIO) $(DEMO_SCENARIO2) \
	    > $(BUILD)/demo-transcript.txt 2>&1 || { cat $(BUILD)/demo-transcript.txt; \
	    echo "check-demo: FAILED"; exit 1; }
	@tail -1 $(BUILD)/demo-transcript.txt

CHECK_TARGETS += check-demo
