/* The dialects' error numbers and cluster probe (docs/database.md §4.7):
 * which failures rerun a unit of work, which mean 503, and which server
 * gets causal reads. */
#include <string.h>

#include "leads_dialect.h"
#include "tap.h"

static int has_code(const int *codes, int n, int code)
{
    int i;

    for (i = 0; i < n && codes[i]; i++) {
        if (codes[i] == code) {
            return 1;
        }
    }
    return 0;
}

#define HAS(a, code) has_code((a), (int)(sizeof(a) / sizeof((a)[0])), (code))

static void test_mysql(void)
{
    const leads_dialect_t *d = leads_dialect_for("mysql");

    ok(d != NULL, "mysql has a dialect");
    if (!d) {
        return;
    }
    ok(HAS(d->conflict_codes, 1213),
       "ER_LOCK_DEADLOCK (and a Galera certification failure) reruns the unit");
    ok(HAS(d->conflict_codes, 1205), "ER_LOCK_WAIT_TIMEOUT reruns the unit");
    ok(!HAS(d->conflict_codes, 1062), "a duplicate key is no conflict");
    ok(HAS(d->unavailable_codes, 1047),
       "ER_UNKNOWN_COM_ERROR (WSREP not ready) is the database unavailable");
    ok(!HAS(d->unavailable_codes, 1213), "a conflict is not unavailable");
    is_str(d->cluster_probe, "SELECT @@wsrep_on", "a Galera node is asked for");
    ok(d->cluster_setup && strstr(d->cluster_setup, "wsrep_sync_wait") != NULL,
       "a Galera node gets causal reads");
}

static void test_others(void)
{
    static const char *const drivers[] = { "pgsql", "sqlite3" };
    int i;

    for (i = 0; i < 2; i++) {
        const leads_dialect_t *d = leads_dialect_for(drivers[i]);

        ok(d != NULL, drivers[i]);
        if (!d) {
            continue;
        }
        is_int(d->conflict_codes[0], 0, "no conflict codes");
        is_int(d->unavailable_codes[0], 0, "no unavailable codes");
        ok(d->cluster_probe == NULL && d->cluster_setup == NULL,
           "no cluster probe");
    }
}

int main(void)
{
    test_mysql();
    test_others();
    return tap_done();
}
