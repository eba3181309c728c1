/* leadsctl: the admin CLI of mod_leads (README, "leadsctl"). Creates the schema and
 * provisions firms, stages, members, fields and keys through apr_dbd.
 *
 *   leadsctl [--driver D --params P] [--json] NOUN VERB [--opt value]… [ARG]
 *
 * This file holds main: the global options, the command table, `init`,
 * and the dispatch. The commands live with their concern
 * (leadsctl_firm.c, leadsctl_key.c, leadsctl_source.c,
 * leadsctl_webhook.c, leadsctl_lead.c, leadsctl_status.c) and use what they share, never this file: the
 * command context, messages and options (leadsctl_cmd.c), the rows
 * several commands touch (leadsctl_rows.c), the output (leadsctl_out.c)
 * and the SQL access (leadsctl_db.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <apr_general.h>
#include <apr_strings.h>
#include <jansson.h>

#include "leadsctl_cmd.h"
#include "leadsctl_db.h"
#include "leadsctl_firm.h"
#include "leadsctl_key.h"
#include "leadsctl_lead.h"
#include "leadsctl_out.h"
#include "leadsctl_form.h"
#include "leadsctl_source.h"
#include "leadsctl_status.h"
#include "leadsctl_webhook.h"

/* The module's version (LEADS_VERSION in mod_leads.h), passed in by
 * apxs.mk: leadsctl includes no httpd header. */
#ifndef LEADS_VERSION
#error "LEADS_VERSION is not defined: build leadsctl with make (apxs.mk)"
#endif

/* One command. `options` lists the accepted --options: "name=" takes a
 * value, "name=*" takes a value and may repeat, "name" is a flag. `nargs`
 * positional arguments are required. Source and webhook commands slot in
 * as more rows. */
typedef struct {
    const char *noun;
    const char *verb;                   /* NULL: the noun alone (init) */
    const char *options;
    int nargs;
    leadsctl_run_fn run;
    const char *synopsis;
} leadsctl_command_t;

static int init_run(leadsctl_cmd_t *cmd);

static const leadsctl_command_t commands[] = {
    { "init", NULL, "", 0, init_run,
      "init                       create or upgrade the schema" },
    { "firm", "add", "name=", 0, leadsctl_firm_add,
      "firm add --name NAME" },
    { "firm", "list", "", 0, leadsctl_firm_list,
      "firm list" },
    { "stage", "add", "firm= key= name= position= closed", 0,
      leadsctl_stage_add,
      "stage add --firm ID --key KEY --name NAME [--position N] [--closed]" },
    { "stage", "list", "firm=", 0, leadsctl_stage_list,
      "stage list --firm ID" },
    { "member", "add", "firm= name= email=", 0, leadsctl_member_add,
      "member add --firm ID [--name NAME] [--email EMAIL]" },
    { "member", "list", "firm=", 0, leadsctl_member_list,
      "member list --firm ID" },
    { "field", "add", "firm= name= type= choices= required", 0,
      leadsctl_field_add,
      "field add --firm ID --name NAME --type text|number|boolean|date|choice\n"
      "                [--choices A,B,C] [--required]" },
    { "field", "list", "firm=", 0, leadsctl_field_list,
      "field list --firm ID" },
    { "key", "add", "firm= scopes= name=", 0, leadsctl_key_add,
      "key add --firm ID --scopes leads:write[,leads:read] [--name NAME]" },
    { "key", "disable", "", 1, leadsctl_key_disable,
      "key disable KEY_ID" },
    { "key", "enable", "", 1, leadsctl_key_enable,
      "key enable KEY_ID" },
    { "key", "delete", "", 1, leadsctl_key_delete,
      "key delete KEY_ID" },
    { "key", "list", "firm=", 0, leadsctl_key_list,
      "key list --firm ID" },
    { "source", "add", "firm= name= map=*", 0, leadsctl_source_add,
      "source add --firm ID --name NAME [--map TARGET=PATH]..." },
    { "source", "disable", "", 1, leadsctl_source_disable,
      "source disable SOURCE_ID" },
    { "source", "enable", "", 1, leadsctl_source_enable,
      "source enable SOURCE_ID" },
    { "source", "delete", "", 1, leadsctl_source_delete,
      "source delete SOURCE_ID" },
    { "source", "list", "firm=", 0, leadsctl_source_list,
      "source list --firm ID" },
    { "form", "add", "firm= name= origin=* redirect= honeypot= captcha="
      " captcha-secret= map=*", 0, leadsctl_form_add,
      "form add --firm ID --name NAME --origin ORIGIN [--origin ORIGIN]...\n"
      "               [--redirect URL] [--honeypot FIELD]\n"
      "               [--captcha turnstile|hcaptcha|recaptcha"
      " --captcha-secret SECRET]\n"
      "               [--map TARGET=PATH]..." },
    { "form", "disable", "", 1, leadsctl_form_disable,
      "form disable FORM_ID" },
    { "form", "enable", "", 1, leadsctl_form_enable,
      "form enable FORM_ID" },
    { "form", "delete", "", 1, leadsctl_form_delete,
      "form delete FORM_ID" },
    { "form", "list", "firm=", 0, leadsctl_form_list,
      "form list --firm ID" },
    { "webhook", "add", "firm= url= events=", 0, leadsctl_webhook_add,
      "webhook add --firm ID --url URL [--events lead.created|*]" },
    { "webhook", "disable", "", 1, leadsctl_webhook_disable,
      "webhook disable ENDPOINT_ID" },
    { "webhook", "enable", "", 1, leadsctl_webhook_enable,
      "webhook enable ENDPOINT_ID" },
    { "webhook", "list", "firm=", 0, leadsctl_webhook_list,
      "webhook list --firm ID" },
    { "webhook", "deliveries", "firm= endpoint= status= since= limit=", 0,
      leadsctl_webhook_deliveries,
      "webhook deliveries [--firm ID] [--endpoint ID]\n"
      "                [--status pending|delivered|failed]"
      " [--since ISO|DURATION] [--limit N]" },
    { "webhook", "attempts", "", 1, leadsctl_webhook_attempts,
      "webhook attempts DELIVERY_ID" },
    { "webhook", "update", "url= events=", 1, leadsctl_webhook_update,
      "webhook update ENDPOINT_ID [--url URL] [--events lead.created|*]" },
    { "webhook", "delete", "", 1, leadsctl_webhook_delete,
      "webhook delete ENDPOINT_ID" },
    { "webhook", "replay", "since= failed", 1, leadsctl_webhook_replay,
      "webhook replay ENDPOINT_ID --since ISO|DURATION [--failed]" },
    { "webhook", "retry", "", 1, leadsctl_webhook_retry,
      "webhook retry DELIVERY_ID" },
    { "webhook", "rotate-secret", "grace=", 1, leadsctl_webhook_rotate_secret,
      "webhook rotate-secret ENDPOINT_ID [--grace DURATION]" },
    { "lead", "erase", "firm= id= email= phone= region=", 0,
      leadsctl_lead_erase,
      "lead erase --firm ID (--id LEAD_ID | --email EMAIL | --phone PHONE)\n"
      "                [--region CC]" },
    { "status", NULL, "", 0, leadsctl_status,
      "status                     schema version, counts, oldest pending"
      " delivery" },
    { NULL, NULL, NULL, 0, NULL, NULL }
};

/* ---- Usage --------------------------------------------------------------- */

static void print_usage(FILE *out)
{
    const leadsctl_command_t *c;

    fputs("usage: leadsctl [--driver pgsql|mysql|sqlite3 --params PARAMS]"
          " [--json] COMMAND\n"
          "       leadsctl --help | --version\n\n"
          "The database may also come from LEADS_DBD_DRIVER and"
          " LEADS_DBD_PARAMS;\nPARAMS is a DBDParams string.\n\n"
          "commands:\n", out);
    for (c = commands; c->noun; c++) {
        fprintf(out, "  %s\n", c->synopsis);
    }
    fputs("\nAn add prints the new id (key add and source add: the key,"
          " webhook add:\nthe secret, shown once); --json prints one JSON"
          " object. A list prints\ntab-separated rows or, with --json, a JSON"
          " array. lead erase removes the\nfirm's matching leads with their"
          " Idempotency-Key records, webhook\ndeliveries and attempts, in one"
          " transaction, and prints how many leads\nwent (--json: the rows"
          " per table); --region is the LeadsPhoneRegion a\nnational --phone"
          " was stored under. status prints the schema version and\nthe"
          " counts (--json: one object).\n\n"
          "Exit status: 0 success, 1 runtime or database error,"
          " 2 usage error.\n"
          "lead erase exits 0 when nothing matched (it prints 0), 2 unless"
          " exactly\none of --id, --email and --phone is given; status exits"
          " 1 when the\ndatabase cannot be reached or holds no schema.\n",
          out);
}

/* ---- init ---------------------------------------------------------------- */

static int init_run(leadsctl_cmd_t *cmd)
{
    apr_array_header_t *applied = apr_array_make(cmd->pool, 4,
                                                 sizeof(const char *));
    int version, i;

    if (leadsctl_db_migrate(cmd->db, &version, applied) != 0) {
        return leadsctl_fail("init: %s", cmd->db->error);
    }
    for (i = 0; i < applied->nelts; i++) {
        fprintf(stderr, "leadsctl: applied %s\n",
                APR_ARRAY_IDX(applied, i, const char *));
    }
    if (applied->nelts == 0) {
        fprintf(stderr, "leadsctl: schema up to date\n");
    }
    if (cmd->json) {
        json_t *obj = json_object();
        json_t *names = json_array();
        for (i = 0; i < applied->nelts; i++) {
            json_array_append_new(names,
                json_string(APR_ARRAY_IDX(applied, i, const char *)));
        }
        json_object_set_new(obj, "version", json_integer(version));
        json_object_set_new(obj, "applied", names);
        return leadsctl_print_json(obj);
    }
    printf("schema at version %d\n", version);
    return LEADSCTL_OK;
}

/* ---- Dispatch ------------------------------------------------------------ */

static const leadsctl_command_t *find_command(const char *noun,
                                              const char *verb)
{
    const leadsctl_command_t *c;

    for (c = commands; c->noun; c++) {
        if (strcmp(c->noun, noun) != 0) {
            continue;
        }
        if (c->verb == NULL || (verb && strcmp(c->verb, verb) == 0)) {
            return c;
        }
    }
    return NULL;
}

static int known_noun(const char *noun)
{
    const leadsctl_command_t *c;

    for (c = commands; c->noun; c++) {
        if (strcmp(c->noun, noun) == 0) {
            return 1;
        }
    }
    return 0;
}

static int wants_help(int argc, const char *const *argv)
{
    int i;

    for (i = 0; i < argc && strcmp(argv[i], "--") != 0; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            return 1;
        }
    }
    return 0;
}

/* A global option's value, from "--opt value" or "--opt=value". */
static int global_value(int argc, const char *const *argv, int *i,
                        const char *name, const char **value)
{
    const char *a = argv[*i];
    apr_size_t n = strlen(name);

    if (strncmp(a, name, n) != 0) {
        return 0;
    }
    if (a[n] == '=') {
        *value = a + n + 1;
        return 1;
    }
    if (a[n] != '\0') {
        return 0;
    }
    if (*i + 1 >= argc) {
        *value = NULL;
        return 1;
    }
    *value = argv[++*i];
    return 1;
}

static int run(apr_pool_t *pool, int argc, const char *const *argv)
{
    const char *driver = getenv("LEADS_DBD_DRIVER");
    const char *params = getenv("LEADS_DBD_PARAMS");
    const char *error = NULL;
    const leadsctl_command_t *c;
    leadsctl_cmd_t cmd;
    int i = 1, rc, words;

    memset(&cmd, 0, sizeof(cmd));
    cmd.pool = pool;
    cmd.opts = apr_table_make(pool, 8);

    for (; i < argc && argv[i][0] == '-'; i++) {
        const char *value;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            print_usage(stdout);
            return LEADSCTL_OK;
        }
        if (strcmp(argv[i], "--version") == 0) {
            printf("leadsctl %s\n", LEADS_VERSION);
            return LEADSCTL_OK;
        }
        if (strcmp(argv[i], "--json") == 0) {
            cmd.json = 1;
        }
        else if (global_value(argc, argv, &i, "--driver", &value)) {
            if (value == NULL) {
                return leadsctl_usage_error(NULL, "--driver needs a value");
            }
            driver = value;
        }
        else if (global_value(argc, argv, &i, "--params", &value)) {
            if (value == NULL) {
                return leadsctl_usage_error(NULL, "--params needs a value");
            }
            params = value;
        }
        else {
            return leadsctl_usage_error(NULL, "unknown option %s", argv[i]);
        }
    }
    if (i >= argc) {
        print_usage(stdout);
        return LEADSCTL_USAGE;
    }

    c = find_command(argv[i], i + 1 < argc ? argv[i + 1] : NULL);
    if (c == NULL) {
        if (known_noun(argv[i])) {
            return leadsctl_usage_error(NULL, "unknown %s command%s%s",
                                        argv[i], i + 1 < argc ? " " : "",
                                        i + 1 < argc ? argv[i + 1] : "");
        }
        return leadsctl_usage_error(NULL, "unknown command %s", argv[i]);
    }
    words = c->verb ? 2 : 1;
    cmd.name = c->verb ? apr_pstrcat(pool, c->noun, " ", c->verb, NULL)
                       : c->noun;
    if (wants_help(argc - i - words, argv + i + words)) {
        printf("usage: leadsctl [--json] %s\n", c->synopsis);
        return LEADSCTL_OK;
    }
    rc = leadsctl_cmd_parse(&cmd, c->options, c->nargs, argc - i - words,
                            argv + i + words);
    if (rc != LEADSCTL_OK) {
        return rc;
    }

    if (driver == NULL || *driver == '\0') {
        return leadsctl_usage_error(NULL, "no database: give --driver and"
                                    " --params, or set LEADS_DBD_DRIVER and"
                                    " LEADS_DBD_PARAMS");
    }
    if (params == NULL) {
        params = "";
    }
    if (leadsctl_dialect_for(driver) == NULL) {
        return leadsctl_usage_error(NULL, "unsupported driver '%s'"
                                    " (pgsql, mysql or sqlite3)", driver);
    }
    if (strcmp(driver, "sqlite3") == 0 && *params == '\0') {
        return leadsctl_usage_error(NULL, "sqlite3 needs --params with the"
                                    " database file");
    }
    if (leadsctl_db_open(pool, driver, params, &cmd.db, &error)
        != APR_SUCCESS) {
        return leadsctl_fail("%s", error);
    }
    rc = c->run(&cmd);
    leadsctl_db_close(cmd.db);
    return rc;
}

int main(int argc, const char *const *argv)
{
    apr_pool_t *pool;
    int rc;

    if (apr_app_initialize(&argc, &argv, NULL) != APR_SUCCESS) {
        fprintf(stderr, "leadsctl: cannot initialise APR\n");
        return LEADSCTL_FAIL;
    }
    apr_pool_create(&pool, NULL);
    rc = run(pool, argc, argv);
    fflush(stdout);
    if (ferror(stdout)) {
        rc = leadsctl_fail("cannot write the output");
    }
    apr_pool_destroy(pool);
    apr_terminate();
    return rc;
}
