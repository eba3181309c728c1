/* Prints the SQL mod_leads runs, straight from the module's own statement
 * table (mod_leads/core/leads_dialect.c), so the benchmark never retypes it.
 *
 *   leads-sql DRIVER NAME     one statement: NAME is the statement's label
 *                             without "leads_", any case (LEAD_INSERT), or
 *                             BEGIN for the dialect's transaction opener
 *   leads-sql DRIVER --list   NAME<TAB>label<TAB>number of %s, one a line
 *
 * Statements keep apr_dbd's %s placeholders. Exit 2 on an unknown driver or
 * name. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "leads_dialect.h"

/* "leads_key_by_hash" -> "KEY_BY_HASH" */
static void label_to_name(const char *label, char *out, size_t size)
{
    size_t i = 0;

    if (strncmp(label, "leads_", 6) == 0) {
        label += 6;
    }
    for (; *label && i + 1 < size; label++) {
        out[i++] = (char)toupper((unsigned char)*label);
    }
    out[i] = '\0';
}

static int placeholders(const char *sql)
{
    int n = 0;

    for (; *sql; sql++) {
        if (sql[0] == '%' && sql[1] == 's') {
            n++;
        }
    }
    return n;
}

int main(int argc, char **argv)
{
    const leads_dialect_t *d;
    char name[64], want[64];
    int i;

    if (argc != 3) {
        fprintf(stderr, "usage: leads-sql pgsql|mysql|sqlite3 NAME|--list\n");
        return 2;
    }
    d = leads_dialect_for(argv[1]);
    if (!d) {
        fprintf(stderr, "leads-sql: no dialect '%s'\n", argv[1]);
        return 2;
    }
    if (strcmp(argv[2], "--list") == 0) {
        for (i = 0; i < LEADS_SQL_COUNT; i++) {
            label_to_name(d->label[i], name, sizeof(name));
            if (d->sql[i]) {            /* NULL: not in this dialect */
                printf("%s\t%s\t%d\n", name, d->label[i],
                       placeholders(d->sql[i]));
            }
        }
        return 0;
    }
    label_to_name(argv[2], want, sizeof(want));
    if (strcmp(want, "BEGIN") == 0) {
        printf("%s\n", d->begin);
        return 0;
    }
    for (i = 0; i < LEADS_SQL_COUNT; i++) {
        label_to_name(d->label[i], name, sizeof(name));
        if (strcmp(name, want) == 0 && d->sql[i]) {
            printf("%s\n", d->sql[i]);
            return 0;
        }
    }
    fprintf(stderr, "leads-sql: no statement '%s' (try --list)\n", argv[2]);
    return 2;
}
