/* Ingestion mapping (docs/api.md §6.3): stored mappings, paths, JSON and form
 * payloads mapped to an API-mode body, then validated as in API mode. */
#include <stdlib.h>
#include <string.h>

#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>
#include <apr_tables.h>

#include "leads_form.h"
#include "leads_mapping.h"
#include "leads_validate.h"
#include "tap.h"

/* One mapping run, kept together for the checks. */
typedef struct {
    leads_mapped_t mapped;
    apr_array_header_t *problems;
    int count;
} run_t;

static leads_mapping_t *mapping_of(apr_pool_t *p, const char *text)
{
    leads_mapping_t *m = NULL;
    const char *err = leads_mapping_parse(p, text, &m);

    if (err != NULL) {
        printf("# test mapping does not parse: %s: %s\n", text, err);
    }
    return m;
}

static run_t map_json(apr_pool_t *p, const char *mapping, const char *payload,
                      const apr_array_header_t *fields)
{
    json_t *body = json_loads(payload, JSON_ALLOW_NUL, NULL);
    run_t run;

    if (body == NULL) {
        printf("# test JSON does not parse: %s\n", payload);
        body = json_object();
    }
    run.problems = apr_array_make(p, 4, sizeof(leads_problem_t));
    run.count = leads_mapping_apply_json(p, mapping_of(p, mapping), body,
                                         fields, &run.mapped, run.problems);
    json_decref(body);                  /* the lead must not borrow from it */
    return run;
}

static run_t map_form(apr_pool_t *p, const char *mapping, const char *body,
                      const apr_array_header_t *fields)
{
    leads_form_t *form = NULL;
    run_t run;

    if (leads_form_parse(p, body, strlen(body), &form) != APR_SUCCESS) {
        printf("# test form does not parse: %s\n", body);
        leads_form_parse(p, "", 0, &form);
    }
    run.problems = apr_array_make(p, 4, sizeof(leads_problem_t));
    run.count = leads_mapping_apply_form(p, mapping_of(p, mapping), form,
                                         fields, &run.mapped, run.problems);
    return run;
}

static const char *json_str(apr_pool_t *p, const json_t *v)
{
    char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    const char *copy = apr_pstrdup(p, s != NULL ? s : "(null)");

    free(s);
    return copy;
}

static const char *lead_str(apr_pool_t *p, const run_t *run)
{
    return json_str(p, run->mapped.lead);
}

/* Problems as "field: issue; …", each field labelled with its origin when
 * `mapped` is given. */
static const char *problems_str(apr_pool_t *p,
                                const apr_array_header_t *problems,
                                const leads_mapped_t *mapped)
{
    const char *s = "";
    int i;

    for (i = 0; i < problems->nelts; i++) {
        const leads_problem_t *pr =
            &APR_ARRAY_IDX(problems, i, leads_problem_t);
        const char *field = mapped != NULL
                          ? leads_mapping_label(p, mapped, pr->field)
                          : pr->field;

        s = apr_pstrcat(p, s, i ? "; " : "", field, ": ", pr->issue, NULL);
    }
    return s;
}

static const char *origin(const run_t *run, const char *field)
{
    return apr_hash_get(run->mapped.origins, field, APR_HASH_KEY_STRING);
}

static void add_field(apr_array_header_t *fields, const char *name,
                      leads_field_type_e type, int required)
{
    leads_field_def_t *def = apr_array_push(fields);

    def->name = name;
    def->type = type;
    def->required = required;
    def->choices = apr_array_make(fields->pool, 2, sizeof(const char *));
    APR_ARRAY_PUSH(def->choices, const char *) = "Family";
    APR_ARRAY_PUSH(def->choices, const char *) = "Tax";
}

/* A firm with one field of each type; `matter` is required. */
static apr_array_header_t *firm_fields(apr_pool_t *p)
{
    apr_array_header_t *fields =
        apr_array_make(p, 6, sizeof(leads_field_def_t));

    add_field(fields, "matter", LEADS_FIELD_TEXT, 1);
    add_field(fields, "budget", LEADS_FIELD_NUMBER, 0);
    add_field(fields, "urgent", LEADS_FIELD_BOOLEAN, 0);
    add_field(fields, "incident", LEADS_FIELD_DATE, 0);
    add_field(fields, "practice", LEADS_FIELD_CHOICE, 0);
    return fields;
}

/* The message leads_mapping_parse() gives, "" when it accepts. */
static const char *parse_error(apr_pool_t *p, const char *text)
{
    leads_mapping_t *m = NULL;
    const char *err = leads_mapping_parse(p, text, &m);

    if ((err == NULL) == (m == NULL)) {
        return "(out and error disagree)";
    }
    return err != NULL ? err : "";
}

static void test_parse(apr_pool_t *p)
{
    leads_mapping_t *m = mapping_of(p, "{\"email\":\"contact.email\","
                                    "\"external_id\":\"id\","
                                    "\"data.caseType\":\"case.type\"}");
    const char *long_path = apr_pstrcat(p, "{\"email\":\"",
                                        apr_psprintf(p, "%0257d", 0),
                                        "\"}", NULL);

    ok(m != NULL && m->rules->nelts == 3, "three rules");
    is_str(APR_ARRAY_IDX(m->rules, 2, leads_mapping_rule_t).target,
           "data.caseType", "rules in stored order");
    is_str(leads_mapping_path(m, "email"), "contact.email", "mapped path");
    is_str(leads_mapping_path(m, "external_id"), "id", "mapped external_id");
    is_str(leads_mapping_path(m, "phone"), "phone",
           "default: the same-named field");
    is_str(leads_mapping_path(NULL, "external_id"), "externalId",
           "default external_id path is externalId");
    is_str(leads_mapping_path(NULL, "data.x"), "data.x",
           "default data path is data.<field>");

    is_str(parse_error(p, "{}"), "", "empty object: all defaults");
    is_str(parse_error(p, NULL), "", "NULL text: all defaults");
    is_str(parse_error(p, " "), "", "blank text: all defaults");
    ok(strncmp(parse_error(p, "{\"email\":"), "mapping: not valid JSON: ",
               25) == 0, "bad JSON refused");
    is_str(parse_error(p, "[]"), "mapping: must be a JSON object",
           "array refused");
    is_str(parse_error(p, "{\"email\":1}"),
           "mapping: the path for email must be a string",
           "non-string path");
    is_str(parse_error(p, "{\"email\":null}"),
           "mapping: the path for email must be a string", "null path");
    is_str(parse_error(p, "{\"source\":\"src\"}"),
           "mapping: unknown target \"source\"",
           "source is not a target (it is the source's name)");
    is_str(parse_error(p, "{\"mail\":\"m\"}"),
           "mapping: unknown target \"mail\"", "unknown target");
    is_str(parse_error(p, "{\"data.\":\"x\"}"),
           "mapping: unknown target \"data.\"", "data. without a field");
    is_str(parse_error(p, "{\"data\":\"x\"}"),
           "mapping: unknown target \"data\"", "data as a whole");
    is_str(parse_error(p, "{\"email\":\"\"}"),
           "mapping: the path for email must not be empty", "empty path");
    is_str(parse_error(p, "{\"email\":\"a..b\"}"),
           "mapping: the path for email must not have an empty segment",
           "empty segment");
    is_str(parse_error(p, "{\"email\":\".a\"}"),
           "mapping: the path for email must not have an empty segment",
           "leading dot");
    is_str(parse_error(p, "{\"email\":\"a\\u0007\"}"),
           "mapping: the path for email must not contain control "
           "characters", "control character");
    is_str(parse_error(p, "{\"email\":\"a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p\"}"),
           "", "16 segments fine");
    is_str(parse_error(p, "{\"email\":\"a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q\"}"),
           "mapping: the path for email must have at most 16 segments",
           "17 segments refused");
    is_str(parse_error(p, long_path),
           "mapping: the path for email must be at most 256 bytes",
           "257-byte path refused");
    ok(strstr(parse_error(p, "{\"email\":\"a\",\"email\":\"b\"}"),
              "duplicate") != NULL, "duplicate target refused");
}

/* The rules leadsctl applies to each --map before it stores a mapping. */
static void test_rules(apr_pool_t *p)
{
    static const char *const targets[] = {
        "first_name", "last_name", "email", "phone", "assignee_id",
        "external_id", "data.caseType", "data.x y", NULL
    };
    static const char *const not_targets[] = {
        "source", "data", "data.", "mail", "Email", "externalId", "", NULL
    };
    int i;

    for (i = 0; targets[i] != NULL; i++) {
        ok(leads_mapping_target_valid(targets[i]), targets[i]);
    }
    for (i = 0; not_targets[i] != NULL; i++) {
        ok(!leads_mapping_target_valid(not_targets[i]),
           apr_pstrcat(p, "not a target: '", not_targets[i], "'", NULL));
    }
    is_str(leads_mapping_targets_text(p), "first_name, last_name, email, "
           "phone, assignee_id, external_id or data.<field>",
           "the targets, for a message");
    ok(leads_mapping_path_issue("contact.email") == NULL, "dotted path");
    ok(leads_mapping_path_issue("your name") == NULL,
       "a space is part of a key");
    ok(leads_mapping_path_issue("items.0.v") == NULL, "index segment");
    is_str(leads_mapping_path_issue(""), "must not be empty", "empty");
    is_str(leads_mapping_path_issue("a."), "must not have an empty segment",
           "trailing dot");
    is_str(leads_mapping_path_issue("a\tb"),
           "must not contain control characters", "tab");
}

static void test_json_defaults(apr_pool_t *p)
{
    run_t run = map_json(p, "{}", "{\"first_name\":\"Ada\",\"last_name\":"
                         "\"Lovelace\",\"email\":\"ada@example.com\","
                         "\"phone\":\"+1 212 555 0100\",\"assignee_id\":null,"
                         "\"source\":\"evil\",\"externalId\":\"crm-1\","
                         "\"external_id\":\"no\",\"utm\":\"x\","
                         "\"data\":{\"matter\":\"divorce\",\"other\":1}}",
                         firm_fields(p));

    is_int(run.count, 0, "defaults: no mapping problem");
    is_str(lead_str(p, &run),
           "{\"first_name\":\"Ada\",\"last_name\":\"Lovelace\","
           "\"email\":\"ada@example.com\",\"phone\":\"+1 212 555 0100\","
           "\"data\":{\"matter\":\"divorce\"}}",
           "same-named fields; null absent; no source; unused ignored");
    is_str(run.mapped.external_id, "crm-1", "externalId by default");
    is_str(origin(&run, "external_id"), "externalId", "its origin");
    is_str(origin(&run, "email"), "email", "default origin is the name");
    is_str(origin(&run, "data.matter"), "data.matter",
           "defined data field: default origin data.<field>");
    is_str(origin(&run, "data.other"), NULL,
           "undefined, unmapped data keys are not looked up");

    run = map_json(p, NULL, "{\"email\":\"a@b.co\"}", NULL);
    is_str(lead_str(p, &run), "{\"email\":\"a@b.co\"}",
           "missing paths leave keys absent; no data object");
    ok(run.mapped.external_id == NULL, "no externalId -> NULL");
    is_str(origin(&run, "first_name"), "first_name",
           "origin recorded even when missing");
}

static void test_json_mapped(apr_pool_t *p)
{
    run_t run = map_json(p, "{\"first_name\":\"contact.name.first\","
                         "\"last_name\":\"contact.name.last\","
                         "\"email\":\"contact.email\","
                         "\"phone\":\"items.0.value\","
                         "\"external_id\":\"meta.id\","
                         "\"data.matter\":\"form.answers.1\","
                         "\"data.caseType\":\"case.type\"}",
                         "{\"contact\":{\"name\":{\"first\":\"Zoë\","
                         "\"last\":\"日本\"},\"email\":\"Z@Example.com\"},"
                         "\"email\":\"top@level.co\","
                         "\"items\":[{\"value\":\"555-0100\"}],"
                         "\"meta\":{\"id\":\"  abc \"},"
                         "\"form\":{\"answers\":[\"q\",\"tax\"]},"
                         "\"case\":{\"type\":{\"k\":[1]}}}", firm_fields(p));

    is_str(lead_str(p, &run),
           "{\"first_name\":\"Zoë\",\"last_name\":\"日本\","
           "\"email\":\"Z@Example.com\",\"phone\":\"555-0100\","
           "\"data\":{\"matter\":\"tax\",\"caseType\":{\"k\":[1]}}}",
           "nested, indexed; mapped path wins over the same-named field; "
           "data values passed as they are");
    is_str(run.mapped.external_id, "abc", "external id trimmed");
    is_str(origin(&run, "email"), "contact.email", "origin of email");
    is_str(origin(&run, "phone"), "items.0.value", "origin of phone");
    is_str(origin(&run, "data.caseType"), "case.type", "origin of data");
    is_str(origin(&run, "external_id"), "meta.id", "origin of external_id");
    is_str(leads_mapping_label(p, &run.mapped, "email"),
           "email (from contact.email)", "label names field and path");
    is_str(leads_mapping_label(p, &run.mapped, "data.budget"), "data.budget",
           "label: same path, field alone");
    is_str(leads_mapping_label(p, &run.mapped, "nothing"), "nothing",
           "label: no origin, field alone");
}

static void test_json_conversions(apr_pool_t *p)
{
    run_t run = map_json(p, "{\"first_name\":\"f\",\"last_name\":\"l\"}",
                         "{\"f\":true,\"l\":false,\"phone\":4155550100,"
                         "\"email\":{\"a\":1},\"assignee_id\":[1],"
                         "\"externalId\":12345,"
                         "\"data\":{\"budget\":\"12\",\"urgent\":1,"
                         "\"matter\":null,\"practice\":\"Tax\"}}",
                         firm_fields(p));

    is_str(lead_str(p, &run),
           "{\"first_name\":\"true\",\"last_name\":\"false\","
           "\"email\":{\"a\":1},\"phone\":\"4155550100\","
           "\"assignee_id\":[1],"
           "\"data\":{\"budget\":\"12\",\"urgent\":1,\"practice\":\"Tax\"}}",
           "numbers and booleans -> strings for string targets; objects "
           "and arrays and data values as they are; null data absent");
    is_str(run.mapped.external_id, "12345", "numeric external id as text");

    run = map_json(p, "{}", "{\"phone\":4155550100.0,\"email\":-0.1,"
                   "\"first_name\":1e20,\"last_name\":0.30000000000000004,"
                   "\"externalId\":-7}", NULL);
    is_str(lead_str(p, &run),
           "{\"first_name\":\"1e+20\",\"last_name\":\"0.30000000000000004\","
           "\"email\":\"-0.1\",\"phone\":\"4155550100\"}",
           "reals: shortest text that reads back");
    is_str(run.mapped.external_id, "-7", "negative integer external id");
}

static void test_json_external_id(apr_pool_t *p)
{
    run_t run = map_json(p, "{}", "{\"externalId\":\"\"}", NULL);

    ok(run.count == 0 && run.mapped.external_id == NULL,
       "empty external id: absent, no problem");
    run = map_json(p, "{}", "{\"externalId\":\"   \"}", NULL);
    ok(run.count == 0 && run.mapped.external_id == NULL,
       "blank external id: absent");
    run = map_json(p, "{}", "{\"externalId\":null}", NULL);
    ok(run.count == 0 && run.mapped.external_id == NULL,
       "null external id: absent");

    run = map_json(p, "{\"external_id\":\"a.b\"}", "{\"a\":{\"b\":{}}}",
                   NULL);
    is_int(run.count, 1, "object external id: one problem");
    is_str(problems_str(p, run.problems, &run.mapped),
           "external_id (from a.b): must be a string or a number",
           "problem names the field and the path");
    ok(run.mapped.external_id == NULL, "and no external id");
    run = map_json(p, "{}", "{\"externalId\":[\"x\"]}", NULL);
    is_str(problems_str(p, run.problems, NULL),
           "external_id: must be a string or a number", "array refused");
    run = map_json(p, "{}", "{\"externalId\":true}", NULL);
    is_str(problems_str(p, run.problems, NULL),
           "external_id: must be a string or a number", "boolean refused");
    run = map_json(p, "{}", "{\"externalId\":\"a\\u0000b\"}", NULL);
    is_str(problems_str(p, run.problems, NULL),
           "external_id: must not contain control characters",
           "embedded U+0000 refused");
    run = map_json(p, "{}", "{\"externalId\":\"a\\nb\"}", NULL);
    is_str(problems_str(p, run.problems, NULL),
           "external_id: must not contain control characters",
           "inner newline refused");
    run = map_json(p, "{}", apr_pstrcat(p, "{\"externalId\":\"",
                                        apr_psprintf(p, "%0255d", 0), "\"}",
                                        NULL), NULL);
    ok(run.count == 0 && strlen(run.mapped.external_id) == 255,
       "255 characters fine");
    run = map_json(p, "{}", apr_pstrcat(p, "{\"externalId\":\"",
                                        apr_psprintf(p, "%0256d", 0), "\"}",
                                        NULL), NULL);
    is_str(problems_str(p, run.problems, NULL),
           "external_id: must be at most 255 characters", "256 too long");
}

static void test_form(apr_pool_t *p)
{
    run_t run = map_form(p, "{\"email\":\"your-email\","
                         "\"data.budget\":\"budget\","
                         "\"data.caseType\":\"type\"}",
                         "first_name=Ada&last_name=King+Lovelace"
                         "&your-email=ada%40example.com&email=no%40no.co"
                         "&phone=&externalId=+42+&source=evil"
                         "&budget=+4.5+&data.urgent=on&data.matter="
                         "&data.incident=&data.practice=Tax&type=42",
                         firm_fields(p));

    is_int(run.count, 0, "form: no mapping problem");
    is_str(lead_str(p, &run),
           "{\"first_name\":\"Ada\",\"last_name\":\"King Lovelace\","
           "\"email\":\"ada@example.com\",\"phone\":\"\","
           "\"data\":{\"budget\":4.5,\"caseType\":\"42\",\"matter\":\"\","
           "\"urgent\":true,\"practice\":\"Tax\"}}",
           "form: plain names, number and boolean converted, empty text "
           "kept, empty date absent, undefined field left a string");
    is_str(run.mapped.external_id, "42", "form external id trimmed");
    is_str(origin(&run, "email"), "your-email", "form origin");
    is_str(origin(&run, "data.urgent"), "data.urgent",
           "form default for data.<field> is the field named so");

    run = map_form(p, "{\"data.urgent\":\"u\",\"data.budget\":\"b\"}",
                   "u=TRUE&b=-42", firm_fields(p));
    is_str(lead_str(p, &run), "{\"data\":{\"urgent\":true,\"budget\":-42}}",
           "boolean case-insensitive; integer number");
    run = map_form(p, "{\"data.urgent\":\"u\",\"data.budget\":\"b\"}",
                   "u=0&b=1e3", firm_fields(p));
    is_str(lead_str(p, &run),
           "{\"data\":{\"urgent\":false,\"budget\":1000.0}}",
           "0 is false; exponent");
    run = map_form(p, "{\"data.urgent\":\"u\",\"data.budget\":\"b\"}",
                   "u=no&b=", firm_fields(p));
    is_str(lead_str(p, &run), "{\"data\":{\"urgent\":false}}",
           "no is false; empty number absent");
    run = map_form(p, "{\"data.urgent\":\"u\",\"data.budget\":\"b\"}",
                   "u=maybe&b=0x10", firm_fields(p));
    is_str(lead_str(p, &run), "{\"data\":{\"urgent\":\"maybe\","
           "\"budget\":\"0x10\"}}", "unconvertible values stay strings");
    run = map_form(p, "{\"data.budget\":\"b\"}", "b=1e999", firm_fields(p));
    is_str(lead_str(p, &run), "{\"data\":{\"budget\":\"1e999\"}}",
           "out-of-range number stays a string");
    run = map_form(p, "{\"data.budget\":\"b\"}", "b=inf", firm_fields(p));
    is_str(lead_str(p, &run), "{\"data\":{\"budget\":\"inf\"}}",
           "inf is not a number");
    run = map_form(p, "{\"data.urgent\":\"u\"}", "u=yes&u=no",
                   firm_fields(p));
    is_str(lead_str(p, &run), "{\"data\":{\"urgent\":true}}",
           "repeated name: the first value");
    run = map_form(p, "{}", "externalId=", NULL);
    ok(run.mapped.external_id == NULL, "form: empty external id absent");
    run = map_form(p, "{\"email\":\"contact.email\"}",
                   "contact.email=a%40b.co", NULL);
    is_str(lead_str(p, &run), "{\"email\":\"a@b.co\"}",
           "form: a dotted path is a plain name");
}

/* The lead the caller validates: mapped, source set to the source's name,
 * validated as in API mode with unknown top-level fields allowed. */
static const char *validated(apr_pool_t *p, run_t *run,
                             const apr_array_header_t *fields,
                             leads_lead_t *lead)
{
    leads_validate_opts_t opts = { NULL, "US", 1 };

    opts.fields = fields;
    json_object_set_new(run->mapped.lead, "source", json_string("Webform"));
    leads_validate_lead(p, run->mapped.lead, &opts, lead, run->problems);
    return problems_str(p, run->problems, &run->mapped);
}

static void test_validated(apr_pool_t *p)
{
    apr_array_header_t *fields = firm_fields(p);
    leads_lead_t lead;
    run_t run = map_json(p, "{\"first_name\":\"c.first\","
                         "\"last_name\":\"c.last\",\"email\":\"c.email\","
                         "\"phone\":\"c.phone\",\"data.budget\":\"amt\"}",
                         "{\"c\":{\"first\":\"Ada\",\"last\":\"King\","
                         "\"email\":\"ADA@EXAMPLE.COM\","
                         "\"phone\":2125550100},\"amt\":100,"
                         "\"data\":{\"matter\":\"divorce\",\"x\":1}}",
                         fields);

    is_str(validated(p, &run, fields, &lead), "", "mapped lead is valid");
    is_str(lead.email, "ada@example.com", "email normalised as in API mode");
    is_str(lead.phone, "+12125550100", "numeric phone normalised");
    is_str(lead.source, "Webform", "source is the source's name");
    is_str(json_str(p, lead.data), "{\"budget\":100,\"matter\":\"divorce\"}",
           "data stored");

    run = map_json(p, "{\"email\":\"contact.email\","
                   "\"data.budget\":\"amount\","
                   "\"external_id\":\"id\"}",
                   "{\"contact\":{\"email\":\"nope\"},\"amount\":\"lots\","
                   "\"first_name\":\"Ada\",\"id\":{},\"junk\":1}", fields);
    is_str(validated(p, &run, fields, &lead),
           "external_id (from id): must be a string or a number; "
           "last_name: is required; "
           "email (from contact.email): must be a valid email address; "
           "data.budget (from amount): must be a number; "
           "data.matter: is required",
           "every problem, named by lead field and source path; "
           "unknown payload members ignored");

    run = map_form(p, "{\"phone\":\"tel\"}",
                   "first_name=Ada&last_name=King&tel=call+me"
                   "&data.matter=m&data.budget=abc&data.urgent=perhaps",
                   fields);
    is_str(validated(p, &run, fields, &lead),
           "phone (from tel): must be a valid phone number; "
           "data.budget: must be a number; data.urgent: must be a boolean",
           "form: unconvertible values refused by the validator");

    run = map_form(p, "{}", "first_name=Ada&last_name=King&email=a%40b.co"
                   "&data.matter=m&data.budget=7&data.urgent=on"
                   "&data.incident=2024-02-29&data.practice=Family", fields);
    is_str(validated(p, &run, fields, &lead), "", "form: a valid lead");
    is_str(json_str(p, lead.data),
           "{\"matter\":\"m\",\"budget\":7,\"urgent\":true,"
           "\"incident\":\"2024-02-29\",\"practice\":\"Family\"}",
           "form: typed data stored");
}

int main(void)
{
    apr_pool_t *p;

    apr_initialize();
    apr_pool_create(&p, NULL);
    test_parse(p);
    test_rules(p);
    test_json_defaults(p);
    test_json_mapped(p);
    test_json_conversions(p);
    test_json_external_id(p);
    test_form(p);
    test_validated(p);
    apr_pool_destroy(p);
    apr_terminate();
    return tap_done();
}
