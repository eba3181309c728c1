/* The fuzz targets' shared setup, and pool memory AddressSanitizer can
 * see into.
 *
 * APR hands out pool memory as pieces of 8 KB blocks: an overrun of one
 * piece lands in the next, and ASan, which only knows the block, says
 * nothing. So this program defines apr_palloc() and apr_pvsprintf()
 * itself. For fuzz_pool they return separate malloc() blocks, freed after
 * the pool is cleared; every other pool gets libapr's own. Being defined
 * in the executable, they also replace the calls inside libapr (its
 * apr_pstrdup(), apr_pstrcat(), apr_array_push(), apr_hash_set() and
 * apr_psprintf() reach them through the PLT). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE                     /* RTLD_NEXT */
#endif
#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <apr_general.h>
#include <apr_strings.h>

#include "harness.h"
#include "leads_validate.h"

apr_pool_t *fuzz_pool;

static apr_pool_t *fixture_pool;

/* The malloc() blocks handed out for fuzz_pool since it was cleared. */
static void **blocks;
static size_t blocks_used, blocks_size;

typedef void *(*palloc_fn)(apr_pool_t *, apr_size_t);
typedef char *(*pvsprintf_fn)(apr_pool_t *, const char *, va_list);

static palloc_fn real_palloc;
static pvsprintf_fn real_pvsprintf;

static void *tracked_block(size_t size)
{
    void *block = malloc(size > 0 ? size : 1);

    if (block == NULL) {
        abort();
    }
    if (blocks_used == blocks_size) {
        blocks_size = blocks_size ? 2 * blocks_size : 1024;
        blocks = realloc(blocks, blocks_size * sizeof(*blocks));
        if (blocks == NULL) {
            abort();
        }
    }
    blocks[blocks_used++] = block;
    return block;
}

void *apr_palloc(apr_pool_t *p, apr_size_t size)
{
    if (p == fuzz_pool) {
        return tracked_block(size);
    }
    if (real_palloc == NULL) {
        real_palloc = (palloc_fn)dlsym(RTLD_NEXT, "apr_palloc");
    }
    return real_palloc(p, size);
}

/* The core formats only %s, %d (%02d…) and APR_INT64_T_FMT, which the C
 * library's vsnprintf() writes exactly as apr_vformatter() does. (No
 * NULL pool test here or above: apr_pools.h declares p nonnull.) */
char *apr_pvsprintf(apr_pool_t *p, const char *fmt, va_list ap)
{
    va_list again;
    char *out;
    int n;

    if (p != fuzz_pool) {
        if (real_pvsprintf == NULL) {
            real_pvsprintf = (pvsprintf_fn)dlsym(RTLD_NEXT, "apr_pvsprintf");
        }
        return real_pvsprintf(p, fmt, ap);
    }
    va_copy(again, ap);
    n = vsnprintf(NULL, 0, fmt, ap);
    if (n < 0) {
        abort();
    }
    out = tracked_block((size_t)n + 1);
    vsnprintf(out, (size_t)n + 1, fmt, again);
    va_end(again);
    return out;
}

void fuzz_init(void)
{
    if (apr_initialize() != APR_SUCCESS
        || apr_pool_create(&fixture_pool, NULL) != APR_SUCCESS
        || apr_pool_create(&fuzz_pool, NULL) != APR_SUCCESS) {
        abort();
    }
}

void fuzz_input_done(void)
{
    apr_pool_clear(fuzz_pool);
    while (blocks_used > 0) {
        free(blocks[--blocks_used]);
    }
}

void fuzz_broken(const char *promise, const char *file, int line)
{
    fprintf(stderr, "fuzz: broken promise at %s:%d: %s\n", file, line,
            promise);
    abort();
}

char *fuzz_text(const uint8_t *data, size_t size)
{
    return apr_pstrmemdup(fuzz_pool, (const char *)data, size);
}

static void add_field(apr_array_header_t *fields, const char *name,
                      leads_field_type_e type, int required,
                      apr_array_header_t *choices)
{
    leads_field_def_t *def = apr_array_push(fields);

    def->name = name;
    def->type = type;
    def->required = required;
    def->choices = choices;
}

const apr_array_header_t *fuzz_firm_fields(void)
{
    static apr_array_header_t *fields;
    apr_array_header_t *choices;

    if (fields == NULL) {
        choices = apr_array_make(fixture_pool, 3, sizeof(const char *));
        APR_ARRAY_PUSH(choices, const char *) = "Family";
        APR_ARRAY_PUSH(choices, const char *) = "Criminal";
        APR_ARRAY_PUSH(choices, const char *) = "Immigration";
        fields = apr_array_make(fixture_pool, 5, sizeof(leads_field_def_t));
        add_field(fields, "caseType", LEADS_FIELD_CHOICE, 1, choices);
        add_field(fields, "notes", LEADS_FIELD_TEXT, 0, NULL);
        add_field(fields, "amount", LEADS_FIELD_NUMBER, 0, NULL);
        add_field(fields, "urgent", LEADS_FIELD_BOOLEAN, 0, NULL);
        add_field(fields, "incidentDate", LEADS_FIELD_DATE, 0, NULL);
    }
    return fields;
}
