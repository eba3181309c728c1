/* multipart/form-data bodies: leads_multipart_boundary() on the input's
 * first line (a Content-Type), leads_multipart_parse() on the rest with
 * that boundary (or "XyZ" when the line gives none). What it accepts must
 * be what it promises: the first value of each name, findable by name,
 * and never more parts than the limit. */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "leads_multipart.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_init();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nl = memchr(data, '\n', size);
    size_t head = nl ? (size_t)(nl - data) : 0;
    const char *boundary = leads_multipart_boundary(fuzz_pool,
                                                    fuzz_text(data, head));
    const char *body = (const char *)data + (nl ? head + 1 : 0);
    size_t len = size - (nl ? head + 1 : 0);
    leads_multipart_t *mp;
    const char *why;
    int i;

    /* the body is copied so that reading past it is caught by ASan */
    char *copy = malloc(len ? len : 1);

    memcpy(copy, body, len);
    if (leads_multipart_parse(fuzz_pool, boundary ? boundary : "XyZ", copy,
                              len, &mp, &why) == APR_SUCCESS) {
        if (mp->form->pairs->nelts + mp->files->nelts
            > LEADS_MULTIPART_MAX_PARTS) {
            abort();
        }
        for (i = 0; i < mp->form->pairs->nelts; i++) {
            const leads_form_pair_t *pair =
                &APR_ARRAY_IDX(mp->form->pairs, i, leads_form_pair_t);

            if (leads_form_get(mp->form, pair->name) != pair->value) {
                abort();
            }
        }
    }
    else if (why == NULL) {
        abort();
    }
    free(copy);
    fuzz_input_done();
    return 0;
}
