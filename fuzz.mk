# libFuzzer targets over the core (t/fuzz/fuzz_*.c), included by Makefile.
#
#   make fuzz                    build, then run each target FUZZ_SECONDS
#   make fuzz FUZZ_SECONDS=60    a short run
#   make fuzz-build              build only (build/fuzz/fuzz_*)
#
# The seed corpora under t/fuzz/corpus/ are copied to build/fuzz/corpus/
# before a run, so what libFuzzer adds stays out of the repository.
#
# The targets link the core as a library, like everything else; theirs is
# built from the same sources with clang's coverage and sanitizer
# instrumentation (build/fuzz/libleads_core.a), without which libFuzzer
# would not see into the code it fuzzes.

FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 600
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_CFLAGS  := -g -O1 -fsanitize=fuzzer $(FUZZ_SAN)
FUZZ_DIR     := $(BUILD)/fuzz
FUZZ_SRC     := $(wildcard t/fuzz/fuzz_*.c)
FUZZ_BIN     := $(patsubst t/fuzz/%.c,$(FUZZ_DIR)/%,$(FUZZ_SRC))
FUZZ_HARNESS := t/fuzz/harness.c
FUZZ_CORE_OBJ := $(patsubst $(CORE)/%.c,$(FUZZ_DIR)/core/%.o,$(CORE_SRC))
FUZZ_CORE_LIB := $(FUZZ_DIR)/libleads_core.a

.PHONY: deps-fuzz fuzz-build

deps-fuzz:
	@sh scripts/apt-deps.sh clang libclang-rt-14-dev

fuzz-build: $(FUZZ_BIN)

# deps-fuzz is order-only: installing nothing must not rebuild anything.
$(FUZZ_DIR)/core/%.o: $(CORE)/%.c $(CORE_HDR) | deps-fuzz
	@mkdir -p $(FUZZ_DIR)/core
	$(FUZZ_CC) $(WARN) -g -O1 -fsanitize=fuzzer-no-link $(FUZZ_SAN) \
	    -I$(CORE) $(APR_CFLAGS) -c -o $@ $<

$(FUZZ_CORE_LIB): $(FUZZ_CORE_OBJ)
	rm -f $@
	ar rcs $@ $(FUZZ_CORE_OBJ)

$(FUZZ_DIR)/%: t/fuzz/%.c $(FUZZ_HARNESS) t/fuzz/harness.h $(CORE_HDR) \
               $(FUZZ_CORE_LIB) | deps-fuzz
	@mkdir -p $(FUZZ_DIR)
	$(FUZZ_CC) $(WARN) $(FUZZ_CFLAGS) -I$(CORE) -It/fuzz $(APR_CFLAGS) \
	    -o $@ $< $(FUZZ_HARNESS) $(FUZZ_CORE_LIB) $(APR_LIBS) $(LEADS_LIBS) -ldl

fuzz: deps-fuzz $(FUZZ_BIN)
	@FUZZ_DIR=$(FUZZ_DIR) sh t/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_BIN)
