# coord/exec: the executor's benchmark (`make bench-execute`, not part of check).  Its Check
# suites (tests/unit/test_coord_exec*.c) are picked up by the Makefile itself.
#
#   make bench-execute    a 1,000-step dry run and 100 concurrent 2-step plans against
#                         strata-sim; prints seconds and peak RSS

BENCH_EXECUTE     := $(BUILD)/bench/execute
BENCH_EXECUTE_DIR ?= /tmp

$(BENCH_EXECUTE): bench/execute.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(LDFLAGS_ALL) -o $@ $< $(LIB) $(LIBS_ALL)

.PHONY: bench-execute
bench-execute: $(BENCH_EXECUTE)
	@$(BENCH_EXECUTE) $(BENCH_EXECUTE_DIR)

bench: bench-execute
