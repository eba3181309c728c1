/* What a leadsctl command gets and how it answers: the command context,
 * the exit codes, messages on stderr, and its options (parsed here from
 * the words after the command, read by the command). leadsctl.c fills a
 * context and runs a command; the commands (leadsctl_firm.c, …) use what
 * is here, never leadsctl.c. */
#ifndef LEADSCTL_CMD_H
#define LEADSCTL_CMD_H

#include <apr_pools.h>
#include <apr_tables.h>

#include "leadsctl_db.h"

#define LEADSCTL_OK    0
#define LEADSCTL_FAIL  1
#define LEADSCTL_USAGE 2

/* What a command handler gets: its parsed options and the connection. */
typedef struct {
    apr_pool_t *pool;
    leadsctl_db_t *db;
    int json;                           /* --json given */
    const char *name;                   /* "key add", for messages */
    apr_table_t *opts;                  /* --opt value; flags map to "" */
    const apr_array_header_t *args;     /* positional arguments, const char * */
} leadsctl_cmd_t;

typedef int (*leadsctl_run_fn)(leadsctl_cmd_t *cmd);

/* Messages on stderr, prefixed "leadsctl: ". Each returns its exit code. */
int leadsctl_fail(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));
int leadsctl_usage_error(const leadsctl_cmd_t *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* "<what>: <db->error>", exit 1. */
int leadsctl_db_fail(const leadsctl_cmd_t *cmd, const char *what);

/* Parse the words after the command into cmd->opts, cmd->args and
 * cmd->json: --options (either "--opt value" or "--opt=value"), --json,
 * "--" (only arguments after it) and `nargs` positional arguments.
 * `options` lists the accepted --options: "name=" takes a value, "name=*"
 * takes a value and may repeat, "name" is a flag. Returns an exit code. */
int leadsctl_cmd_parse(leadsctl_cmd_t *cmd, const char *options, int nargs,
                       int argc, const char *const *argv);

/* Option value, or NULL when not given; flags read as "". */
const char *leadsctl_opt(const leadsctl_cmd_t *cmd, const char *name);
int leadsctl_flag(const leadsctl_cmd_t *cmd, const char *name);

/* A text option after trimming: must be present (when `required`), non-empty,
 * at most `max` characters, without control characters. Returns 0, or
 * prints a usage error and returns LEADSCTL_USAGE. *out is NULL when an
 * optional option is absent. */
int leadsctl_opt_text(const leadsctl_cmd_t *cmd, const char *name,
                      int required, apr_size_t max, const char **out);

#endif
