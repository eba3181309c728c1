/* The API-mode body path: bytes -> JSON (as leads_parse_body() loads it)
 * -> depth check -> leads_validate_lead() with a firm's fields of every
 * type -> the JSON the handler writes (stored data, the idempotency
 * fingerprint's canonical form). A lead that passes must be what
 * docs/api.md §4.2 promises, which is checked too. */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "harness.h"
#include "leads_contact.h"
#include "leads_json.h"
#include "leads_phone.h"
#include "leads_text.h"
#include "leads_uuid.h"
#include "leads_validate.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_init();
    return 0;
}

static void dump_and_free(json_t *v, size_t flags)
{
    char *text = json_dumps(v, flags);

    free(text);
}

static void check_name(const char *s)
{
    fuzz_check(*s != '\0' && leads_text_length(s) <= 100
               && !leads_text_has_control(s)
               && strcmp(s, leads_text_trim(fuzz_pool, s)) == 0,
               "a valid lead's names are 1..100 trimmed characters, "
               "no control characters");
}

/* Normalising what was stored changes nothing. */
static void check_contact(const leads_lead_t *lead)
{
    const char *again = NULL;

    fuzz_check(*lead->email != '\0' || *lead->phone != '\0',
               "a valid lead has an email or a phone");
    if (*lead->email != '\0') {
        fuzz_check(leads_email_normalize(fuzz_pool, lead->email, &again)
                   == NULL && strcmp(again, lead->email) == 0,
                   "a stored email is valid and normalised");
    }
    if (*lead->phone != '\0') {
        fuzz_check(leads_phone_normalize(fuzz_pool, lead->phone,
                                         FUZZ_PHONE_REGION, &again) == NULL
                   && strcmp(again, lead->phone) == 0,
                   "a stored phone is valid and normalised");
    }
}

static void check_data(const leads_lead_t *lead)
{
    const apr_array_header_t *fields = fuzz_firm_fields();
    const char *key;
    json_t *v;

    json_object_foreach(lead->data, key, v) {
        fuzz_check(leads_field_def_find(fields, key) != NULL
                   && !json_is_null(v),
                   "stored data holds only the firm's fields, not null");
    }
    fuzz_check(json_is_string(json_object_get(lead->data, "caseType")),
               "the required choice field is stored");
}

static void check_valid_lead(const leads_lead_t *lead)
{
    const char *uuid;

    check_name(lead->first_name);
    check_name(lead->last_name);
    check_name(lead->source);
    check_contact(lead);
    fuzz_check(lead->assignee_id == NULL
               || (leads_uuid_parse(fuzz_pool, lead->assignee_id, &uuid)
                   && strcmp(uuid, lead->assignee_id) == 0),
               "an assignee is a canonical UUID");
    check_data(lead);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *body = json_loadb((const char *)data, size,
                              JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, NULL);
    leads_validate_opts_t opts = { fuzz_firm_fields(), FUZZ_PHONE_REGION, 0 };
    apr_array_header_t *problems;
    leads_lead_t lead;

    if (json_is_object(body)) {
        (void)leads_json_depth(body);
        problems = apr_array_make(fuzz_pool, 4, sizeof(leads_problem_t));
        if (leads_validate_lead(fuzz_pool, body, &opts, &lead, problems)
            == 0) {
            check_valid_lead(&lead);
        }
        dump_and_free(lead.data, JSON_COMPACT);
        dump_and_free(body, JSON_COMPACT | JSON_SORT_KEYS);
    }
    json_decref(body);
    fuzz_input_done();
    return 0;
}
