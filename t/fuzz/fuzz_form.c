/* Form bodies: leads_form_parse() on raw bytes. What it accepts must be
 * what it promises: the first value of each name, findable by name. */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "leads_form.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_init();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    leads_form_t *form;
    int i;

    if (leads_form_parse(fuzz_pool, (const char *)data, size, &form)
        == APR_SUCCESS) {
        for (i = 0; i < form->pairs->nelts; i++) {
            const leads_form_pair_t *pair =
                &APR_ARRAY_IDX(form->pairs, i, leads_form_pair_t);

            if (leads_form_get(form, pair->name) != pair->value) {
                abort();
            }
        }
    }
    fuzz_input_done();
    return 0;
}
