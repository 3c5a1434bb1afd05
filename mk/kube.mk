# The kube client module: its benchmark (not part of `make check`).  The unit suites
# tests/unit/test_kube_*.c are built and run by the top-level rules.
#
#   make bench-kube-list              list all pods of generated 15,000- and 150,000-pod
#                                     clusters page by page; prints seconds, MB/s, peak RSS
#   make bench-kube-list KUBE_BENCH_SIZES="1000" other cluster sizes

.PHONY: bench-kube-list
KUBE_BENCH_SIZES ?= 15000 150000

$(BUILD)/bin/kube-list-bench: bench/kube-list.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(LDFLAGS_ALL) -o $@ $< $(LIB) $(LIBS_ALL)

bench-kube-list: $(BUILD)/bin/kube-list-bench $(BUILD)/bin/strata-sim
	@sh bench/kube-list.sh $(BUILD) $(KUBE_BENCH_SIZES)
