/* What the fuzz targets share: APR started once, a pool for one input's
 * allocations (cleared after each input), and the firm's fixed `data`
 * fields. Linked with harness.c into every t/fuzz/fuzz_*.c program. */
#ifndef LEADS_FUZZ_HARNESS_H
#define LEADS_FUZZ_HARNESS_H

#include <stddef.h>
#include <stdint.h>

#include <apr_pools.h>
#include <apr_tables.h>

/* The pool an input's work allocates from. */
extern apr_pool_t *fuzz_pool;

/* Starts APR and creates fuzz_pool; for LLVMFuzzerInitialize(). */
void fuzz_init(void);

/* Clears fuzz_pool (running its cleanups, which free jansson objects the
 * core hands to the pool) and frees its blocks; last thing per input. */
void fuzz_input_done(void);

/* `size` bytes of `data` as a NUL-terminated copy in fuzz_pool (an
 * embedded NUL ends the text early, as it would in a header). */
char *fuzz_text(const uint8_t *data, size_t size);

/* A firm's fields of every type: text, number, boolean, date, a choice
 * with choices (required). Built once, in a pool never cleared. */
const apr_array_header_t *fuzz_firm_fields(void);

#define FUZZ_PHONE_REGION "US"

/* A promise of the core that an input broke: says which, and aborts, so
 * libFuzzer keeps the input as a crash. */
#define fuzz_check(cond, promise) \
    ((cond) ? (void)0 : fuzz_broken((promise), __FILE__, __LINE__))

void fuzz_broken(const char *promise, const char *file, int line)
    __attribute__((noreturn));

#endif
