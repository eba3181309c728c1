/* See leads_metrics.h. The segment is anonymous shared memory made in the
 * parent's process pool, found again by its userdata key at each restart,
 * so every generation's children count into the same numbers. */
#include <string.h>

#include "httpd.h"
#include "apr_atomic.h"
#include "apr_shm.h"
#include "apr_strings.h"
#include "http_log.h"
#include "http_protocol.h"

#include "leads_metrics.h"
#include "leads_prom.h"
#include "leads_shm.h"
#include "mod_leads.h"

APLOG_USE_MODULE(leads);

#define SEGMENT_KEY     "leads-metrics"

/* The statuses mod_leads answers; anything else counts as "other". */
static const int statuses[] = {
    200, 201, 303, 400, 401, 403, 404, 405, 408, 409, 413, 415, 422, 429,
    500, 503
};
#define NSTATUS ((int)(sizeof(statuses) / sizeof(statuses[0])))

static const char *const modes[LEADS_METRIC_MODES] = {
    "none", "api", "ingest", "form"
};

static const double duration_bounds[] = {
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10
};
#define NBUCKET ((int)(sizeof(duration_bounds) / sizeof(duration_bounds[0])))

/* Every field a 64-bit counter, so the segment is one array of atomics. */
typedef struct {
    apr_uint64_t size;                  /* of this struct: a new layout
                                           (an upgraded module) starts anew */
    apr_uint64_t requests[LEADS_METRIC_MODES][NSTATUS + 1];
    apr_uint64_t errors[LEADS_ERR_COUNT];
    apr_uint64_t duration[NBUCKET + 1];
    apr_uint64_t duration_sum_us;
    apr_uint64_t created[LEADS_METRIC_MODES];
    apr_uint64_t replayed;
    apr_uint64_t duplicates;
    apr_uint64_t spam_honeypot;
    apr_uint64_t spam_captcha;
    apr_uint64_t wh_delivered, wh_retried, wh_failed;
    apr_uint64_t db_unavailable;
    apr_uint64_t pending;               /* the database's, at outbox_read_at */
    apr_uint64_t oldest_pending_us;
    apr_uint64_t endpoints_disabled;
    apr_uint64_t held;                  /* pending, of disabled endpoints */
    apr_uint64_t outbox_read_at;
} shared_t;

static shared_t *shared;

int leads_metrics_post_config(apr_pool_t *pconf, server_rec *s)
{
    apr_pool_t *pproc = s->process->pool;
    void *found = NULL;
    apr_shm_t *shm;
    apr_status_t rv;

    (void)pconf;
    apr_pool_userdata_get(&found, SEGMENT_KEY, pproc);
    if (found && ((shared_t *)found)->size == sizeof(shared_t)) {
        shared = found;
        return OK;
    }
    rv = apr_shm_create(&shm, sizeof(shared_t), NULL, pproc);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, rv, s, LEADSLOGNO(00009)
                     "no shared memory for the metrics: leads-metrics will "
                     "show this process's view only");
        shared = apr_pcalloc(pproc, sizeof(*shared));
    }
    else {
        shared = apr_shm_baseaddr_get(shm);
        memset(shared, 0, sizeof(*shared));
    }
    shared->size = sizeof(shared_t);
    apr_pool_userdata_set(shared, SEGMENT_KEY, apr_pool_cleanup_null, pproc);
    return OK;
}

static int status_index(int status)
{
    int i;

    for (i = 0; i < NSTATUS; i++) {
        if (statuses[i] == status) {
            return i;
        }
    }
    return NSTATUS;
}

static int bucket_index(apr_interval_time_t d)
{
    double secs = (double)d / APR_USEC_PER_SEC;
    int i;

    for (i = 0; i < NBUCKET && secs > duration_bounds[i]; i++) {
    }
    return i;
}

void leads_metrics_request(const leads_metric_request_t *m)
{
    if (!shared) {
        return;
    }
    apr_atomic_inc64(&shared->requests[m->mode][status_index(m->status)]);
    apr_atomic_inc64(&shared->duration[bucket_index(m->duration)]);
    apr_atomic_add64(&shared->duration_sum_us, (apr_uint64_t)m->duration);
    if (m->failed) {
        apr_atomic_inc64(&shared->errors[m->error]);
        if (m->error == LEADS_ERR_UNAVAILABLE) {
            apr_atomic_inc64(&shared->db_unavailable);
        }
    }
    if (m->created) {
        apr_atomic_inc64(&shared->created[m->mode]);
    }
    if (m->replayed) {
        apr_atomic_inc64(&shared->replayed);
    }
    if (m->duplicate) {
        apr_atomic_inc64(&shared->duplicates);
    }
}

void leads_metrics_webhooks(int delivered, int retried, int failed)
{
    if (!shared) {
        return;
    }
    apr_atomic_add64(&shared->wh_delivered, (apr_uint64_t)delivered);
    apr_atomic_add64(&shared->wh_retried, (apr_uint64_t)retried);
    apr_atomic_add64(&shared->wh_failed, (apr_uint64_t)failed);
}

void leads_metrics_spam(leads_spam_e reason)
{
    if (!shared) {
        return;
    }
    apr_atomic_inc64(reason == LEADS_SPAM_HONEYPOT ? &shared->spam_honeypot
                                                   : &shared->spam_captcha);
}

void leads_metrics_set_outbox(apr_uint64_t pending, double oldest_seconds,
                              apr_uint64_t endpoints_disabled,
                              apr_uint64_t held)
{
    if (!shared) {
        return;
    }
    apr_atomic_set64(&shared->pending, pending);
    apr_atomic_set64(&shared->oldest_pending_us,
                     oldest_seconds > 0
                     ? (apr_uint64_t)(oldest_seconds * APR_USEC_PER_SEC) : 0);
    apr_atomic_set64(&shared->endpoints_disabled, endpoints_disabled);
    apr_atomic_set64(&shared->held, held);
    apr_atomic_set64(&shared->outbox_read_at, (apr_uint64_t)apr_time_now());
}

int leads_metrics_outbox_held(apr_uint64_t *endpoints_disabled,
                              apr_uint64_t *held)
{
    if (!shared || apr_atomic_read64(&shared->outbox_read_at) == 0) {
        return 0;
    }
    *endpoints_disabled = apr_atomic_read64(&shared->endpoints_disabled);
    *held = apr_atomic_read64(&shared->held);
    return 1;
}

apr_time_t leads_metrics_outbox_read_at(void)
{
    return shared ? (apr_time_t)apr_atomic_read64(&shared->outbox_read_at)
                  : 0;
}

static apr_uint64_t get(volatile apr_uint64_t *v)
{
    return apr_atomic_read64(v);
}

static void requests_family(leads_prom_t *m, apr_pool_t *p)
{
    int i, j;

    leads_prom_family(m, "leads_requests_total", "counter",
                      "Requests answered, by mode (the key's kind) and HTTP "
                      "status.");
    for (i = 0; i < LEADS_METRIC_MODES; i++) {
        for (j = 0; j <= NSTATUS; j++) {
            apr_uint64_t n = get(&shared->requests[i][j]);

            if (n > 0) {
                leads_prom_count(m, "leads_requests_total", n,
                                 "mode", modes[i], "code",
                                 j < NSTATUS ? apr_itoa(p, statuses[j])
                                             : "other", NULL);
            }
        }
    }
    leads_prom_family(m, "leads_errors_total", "counter",
                      "Error answers, by the envelope's code.");
    for (i = 0; i < LEADS_ERR_COUNT; i++) {
        leads_prom_count(m, "leads_errors_total", get(&shared->errors[i]),
                         "code", leads_error_name((leads_err_e)i), NULL);
    }
}

static void duration_family(leads_prom_t *m)
{
    apr_uint64_t counts[NBUCKET + 1];
    int i;

    for (i = 0; i <= NBUCKET; i++) {
        counts[i] = get(&shared->duration[i]);
    }
    leads_prom_family(m, "leads_request_duration_seconds", "histogram",
                      "Time from the request's arrival to its answer.");
    leads_prom_histogram(m, "leads_request_duration_seconds",
                         duration_bounds, counts, NBUCKET,
                         (double)get(&shared->duration_sum_us)
                         / APR_USEC_PER_SEC);
}

static void leads_family(leads_prom_t *m)
{
    int i;

    leads_prom_family(m, "leads_created_total", "counter",
                      "Leads created, by mode.");
    for (i = 1; i < LEADS_METRIC_MODES; i++) {
        leads_prom_count(m, "leads_created_total", get(&shared->created[i]),
                         "mode", modes[i], NULL);
    }
    leads_prom_family(m, "leads_replayed_total", "counter",
                      "Answers replayed for a repeated Idempotency-Key.");
    leads_prom_count(m, "leads_replayed_total", get(&shared->replayed), NULL);
    leads_prom_family(m, "leads_duplicates_total", "counter",
                      "Ingestion creates answered as duplicates of a known "
                      "externalId.");
    leads_prom_count(m, "leads_duplicates_total", get(&shared->duplicates),
                     NULL);
    leads_prom_family(m, "leads_spam_total", "counter",
                      "Form submissions refused as spam, by reason.");
    leads_prom_count(m, "leads_spam_total", get(&shared->spam_honeypot),
                     "reason", "honeypot", NULL);
    leads_prom_count(m, "leads_spam_total", get(&shared->spam_captcha),
                     "reason", "captcha", NULL);
    leads_prom_family(m, "leads_db_unavailable_total", "counter",
                      "Requests answered 503 unavailable.");
    leads_prom_count(m, "leads_db_unavailable_total",
                     get(&shared->db_unavailable), NULL);
}

static void webhook_family(leads_prom_t *m)
{
    leads_ring_stats_t ring;
    leads_wh_stats_t wh;
    apr_time_t read_at = (apr_time_t)get(&shared->outbox_read_at);

    memset(&ring, 0, sizeof(ring));
    memset(&wh, 0, sizeof(wh));
    leads_shm_snapshot(&ring, &wh);
    leads_prom_family(m, "leads_webhook_deliveries_total", "counter",
                      "Delivery attempts, by outcome.");
    leads_prom_count(m, "leads_webhook_deliveries_total",
                     get(&shared->wh_delivered), "outcome", "delivered",
                     NULL);
    leads_prom_count(m, "leads_webhook_deliveries_total",
                     get(&shared->wh_retried), "outcome", "retried", NULL);
    leads_prom_count(m, "leads_webhook_deliveries_total",
                     get(&shared->wh_failed), "outcome", "failed", NULL);
    leads_prom_family(m, "leads_webhook_inflight", "gauge",
                      "Deliveries being sent now.");
    leads_prom_gauge(m, "leads_webhook_inflight", wh.in_flight, NULL);
    leads_prom_family(m, "leads_webhook_ring_depth", "gauge",
                      "Wake-ups waiting in the shared-memory ring.");
    leads_prom_gauge(m, "leads_webhook_ring_depth", ring.depth, NULL);
    leads_prom_family(m, "leads_webhook_ring_dropped_total", "counter",
                      "Wake-ups dropped by a full ring (the outbox sweep "
                      "sends those) since the last restart.");
    leads_prom_count(m, "leads_webhook_ring_dropped_total", ring.dropped,
                     NULL);
    if (read_at == 0) {
        return;                         /* the database not read yet */
    }
    leads_prom_family(m, "leads_webhook_pending", "gauge",
                      "Deliveries not yet delivered or failed (read from "
                      "the database at most 10 s ago).");
    leads_prom_gauge(m, "leads_webhook_pending", (double)get(&shared->pending),
                     NULL);
    leads_prom_family(m, "leads_webhook_oldest_pending_seconds", "gauge",
                      "Age of the oldest pending delivery.");
    leads_prom_gauge(m, "leads_webhook_oldest_pending_seconds",
                     (double)get(&shared->oldest_pending_us)
                     / APR_USEC_PER_SEC, NULL);
    leads_prom_family(m, "leads_webhook_endpoints_disabled", "gauge",
                      "Webhook endpoints disabled.");
    leads_prom_gauge(m, "leads_webhook_endpoints_disabled",
                     (double)get(&shared->endpoints_disabled), NULL);
    leads_prom_family(m, "leads_webhook_deliveries_held", "gauge",
                      "Pending deliveries of disabled endpoints, held until "
                      "the endpoint is enabled again.");
    leads_prom_gauge(m, "leads_webhook_deliveries_held",
                     (double)get(&shared->held), NULL);
}

int leads_metrics_handler(request_rec *r)
{
    leads_prom_t *m;

    if (!r->handler || strcmp(r->handler, "leads-metrics") != 0) {
        return DECLINED;
    }
    if (r->method_number != M_GET) {
        r->allowed = AP_METHOD_BIT << M_GET;
        return HTTP_METHOD_NOT_ALLOWED;
    }
    if (!shared) {
        return HTTP_SERVICE_UNAVAILABLE;
    }
    m = leads_prom_make(r->pool);
    requests_family(m, r->pool);
    duration_family(m);
    leads_family(m);
    webhook_family(m);
    leads_prom_family(m, "leads_build_info", "gauge",
                      "The running mod_leads.");
    leads_prom_gauge(m, "leads_build_info", 1, "version", LEADS_VERSION,
                     NULL);
    ap_set_content_type(r, "text/plain; version=0.0.4; charset=utf-8");
    apr_table_setn(r->headers_out, "Cache-Control", "no-store");
    if (!r->header_only) {
        ap_rputs(leads_prom_text(m), r);
    }
    return OK;
}
