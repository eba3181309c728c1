/* The ingestion path: the input's first line is a source's mapping, the
 * rest the payload, mapped both as a JSON body and as a form body, then
 * validated as leads_ingest.c does (source set, unknown top-level fields
 * allowed), with every problem labelled by its payload path. */
#include <string.h>

#include <jansson.h>

#include "harness.h"
#include "leads_form.h"
#include "leads_mapping.h"
#include "leads_validate.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_init();
    return 0;
}

static void validate_mapped(leads_mapped_t *mapped,
                            apr_array_header_t *problems)
{
    leads_validate_opts_t opts = { fuzz_firm_fields(), FUZZ_PHONE_REGION, 1 };
    leads_lead_t lead;
    int i;

    json_object_set_new(mapped->lead, "source", json_string("fuzz_source"));
    leads_validate_lead(fuzz_pool, mapped->lead, &opts, &lead, problems);
    for (i = 0; i < problems->nelts; i++) {
        (void)leads_mapping_label(fuzz_pool, mapped,
                                  APR_ARRAY_IDX(problems, i,
                                                leads_problem_t).field);
    }
}

static void map_json(const leads_mapping_t *m, const char *payload,
                     size_t len)
{
    json_t *body = json_loadb(payload, len,
                              JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, NULL);
    apr_array_header_t *problems;
    leads_mapped_t mapped;

    if (json_is_object(body)) {
        problems = apr_array_make(fuzz_pool, 4, sizeof(leads_problem_t));
        leads_mapping_apply_json(fuzz_pool, m, body, fuzz_firm_fields(),
                                 &mapped, problems);
        validate_mapped(&mapped, problems);
    }
    json_decref(body);
}

static void map_form(const leads_mapping_t *m, const char *payload,
                     size_t len)
{
    apr_array_header_t *problems;
    leads_mapped_t mapped;
    leads_form_t *form;

    if (leads_form_parse(fuzz_pool, payload, len, &form) == APR_SUCCESS) {
        problems = apr_array_make(fuzz_pool, 4, sizeof(leads_problem_t));
        leads_mapping_apply_form(fuzz_pool, m, form, fuzz_firm_fields(),
                                 &mapped, problems);
        validate_mapped(&mapped, problems);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    const char *nl = memchr(text, '\n', size);
    size_t map_len = nl != NULL ? (size_t)(nl - text) : size;
    /* the payload gets a copy of its own, so ASan sees its exact end */
    size_t payload_len = nl != NULL ? size - map_len - 1 : 0;
    const char *payload = fuzz_text(data + size - payload_len, payload_len);
    leads_mapping_t *m;

    if (leads_mapping_parse(fuzz_pool, fuzz_text(data, map_len), &m)
        == NULL) {
        map_json(m, payload, payload_len);
        map_form(m, payload, payload_len);
    }
    fuzz_input_done();
    return 0;
}
