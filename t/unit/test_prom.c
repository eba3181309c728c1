/* The Prometheus text format as leads_prom writes it. */
#include <string.h>

#include <apr_general.h>

#include "leads_prom.h"
#include "tap.h"

static int has(const char *text, const char *line)
{
    return strstr(text, line) != NULL;
}

static void test_family_and_samples(apr_pool_t *p)
{
    leads_prom_t *m = leads_prom_make(p);
    const char *t;

    leads_prom_family(m, "leads_requests_total", "counter",
                      "Requests answered, by mode and HTTP status.");
    leads_prom_count(m, "leads_requests_total", 12, "mode", "api",
                     "code", "201", NULL);
    leads_prom_count(m, "leads_replayed_total", 0, NULL);
    leads_prom_gauge(m, "leads_webhook_oldest_pending_seconds", 2.5, NULL);
    t = leads_prom_text(m);
    ok(has(t, "# HELP leads_requests_total Requests answered, by mode and "
              "HTTP status.\n# TYPE leads_requests_total counter\n"),
       "HELP and TYPE lines");
    ok(has(t, "leads_requests_total{mode=\"api\",code=\"201\"} 12\n"),
       "a labelled counter");
    ok(has(t, "leads_replayed_total 0\n"), "a counter without labels");
    ok(has(t, "leads_webhook_oldest_pending_seconds 2.5\n"), "a gauge");
}

static void test_histogram(apr_pool_t *p)
{
    leads_prom_t *m = leads_prom_make(p);
    static const double bounds[] = { 0.005, 0.1, 1 };
    apr_uint64_t counts[] = { 3, 2, 0, 1 };
    const char *t;

    leads_prom_histogram(m, "d", bounds, counts, 3, 1.75);
    t = leads_prom_text(m);
    ok(has(t, "d_bucket{le=\"0.005\"} 3\n"), "first bucket as written");
    ok(has(t, "d_bucket{le=\"0.1\"} 5\n"), "buckets are cumulative");
    ok(has(t, "d_bucket{le=\"1\"} 5\n"), "an empty bucket keeps the sum");
    ok(has(t, "d_bucket{le=\"+Inf\"} 6\n"), "+Inf counts everything");
    ok(has(t, "d_sum 1.75\nd_count 6\n"), "sum and count");
}

static void test_escape(apr_pool_t *p)
{
    ok(strcmp(leads_prom_escape(p, "a\"b\\c\nd"), "a\\\"b\\\\c\\nd") == 0,
       "label values escape \\, \" and newline");
}

int main(void)
{
    apr_pool_t *p;

    apr_initialize();
    apr_pool_create(&p, NULL);
    test_family_and_samples(p);
    test_histogram(p);
    test_escape(p);
    apr_pool_destroy(p);
    apr_terminate();
    return tap_done();
}
