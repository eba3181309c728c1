# libFuzzer targets over the core (t/fuzz/fuzz_*.c), included by Makefile.
#
#   make fuzz                    build, then run each target FUZZ_SECONDS
#   make fuzz FUZZ_SECONDS=60    the CI setting
#   make fuzz-build              build only (build/fuzz/fuzz_*)
#
# The seed corpora under t/fuzz/corpus/ are copied to build/fuzz/corpus/
# before a run, so what libFuzzer adds stays out of the repository.

FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 600
FUZZ_CFLAGS  := -g -O1 -fsanitize=fuzzer,address,undefined \
                -fno-sanitize-recover=undefined
FUZZ_DIR     := $(BUILD)/fuzz
FUZZ_SRC     := $(wildcard t/fuzz/fuzz_*.c)
FUZZ_BIN     := $(patsubst t/fuzz/%.c,$(FUZZ_DIR)/%,$(FUZZ_SRC))
FUZZ_HARNESS := t/fuzz/harness.c

.PHONY: deps-fuzz fuzz-build

deps-fuzz:
	@sh scripts/apt-deps.sh clang libclang-rt-14-dev

fuzz-build: $(FUZZ_BIN)

# deps-fuzz is order-only: installing nothing must not rebuild anything.
$(FUZZ_DIR)/%: t/fuzz/%.c $(FUZZ_HARNESS) t/fuzz/harness.h $(CORE_SRC) \
               $(wildcard $(SRC)/*.h) | deps-fuzz
	@mkdir -p $(FUZZ_DIR)
	$(FUZZ_CC) $(WARN) $(FUZZ_CFLAGS) -I$(SRC) -It/fuzz $(APR_CFLAGS) \
	    -o $@ $< $(FUZZ_HARNESS) $(CORE_SRC) $(APR_LIBS) $(LEADS_LIBS) -ldl

fuzz: deps-fuzz $(FUZZ_BIN)
	@FUZZ_DIR=$(FUZZ_DIR) sh t/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_BIN)
