/* Lead validation (docs/api.md §4.2, §4.3): every rule, and every problem at once. */
#include <stdlib.h>

#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>
#include <apr_tables.h>

#include "leads_validate.h"
#include "tap.h"

/* A valid lead's members; tests add to it or replace one of them. */
#define NAMES "\"first_name\":\"Ada\",\"last_name\":\"Lovelace\"," \
              "\"source\":\"web\""
#define BASE  NAMES ",\"email\":\"ada@example.com\""

#define UUID_UPPER "0190A3F2-7C4B-7D2E-9F00-1234567890AB"
#define UUID_LOWER "0190a3f2-7c4b-7d2e-9f00-1234567890ab"

/* One validation run, kept together for the checks. */
typedef struct {
    leads_lead_t lead;
    apr_array_header_t *problems;
    int count;
} run_t;

static const leads_validate_opts_t no_opts = { NULL, NULL, 0 };

static run_t validate(apr_pool_t *p, const char *json,
                      const leads_validate_opts_t *opts)
{
    json_t *body = json_loads(json, JSON_ALLOW_NUL, NULL);
    run_t run;

    if (body == NULL) {
        printf("# test JSON does not parse: %s\n", json);
        body = json_object();
    }
    run.problems = apr_array_make(p, 4, sizeof(leads_problem_t));
    run.count = leads_validate_lead(p, body, opts, &run.lead, run.problems);
    json_decref(body);
    return run;
}

/* Every problem as "field: issue; …", "" when there is none. */
static const char *problems_str(apr_pool_t *p, const run_t *run)
{
    const char *s = "";
    int i;

    for (i = 0; i < run->problems->nelts; i++) {
        const leads_problem_t *pr =
            &APR_ARRAY_IDX(run->problems, i, leads_problem_t);

        s = apr_pstrcat(p, s, i ? "; " : "", pr->field, ": ", pr->issue,
                        NULL);
    }
    return s;
}

/* The problems with the JSON object made of `members`. */
static const char *problems_of(apr_pool_t *p, const char *members,
                               const leads_validate_opts_t *opts)
{
    run_t run = validate(p, apr_pstrcat(p, "{", members, "}", NULL), opts);

    return problems_str(p, &run);
}

static const char *data_str(apr_pool_t *p, const run_t *run)
{
    char *s = json_dumps(run->lead.data, JSON_COMPACT);
    const char *copy = apr_pstrdup(p, s != NULL ? s : "(null)");

    free(s);
    return copy;
}

static void add_field(apr_array_header_t *fields, const char *name,
                      leads_field_type_e type, int required,
                      const char *choices)
{
    leads_field_def_t *def = apr_array_push(fields);
    char *list = apr_pstrdup(fields->pool, choices);
    char *last, *c;

    def->name = name;
    def->type = type;
    def->required = required;
    def->choices = apr_array_make(fields->pool, 4, sizeof(const char *));
    for (c = apr_strtok(list, ",", &last); c != NULL;
         c = apr_strtok(NULL, ",", &last)) {
        APR_ARRAY_PUSH(def->choices, const char *) = c;
    }
}

/* A firm with one field of each type; `matter` is required. */
static leads_validate_opts_t firm_opts(apr_pool_t *p)
{
    apr_array_header_t *fields =
        apr_array_make(p, 6, sizeof(leads_field_def_t));
    leads_validate_opts_t opts = { NULL, NULL, 0 };

    add_field(fields, "notes", LEADS_FIELD_TEXT, 0, "");
    add_field(fields, "budget", LEADS_FIELD_NUMBER, 0, "");
    add_field(fields, "urgent", LEADS_FIELD_BOOLEAN, 0, "");
    add_field(fields, "incident", LEADS_FIELD_DATE, 0, "");
    add_field(fields, "practice", LEADS_FIELD_CHOICE, 0,
              "Family,Criminal,Tax");
    add_field(fields, "matter", LEADS_FIELD_TEXT, 1, "");
    opts.fields = fields;
    return opts;
}

static const char *repeat(apr_pool_t *p, const char *s, int n)
{
    const char *out = "";

    while (n-- > 0) {
        out = apr_pstrcat(p, out, s, NULL);
    }
    return out;
}

static void test_valid_lead(apr_pool_t *p)
{
    run_t run = validate(p, "{\"first_name\":\"  Ada \",\"last_name\":"
                         "\"Lovelace\\t\",\"source\":\" web\\n\","
                         "\"email\":\" Ada@Example.COM \",\"phone\":null,"
                         "\"assignee_id\":null}", &no_opts);

    is_int(run.count, 0, "valid lead: no problems");
    is_str(run.lead.first_name, "Ada", "first_name trimmed");
    is_str(run.lead.last_name, "Lovelace", "last_name trimmed");
    is_str(run.lead.source, "web", "source trimmed");
    is_str(run.lead.email, "ada@example.com", "email trimmed and lowercased");
    is_str(run.lead.phone, "", "phone null -> \"\"");
    ok(run.lead.assignee_id == NULL, "assignee_id null -> NULL");
    is_str(data_str(p, &run), "{}", "no data -> empty object");
    ok(run.lead.ignored != NULL && run.lead.ignored->nelts == 0,
       "ignored is allocated and empty");

    run = validate(p, "{\"first_name\":\"日本\",\"last_name\":\"Zoë 😀\","
                   "\"source\":\"s\",\"phone\":\"+44 20 7946 0958\","
                   "\"email\":\"\",\"data\":null}", &no_opts);
    is_int(run.count, 0, "phone only, non-Latin names, data null: valid");
    is_str(run.lead.last_name, "Zoë 😀", "text kept byte for byte");
    is_str(run.lead.email, "", "empty email -> \"\"");
    is_str(run.lead.phone, "+442079460958", "phone in E.164");
}

static void test_names(apr_pool_t *p)
{
    const char *c100 = repeat(p, "é", 100);

    is_str(problems_of(p, "", &no_opts),
           "first_name: is required; last_name: is required; "
           "source: is required; email: email or phone is required",
           "empty object: every required field reported");
    is_str(problems_of(p, "\"first_name\":null,\"last_name\":null,"
                       "\"source\":null,\"email\":\"a@b.co\"", &no_opts),
           "first_name: is required; last_name: is required; "
           "source: is required", "null counts as missing");
    is_str(problems_of(p, "\"first_name\":1,\"last_name\":true,"
                       "\"source\":[],\"email\":\"a@b.co\"", &no_opts),
           "first_name: must be a string; last_name: must be a string; "
           "source: must be a string", "non-strings");
    is_str(problems_of(p, "\"first_name\":\"  \",\"last_name\":\"\","
                       "\"source\":\"\\t\",\"email\":\"a@b.co\"", &no_opts),
           "first_name: must not be empty; last_name: must not be empty; "
           "source: must not be empty", "empty after trimming");
    is_str(problems_of(p, apr_pstrcat(p, "\"first_name\":\"", c100,
                                      "\",\"last_name\":\"x", c100,
                                      "\",\"source\":\"s\","
                                      "\"email\":\"a@b.co\"", NULL),
                       &no_opts),
           "last_name: must be at most 100 characters",
           "100 characters fine, 101 too long (counted in code points)");
    is_str(problems_of(p, "\"first_name\":\"A\\u0007da\",\"last_name\":"
                       "\"Love\\u0085lace\",\"source\":\"w\\te b\","
                       "\"email\":\"a@b.co\"", &no_opts),
           "first_name: must not contain control characters; "
           "last_name: must not contain control characters; "
           "source: must not contain control characters",
           "C0, C1 and inner tab are control characters");
    is_str(problems_of(p, "\"first_name\":\"Ada\\u0000x\","
                       "\"last_name\":\"L\",\"source\":\"s\","
                       "\"email\":\"a@b.co\"", &no_opts),
           "first_name: must not contain control characters",
           "embedded U+0000 is a control character");
}

static void test_contact(apr_pool_t *p)
{
    leads_validate_opts_t us = { NULL, "US", 0 };
    run_t run;

    is_str(problems_of(p, NAMES ",\"email\":\"ada\"", &no_opts),
           "email: must be a valid email address",
           "invalid email, no extra contact problem");
    is_str(problems_of(p, NAMES ",\"email\":5", &no_opts),
           "email: must be a string", "non-string email");
    is_str(problems_of(p, NAMES ",\"email\":\" \",\"phone\":\"  \"",
                       &no_opts),
           "email: email or phone is required",
           "blank email and phone: one contact problem");
    is_str(problems_of(p, NAMES ",\"email\":null,\"phone\":null", &no_opts),
           "email: email or phone is required", "null email and phone");
    is_str(problems_of(p, NAMES ",\"phone\":\"call me\"", &no_opts),
           "phone: must be a valid phone number", "invalid phone");
    is_str(problems_of(p, NAMES ",\"phone\":\"12345\"", &no_opts),
           "phone: must have 7 to 15 digits", "too few digits");
    is_str(problems_of(p, NAMES ",\"phone\":{}", &no_opts),
           "phone: must be a string", "non-string phone");

    run = validate(p, "{" NAMES ",\"phone\":\" (212) 555-0100 \"}", &us);
    is_str(run.lead.phone, "+12125550100", "national number placed by region");
    is_str(run.lead.email, "", "absent email -> \"\"");
    run = validate(p, "{" NAMES ",\"phone\":\" (212) 555-0100 \"}", &no_opts);
    is_str(run.lead.phone, "(212) 555-0100", "no region: trimmed, as given");
}

static void test_assignee(apr_pool_t *p)
{
    run_t run = validate(p, "{" BASE ",\"assignee_id\":\"" UUID_UPPER "\"}",
                         &no_opts);

    is_int(run.count, 0, "UUID assignee accepted");
    is_str(run.lead.assignee_id, UUID_LOWER, "assignee_id lowercased");
    is_str(problems_of(p, BASE ",\"assignee_id\":\"bob\"", &no_opts),
           "assignee_id: must be a UUID", "non-UUID string");
    is_str(problems_of(p, BASE ",\"assignee_id\":42", &no_opts),
           "assignee_id: must be a UUID", "number");
}

static void test_unknown_fields(apr_pool_t *p)
{
    leads_validate_opts_t lenient = { NULL, NULL, 1 };

    is_str(problems_of(p, BASE ",\"status\":\"new\",\"id\":1", &no_opts),
           "status: unknown field; id: unknown field",
           "each unknown top-level field reported");
    is_str(problems_of(p, BASE ",\"status\":\"new\"", &lenient), "",
           "ingestion mode ignores unknown top-level fields");
}

static void test_data_stored(apr_pool_t *p)
{
    leads_validate_opts_t opts = firm_opts(p);
    run_t run = validate(p, "{" BASE ",\"data\":{\"zzz\":1,"
                         "\"notes\":\" line1\\r\\nline2\\ttab \","
                         "\"budget\":1200.5,\"urgent\":false,"
                         "\"incident\":\"2024-02-29\",\"aaa\":null,"
                         "\"practice\":\"Tax\",\"matter\":\"divorce\"}}",
                         &opts);

    is_str(problems_str(p, &run), "", "every type accepted");
    is_str(data_str(p, &run),
           "{\"notes\":\" line1\\r\\nline2\\ttab \",\"budget\":1200.5,"
           "\"urgent\":false,\"incident\":\"2024-02-29\","
           "\"practice\":\"Tax\",\"matter\":\"divorce\"}",
           "defined fields stored in input order, text as given");
    is_str(apr_array_pstrcat(p, run.lead.ignored, ','), "data.zzz,data.aaa",
           "undefined keys listed as ignored, in input order");

    run = validate(p, "{" BASE ",\"data\":{\"budget\":3,\"urgent\":true,"
                   "\"notes\":null,\"matter\":\"m\"}}", &opts);
    is_str(problems_str(p, &run), "", "integer number, true, null optional");
    is_str(data_str(p, &run),
           "{\"budget\":3,\"urgent\":true,\"matter\":\"m\"}",
           "a null value is not stored");

    run = validate(p, "{" BASE ",\"data\":{\"x\":1,\"matter\":\"m\"}}",
                   &no_opts);
    is_str(problems_str(p, &run), "",
           "firm without fields: data keys dropped, no problem");
    is_str(apr_array_pstrcat(p, run.lead.ignored, ','), "data.x,data.matter",
           "all of them ignored");
}

static void test_data_types(apr_pool_t *p)
{
    leads_validate_opts_t opts = firm_opts(p);

#define DATA(members) BASE ",\"data\":{\"matter\":\"m\"," members "}"
    is_str(problems_of(p, DATA("\"notes\":5"), &opts),
           "data.notes: must be a string", "text: number refused");
    is_str(problems_of(p, apr_pstrcat(p, BASE ",\"data\":{\"matter\":\"",
                                      repeat(p, "ß", 1001), "\"}", NULL),
                       &opts),
           "data.matter: must be at most 1000 characters", "text: 1001 chars");
    is_str(problems_of(p, apr_pstrcat(p, BASE ",\"data\":{\"matter\":\"",
                                      repeat(p, "ß", 1000), "\"}", NULL),
                       &opts), "", "text: 1000 chars fine");
    is_str(problems_of(p, DATA("\"notes\":\"a\\u0001b\""), &opts),
           "data.notes: must not contain control characters",
           "text: other control characters refused");
    is_str(problems_of(p, DATA("\"budget\":\"12\""), &opts),
           "data.budget: must be a number", "number: string refused");
    is_str(problems_of(p, DATA("\"budget\":true"), &opts),
           "data.budget: must be a number", "number: boolean refused");
    is_str(problems_of(p, DATA("\"urgent\":\"yes\""), &opts),
           "data.urgent: must be a boolean", "boolean: string refused");
    is_str(problems_of(p, DATA("\"urgent\":1"), &opts),
           "data.urgent: must be a boolean", "boolean: number refused");
    is_str(problems_of(p, DATA("\"incident\":\"2025-02-29\""), &opts),
           "data.incident: must be a real calendar date", "2025-02-29");
    is_str(problems_of(p, DATA("\"incident\":\"2024-02-30\""), &opts),
           "data.incident: must be a real calendar date", "2024-02-30");
    is_str(problems_of(p, DATA("\"incident\":\"2024-13-01\""), &opts),
           "data.incident: must be a real calendar date", "month 13");
    is_str(problems_of(p, DATA("\"incident\":\"2024-2-3\""), &opts),
           "data.incident: must be a date (YYYY-MM-DD)", "short date");
    is_str(problems_of(p, DATA("\"incident\":\"2024-02-29T00:00\""), &opts),
           "data.incident: must be a date (YYYY-MM-DD)", "date with time");
    is_str(problems_of(p, DATA("\"incident\":20240229"), &opts),
           "data.incident: must be a date (YYYY-MM-DD)", "date as number");
    is_str(problems_of(p, DATA("\"practice\":\"tax\""), &opts),
           "data.practice: must be one of: Family, Criminal, Tax",
           "choice: exact match only");
    is_str(problems_of(p, DATA("\"practice\":[\"Tax\"]"), &opts),
           "data.practice: must be one of: Family, Criminal, Tax",
           "choice: array refused");
#undef DATA
}

static void test_data_shape(apr_pool_t *p)
{
    leads_validate_opts_t opts = firm_opts(p);

    is_str(problems_of(p, BASE, &opts), "data.matter: is required",
           "required field, data absent");
    is_str(problems_of(p, BASE ",\"data\":{}", &opts),
           "data.matter: is required", "required field, key absent");
    is_str(problems_of(p, BASE ",\"data\":{\"matter\":null}", &opts),
           "data.matter: is required", "required field, null");
    is_str(problems_of(p, BASE ",\"data\":[1]", &no_opts),
           "data: must be an object", "data array refused");
    is_str(problems_of(p, BASE ",\"data\":\"x\"", &opts),
           "data: must be an object", "data string refused, once");
}

static void test_all_problems_at_once(apr_pool_t *p)
{
    leads_validate_opts_t opts = firm_opts(p);
    run_t run = validate(p, apr_pstrcat(p,
        "{\"last_name\":\"", repeat(p, "x", 101), "\",\"source\":\"s\","
        "\"email\":\"a@b\",\"phone\":\"1+2\",\"assignee_id\":\"x\","
        "\"extra\":1,\"data\":{\"budget\":\"many\",\"other\":2}}", NULL),
        &opts);

    is_str(problems_str(p, &run),
           "first_name: is required; "
           "last_name: must be at most 100 characters; "
           "email: must be a valid email address; "
           "phone: must be a valid phone number; "
           "assignee_id: must be a UUID; extra: unknown field; "
           "data.budget: must be a number; data.matter: is required",
           "every problem reported, one per field");
    is_int(run.count, 8, "return value counts them");
    is_str(apr_array_pstrcat(p, run.lead.ignored, ','), "data.other",
           "ignored keys still listed");
}

static void test_field_types(void)
{
    static const char *const names[] = {
        "text", "number", "boolean", "date", "choice"
    };
    int t;

    for (t = LEADS_FIELD_TEXT; t <= LEADS_FIELD_CHOICE; t++) {
        is_int(leads_field_type_parse(names[t]), t, names[t]);
        is_str(leads_field_type_name(t), names[t], "and back to its name");
    }
    is_int(leads_field_type_parse("Text"), -1, "type names are exact");
    is_int(leads_field_type_parse("string"), -1, "unknown type");
}

int main(void)
{
    apr_pool_t *p;

    apr_initialize();
    apr_pool_create(&p, NULL);
    test_valid_lead(p);
    test_names(p);
    test_contact(p);
    test_assignee(p);
    test_unknown_fields(p);
    test_data_stored(p);
    test_data_types(p);
    test_data_shape(p);
    test_all_problems_at_once(p);
    test_field_types();
    apr_pool_destroy(p);
    apr_terminate();
    return tap_done();
}
