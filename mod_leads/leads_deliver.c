/* Webhook delivery (docs/api.md §9.4) on the watchdog thread of one child per host.
 *
 * Each call runs a slice of at most DELIVER_SLICE (mod_watchdog sleeps
 * 100 ms between calls, so slices are long). A wake-up in the ring, or
 * every LeadsWebhookPollInterval, leases a batch of due or orphaned rows
 * in the outbox: up to LEASE_WAVES times LeadsWebhookConcurrency, queued
 * here and sent LeadsWebhookConcurrency at a time on one libcurl multi
 * handle (connections are reused across slices), no more than
 * LeadsWebhookEndpointConcurrency of one endpoint at once: a queued
 * delivery of an endpoint at its cap waits and the others pass it, so a
 * receiver that never answers costs other firms nothing (SPEC §7.1);
 * finished attempts are recorded in batches too, by a thread of their
 * own (leads_recorder.c) so sending never waits for the database to
 * write them. Database work per batch
 * is a fixed number of statements, whatever the batch's size: batches
 * larger than the transfers in flight spread each statement's wait for a
 * busy database over more deliveries.
 * Transfers in flight carry over between slices. Whatever this thread
 * loses (a crash, a restart), the lease expires and the sweep sends
 * again: at-least-once. */
#include <pthread.h>
#include <string.h>
#include <sys/socket.h>
#include <curl/curl.h>

#include "httpd.h"
#include "ap_mpm.h"
#include "apr_strings.h"
#include "http_config.h"
#include "http_log.h"
#include "mod_watchdog.h"

#include "leads_addr.h"
#include "leads_config.h"
#include "leads_db.h"
#include "leads_deliver.h"
#include "leads_metrics.h"
#include "leads_outbox.h"
#include "leads_recorder.h"
#include "leads_shm.h"
#include "leads_uuid.h"
#include "leads_webhook.h"
#include "mod_leads.h"

APLOG_USE_MODULE(leads);

#define DELIVER_SLICE       apr_time_from_sec(1)
#define POLL_STEP_MS        5
#define IDLE_STEP           apr_time_from_msec(5)
#define LEASE_SLACK         apr_time_from_sec(15)
#define RESPONSE_CAP        (1024 * 1024)
#define LEASE_WAVES         4
#define ENDPOINT_LEASE_FACTOR 4         /* x LeadsWebhookEndpointConcurrency */
#define FRESH_GATHER        apr_time_from_msec(10)
#define RECORD_BACKLOG      16          /* x LEASE_WAVES x the concurrency */
#define BACKLOG_SWEEP       apr_time_from_msec(50)

/* One leased delivery: queued, then an attempt on its way. */
typedef struct transfer_t transfer_t;
struct transfer_t {
    transfer_t *prev, *next;            /* the deliverer's queue or list */
    apr_pool_t *pool;
    CURL *easy;                         /* NULL while queued */
    struct curl_slist *headers;
    const char *token;                  /* the lease it was sent under */
    apr_time_t until;                   /* when that lease runs out */
    leads_outbox_item_t item;
    apr_time_t started;
    int allow_private;
    const char *refused;                /* set by the address guard */
    apr_size_t received;
    char errbuf[CURL_ERROR_SIZE];
};

/* The deliverer's state, kept across slices in a pool of its own. */
typedef struct {
    apr_pool_t *pool;
    server_rec *s;
    const leads_srv_cfg_t *cfg;
    CURLM *multi;
    CURL **idle;                        /* easy handles to reuse, up to
                                           LeadsWebhookConcurrency: an init
                                           and a cleanup cost more than a
                                           transfer's own work */
    int idle_n;
    transfer_t *transfers;              /* in flight */
    int in_flight;
    transfer_t *queue, *queue_tail;     /* leased, not started, oldest first */
    int queued;
    apr_time_t next_sweep;
    int handed_back;                    /* fresh rows given to the sweep
                                           since the last lease */
    const char *owner;                  /* lease owner: host:pid:nonce */
    apr_array_header_t *events;         /* from the ring, to load */
    apr_pool_t *events_pool;            /* their ids */
    apr_time_t events_since;            /* when the first was taken */
    apr_uint32_t batches;               /* leased so far: token suffix */
    int delivered, retried, failed;     /* since the last stats update */
    leads_recorder_t *recorder;         /* NULL: record on this thread */
    int record_apart;                   /* the dialect allows the recorder
                                           (finish_apart); known once a
                                           connection was opened */
} deliverer_t;

static deliverer_t *dlv;

/* The thread the deliverer runs on: only it may touch the state. */
static apr_os_thread_t deliverer_thread;

/* The slice's database connection, taken at its first use and given
 * back after each step (slice_db_release()): the recorder's thread and
 * the child's requests take from the same DBDMax. NULL while the
 * database is away (one failed open a slice); in-flight transfers still
 * finish then. */
typedef struct {
    apr_pool_t *pool;
    leads_db_t *db;
    int failed;
    apr_array_header_t *results;        /* finished, not yet recorded */
} slice_db_t;

apr_status_t leads_deliver_global_init(server_rec *s)
{
    static int done;
    CURLcode rc;

    if (done) {
        return APR_SUCCESS;
    }
    rc = curl_global_init(CURL_GLOBAL_DEFAULT);
    if (rc != CURLE_OK) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, LEADSLOGNO(00060)
                     "libcurl initialisation failed: %s",
                     curl_easy_strerror(rc));
        return APR_EGENERAL;
    }
    done = 1;
    return APR_SUCCESS;
}

/* The guard sees the address actually connected to, after DNS. */
static curl_socket_t open_guarded(void *clientp, curlsocktype purpose,
                                  struct curl_sockaddr *addr)
{
    transfer_t *t = clientp;
    const char *why = leads_addr_refusal(&addr->addr, addr->addrlen,
                                         t->allow_private);

    (void)purpose;
    if (why) {
        t->refused = apr_psprintf(t->pool, "refused: %s address %s", why,
                                  leads_addr_text(t->pool, &addr->addr,
                                                  addr->addrlen));
        return CURL_SOCKET_BAD;
    }
    return socket(addr->family, addr->socktype | SOCK_CLOEXEC, addr->protocol);
}

/* The receiver's answer is not used; read it away up to a cap. */
static size_t discard_body(char *data, size_t size, size_t nmemb, void *ud)
{
    transfer_t *t = ud;

    (void)data;
    t->received += size * nmemb;
    return t->received > RESPONSE_CAP ? 0 : size * nmemb;
}

/* One more header; on failure the list is freed and NULL returned (a
 * request must not leave with some of its signatures missing). */
static struct curl_slist *add_header(struct curl_slist *h, const char *line)
{
    struct curl_slist *more = curl_slist_append(h, line);

    if (!more) {
        curl_slist_free_all(h);
    }
    return more;
}

/* The delivery's header lines (leads_webhook.c), signed at `now`. */
static struct curl_slist *signed_headers(transfer_t *t, apr_time_t now)
{
    apr_array_header_t *lines;
    struct curl_slist *h = NULL;
    int i;

    if (leads_webhook_headers_rotating(t->pool, t->item.secret,
                                       t->item.previous_secret,
                                       t->item.event_id, t->item.body,
                                       strlen(t->item.body),
                                       apr_time_sec(now), &lines)
        != APR_SUCCESS) {
        return NULL;
    }
    /* an empty Expect keeps libcurl from sending "Expect: 100-continue"
     * and waiting for an answer to it before a larger body */
    APR_ARRAY_PUSH(lines, const char *) = "Expect:";
    for (i = 0; i < lines->nelts; i++) {
        if (!(h = add_header(h, APR_ARRAY_IDX(lines, i, const char *)))) {
            return NULL;
        }
    }
    return h;
}

static void transfer_link(transfer_t *t)
{
    t->prev = NULL;
    t->next = dlv->transfers;
    if (t->next) {
        t->next->prev = t;
    }
    dlv->transfers = t;
}

/* Out of the queue or the in-flight list, whichever holds it. */
static void transfer_unlink(transfer_t *t)
{
    if (t->prev) {
        t->prev->next = t->next;
    }
    else if (dlv->transfers == t) {
        dlv->transfers = t->next;
    }
    else if (dlv->queue == t) {
        dlv->queue = t->next;
    }
    if (t->next) {
        t->next->prev = t->prev;
    }
    else if (dlv->queue_tail == t) {
        dlv->queue_tail = t->prev;
    }
    t->prev = t->next = NULL;
}

static void transfer_free(transfer_t *t)
{
    transfer_unlink(t);
    if (t->easy) {
        curl_multi_remove_handle(dlv->multi, t->easy);
        if (dlv->idle_n < dlv->cfg->wh_concurrency) {
            curl_easy_reset(t->easy);
            dlv->idle[dlv->idle_n++] = t->easy;
        }
        else {
            curl_easy_cleanup(t->easy);
        }
    }
    curl_slist_free_all(t->headers);
    apr_pool_destroy(t->pool);
}

static CURL *easy_for(transfer_t *t)
{
    const leads_srv_cfg_t *cfg = dlv->cfg;
    long timeout = (long)apr_time_as_msec(cfg->wh_timeout);
    CURL *e = dlv->idle_n ? dlv->idle[--dlv->idle_n] : curl_easy_init();

    if (!e) {
        return NULL;
    }
    curl_easy_setopt(e, CURLOPT_URL, t->item.url);
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, t->item.body);
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)strlen(t->item.body));
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, t->headers);
    curl_easy_setopt(e, CURLOPT_USERAGENT, "mod_leads/" LEADS_VERSION);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, timeout);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
                     timeout < 5000 ? timeout : 5000L);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
    /* never http_proxy & co. from httpd's environment: the address guard
     * would see only the proxy's address */
    curl_easy_setopt(e, CURLOPT_PROXY, cfg->wh_proxy ? cfg->wh_proxy : "");
    curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, open_guarded);
    curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, t);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, discard_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, t);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t->errbuf);
    curl_easy_setopt(e, CURLOPT_PRIVATE, t);
    return e;
}

/* A leased delivery joins the tail of the queue, copied into a pool of
 * its own (the lease's rows go with the lease's pool). */
static void queue_add(const leads_outbox_item_t *item, const char *token,
                      apr_time_t until)
{
    apr_pool_t *tp;
    transfer_t *t;

    apr_pool_create(&tp, dlv->pool);
    t = apr_pcalloc(tp, sizeof(*t));
    t->pool = tp;
    t->token = apr_pstrdup(tp, token);
    t->until = until;
    t->item.id = apr_pstrdup(tp, item->id);
    t->item.event_id = apr_pstrdup(tp, item->event_id);
    t->item.body = apr_pstrdup(tp, item->body);
    t->item.attempts = item->attempts;
    t->item.url = apr_pstrdup(tp, item->url);
    t->item.secret = apr_pstrdup(tp, item->secret);
    t->item.endpoint_id = apr_pstrdup(tp, item->endpoint_id ? item->endpoint_id
                                                            : "");
    t->item.previous_secret = apr_pstrdup(tp, item->previous_secret);
    t->allow_private = dlv->cfg->wh_allow_private;
    t->prev = dlv->queue_tail;
    if (dlv->queue_tail) {
        dlv->queue_tail->next = t;
    }
    else {
        dlv->queue = t;
    }
    dlv->queue_tail = t;
    dlv->queued++;
}

/* Sign a queued delivery and hand it to libcurl: signed when it leaves
 * the queue, so the signature's timestamp is the send time. */
static void transfer_begin(transfer_t *t, apr_time_t now)
{
    t->started = now;
    if (!t->item.body || !t->item.url || !t->item.secret
        || !(t->headers = signed_headers(t, now))
        || !(t->easy = easy_for(t))
        || curl_multi_add_handle(dlv->multi, t->easy) != CURLM_OK) {
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, dlv->s, LEADSLOGNO(00061)
                     "webhook delivery %s could not be started; it is "
                     "retried when its lease expires", t->item.id);
        transfer_free(t);
        return;
    }
    transfer_link(t);
    dlv->in_flight++;
}

static int queued(void)
{
    return dlv->queued;
}

/* How many of an endpoint's deliveries a list holds: dlv->transfers (in
 * flight on this host) or dlv->queue. Both are short
 * (LeadsWebhookConcurrency, LEASE_WAVES times that). */
static int endpoint_count(const transfer_t *list, const char *endpoint_id)
{
    int n = 0;

    for (; list; list = list->next) {
        n += strcmp(list->item.endpoint_id, endpoint_id) == 0;
    }
    return n;
}

/* Queued deliveries into the free transfer slots, oldest first, skipping
 * those of an endpoint with LeadsWebhookEndpointConcurrency in flight
 * already: they wait, and the others pass them (fairness, SPEC §7.1).
 * One whose lease could run out before its attempt does (a slow receiver
 * held the slots) is not sent: another host may lease it then; the sweep
 * finds it again. */
static void start_queued(apr_time_t now)
{
    transfer_t *t = dlv->queue, *next;

    while (t && dlv->in_flight < dlv->cfg->wh_concurrency) {
        next = t->next;
        if (now + dlv->cfg->wh_timeout >= t->until) {
            dlv->queued--;
            transfer_free(t);
        }
        else if (endpoint_count(dlv->transfers, t->item.endpoint_id)
                 < dlv->cfg->wh_endpoint_concurrency) {
            dlv->queued--;
            transfer_unlink(t);
            transfer_begin(t, now);
        }
        t = next;
    }
}

/* What an attempt's outcome makes of the delivery (docs/api.md §9.5: any
 * 2xx, leads_webhook_success()). */
static void judge(transfer_t *t, CURLcode rc, apr_pool_t *p,
                  leads_outbox_result_t *res)
{
    const leads_schedule_t *schedule = dlv->cfg->wh_schedule;
    apr_interval_time_t delay;
    long http = 0;

    curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &http);
    memset(res, 0, sizeof(*res));
    res->id = apr_pstrdup(p, t->item.id);
    res->endpoint_id = apr_pstrdup(p, t->item.endpoint_id);
    res->event_id = apr_pstrdup(p, t->item.event_id);
    res->token = apr_pstrdup(p, t->token);
    res->attempt = t->item.attempts + 1;
    res->started = t->started;
    res->duration = apr_time_now() - t->started;
    res->http_status = (int)http;
    res->next_attempt = apr_time_now();
    if (leads_webhook_success(rc == CURLE_OK, http)) {
        res->status = "delivered";
        dlv->delivered++;
        return;
    }
    if (t->refused) {
        res->error = apr_pstrdup(p, t->refused);
    }
    else if (rc != CURLE_OK) {
        res->error = apr_pstrdup(p, *t->errbuf ? t->errbuf
                                    : curl_easy_strerror(rc));
    }
    else {
        res->error = apr_psprintf(p, "HTTP %ld", http);
    }
    if (leads_schedule_delay(schedule, res->attempt, &delay)) {
        res->status = "pending";
        res->next_attempt += delay;
        dlv->retried++;
    }
    else {
        res->status = "failed";
        dlv->failed++;
    }
}

/* A finished attempt joins the slice's results; record_results() writes
 * them. When its endpoint was at LeadsWebhookEndpointConcurrency with none
 * of its deliveries left in the queue, more may be due that the lease held
 * back (ENDPOINT_LEASE_FACTOR): sweep again at once instead of at the
 * next poll, so one endpoint's backlog still drains at full speed; an
 * endpoint below its cap costs no extra lease. */
static void transfer_done(slice_db_t *sd, CURL *easy, CURLcode rc)
{
    transfer_t *t = NULL;
    leads_outbox_result_t *res = apr_array_push(sd->results);

    curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&t);
    if (endpoint_count(dlv->transfers, t->item.endpoint_id)
        >= dlv->cfg->wh_endpoint_concurrency
        && endpoint_count(dlv->queue, t->item.endpoint_id) == 0) {
        dlv->next_sweep = apr_time_now();
    }
    judge(t, rc, sd->pool, res);
    if (res->error && strcmp(res->status, "failed") == 0) {
        /* the schedule is spent: nothing will send it again unless an
         * operator does (`leadsctl webhook retry` or `replay`) */
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, dlv->s, LEADSLOGNO(00120)
                     "webhook delivery %s failed for good after %d "
                     "attempt(s): endpoint %s, event %s, last error: %s",
                     res->id, res->attempt, res->endpoint_id, res->event_id,
                     res->error);
    }
    else if (res->error) {
        ap_log_error(APLOG_MARK, APLOG_INFO, 0, dlv->s, LEADSLOGNO(00063)
                     "webhook delivery %s attempt %d: %s (%s)", res->id,
                     res->attempt, res->error, res->status);
    }
    dlv->in_flight--;
    transfer_free(t);
}

static leads_db_t *slice_db(slice_db_t *sd)
{
    if (!sd->db && !sd->failed) {
        if (leads_db_open(sd->pool, dlv->s, &sd->db) != APR_SUCCESS) {
            sd->db = NULL;
            sd->failed = 1;
        }
        else {
            dlv->record_apart = leads_db_dialect(sd->db)->finish_apart;
        }
    }
    return sd->db;
}

/* Outcomes go to the recorder's thread: it runs, and the dialect lets
 * its finish run beside this thread's lease. */
static int recording_apart(void)
{
    return dlv->recorder && dlv->record_apart;
}

static void slice_db_release(slice_db_t *sd)
{
    if (sd->db) {
        leads_db_close(sd->db);
        sd->db = NULL;
    }
}

static void collect_finished(slice_db_t *sd)
{
    CURLMsg *msg;
    int left;

    while ((msg = curl_multi_info_read(dlv->multi, &left)) != NULL) {
        if (msg->msg == CURLMSG_DONE) {
            transfer_done(sd, msg->easy_handle, msg->data.result);
        }
    }
}

/* Finished attempts to the recorder's thread; without one, one
 * transaction here for all of them. Unrecorded ones are sent again when
 * their leases expire. */
static void record_results(slice_db_t *sd)
{
    if (sd->results->nelts == 0) {
        return;
    }
    if (recording_apart()) {
        leads_recorder_add(dlv->recorder, sd->results);
        apr_array_clear(sd->results);
        return;
    }
    leads_recorder_write(dlv->s, slice_db(sd), sd->results);
    apr_array_clear(sd->results);
}

/* A queued delivery of an endpoint with this many queued already is left
 * to its lease and the sweep: one endpoint's fresh deliveries (a receiver
 * that never answers) never fill the queue for the others. */
static int endpoint_queue_cap(void)
{
    int cap = LEASE_WAVES * dlv->cfg->wh_concurrency / 2;
    int floor = ENDPOINT_LEASE_FACTOR * dlv->cfg->wh_endpoint_concurrency;

    return cap > floor ? cap : floor;
}

/* The events the creates handed over through the ring (their rows leased
 * to this generation's deliverer already): loaded by one read and queued,
 * up to `room`. The lease each create took ends LEADS_OUTBOX_LEASE after
 * the event's time, which its UUIDv7 id carries. Events not loaded for
 * want of a database wait here for the next try (as many as the ring
 * holds); deliveries beyond their endpoint's share of the queue go back
 * to the sweep, which is fair between endpoints. */
static void take_fresh(slice_db_t *sd, int room)
{
    const char *owner = leads_shm_fresh_owner();
    apr_array_header_t *items, *over;
    char id[LEADS_RING_ID_SIZE];
    apr_pool_t *bp;
    leads_db_t *db;
    int i, cap, keep = dlv->cfg->wh_queue_size;

    if (!owner) {
        return;
    }
    while (dlv->events->nelts < room && dlv->events->nelts < keep
           && leads_shm_ring_pop(id) == APR_SUCCESS) {
        if (dlv->events->nelts == 0) {
            dlv->events_since = apr_time_now();
        }
        APR_ARRAY_PUSH(dlv->events, const char *) =
            apr_pstrdup(dlv->events_pool, id);
    }
    /* one read for many events: at once when idle (latency), else once a
     * wave's worth is waiting or the first has waited FRESH_GATHER */
    if (dlv->events->nelts == 0
        || (dlv->in_flight > 0
            && dlv->events->nelts < dlv->cfg->wh_concurrency
            && dlv->events->nelts < room
            && apr_time_now() - dlv->events_since < FRESH_GATHER)
        || !(db = slice_db(sd))) {
        return;
    }
    apr_pool_create(&bp, dlv->pool);
    if (leads_outbox_fresh(db, bp, dlv->events, owner, &items)
        != APR_SUCCESS) {
        apr_pool_destroy(bp);
        return;                         /* the next slice tries again */
    }
    apr_array_clear(dlv->events);
    apr_pool_clear(dlv->events_pool);
    cap = endpoint_queue_cap();
    over = apr_array_make(bp, 4, sizeof(const char *));
    for (i = 0; i < items->nelts; i++) {
        leads_outbox_item_t *it = &APR_ARRAY_IDX(items, i,
                                                 leads_outbox_item_t);
        apr_time_t created;

        if (!it->id || !it->event_id || !it->endpoint_id) {
            continue;                   /* the lease runs out: the sweep */
        }
        if (!leads_uuid_v7_time(it->event_id, &created)
            || endpoint_count(dlv->queue, it->endpoint_id) >= cap) {
            APR_ARRAY_PUSH(over, const char *) = it->id;
            continue;
        }
        queue_add(it, owner,
                  created + LEADS_OUTBOX_LEASE(dlv->cfg->wh_timeout));
    }
    if (over->nelts > 0
        && leads_outbox_unlease(db, bp, over, owner) == APR_SUCCESS) {
        dlv->next_sweep = apr_time_now();
        dlv->handed_back = 1;
    }
    apr_pool_destroy(bp);
}

/* New work from the outbox: due rows, and rows whose lease expired (a
 * crashed or restarted deliverer). A batch is leased once half the slots
 * at least are free (all when idle) and no queued delivery could take
 * one (those left wait for their endpoint): the database cost is per
 * batch, not per delivery. The queue holds up to LEASE_WAVES times
 * LeadsWebhookConcurrency, and no endpoint gets more than
 * ENDPOINT_LEASE_FACTOR times LeadsWebhookEndpointConcurrency leased at
 * once, so one endpoint's backlog never fills a batch. The lease covers a
 * wait in the queue of up to LeadsWebhookTimeout + LEASE_SLACK, then the
 * attempt itself. */
static void start_more(slice_db_t *sd, apr_time_t now)
{
    int max = dlv->cfg->wh_concurrency;
    apr_time_t until = now + 2 * dlv->cfg->wh_timeout + LEASE_SLACK;
    apr_array_header_t *items;
    apr_pool_t *bp;
    const char *token;
    leads_db_t *db;
    int free_slots, batch, i;
    int unrecorded = dlv->recorder ? leads_recorder_pending(dlv->recorder)
                                   : 0;

    /* the recorder behind by many batches (a slow database): what was
     * sent is not recorded yet, so send no more until it catches up */
    if (unrecorded > RECORD_BACKLOG * LEASE_WAVES * max) {
        start_queued(now);
        return;
    }
    take_fresh(sd, LEASE_WAVES * max - dlv->in_flight - dlv->queued);
    start_queued(now);
    free_slots = max - dlv->in_flight;
    batch = LEASE_WAVES * max - dlv->in_flight - dlv->queued;
    if (now < dlv->next_sweep || free_slots <= 0 || batch <= 0
        || (dlv->in_flight > 0 && free_slots * 2 < max)
        || !(db = slice_db(sd))) {
        return;
    }
    record_results(sd);
    dlv->next_sweep = now + dlv->cfg->wh_poll;
    apr_pool_create(&bp, dlv->pool);
    token = apr_psprintf(bp, "%s:%u", dlv->owner, ++dlv->batches);
    /* sent deliveries the recorder has not written yet still hold their
     * leases, and the lease counts them against their endpoint's cap:
     * they are done, so the cap makes room for them (else a backlog
     * behind a busy recorder drained a few rows a poll interval) */
    if (leads_outbox_lease(db, bp, token, now, until, batch,
                           ENDPOINT_LEASE_FACTOR
                           * dlv->cfg->wh_endpoint_concurrency + unrecorded,
                           &items)
        == APR_SUCCESS) {
        for (i = 0; i < items->nelts; i++) {
            queue_add(&APR_ARRAY_IDX(items, i, leads_outbox_item_t), token,
                      until);
        }
        /* a full batch: lease again at once. Rows found, or rows just
         * handed back by take_fresh(): an endpoint's backlog the lease
         * gives out its cap at a time, so lease again once those are
         * done, not a poll interval later. Nothing found: the cap holds
         * (a receiver that hangs) or nothing is due, and the poll
         * interval stands, so a stuck backlog is not scanned 20 times
         * a second. */
        if (items->nelts == batch) {
            dlv->next_sweep = now;
        }
        else if (items->nelts > 0 || dlv->handed_back) {
            dlv->next_sweep = now + (dlv->cfg->wh_poll < BACKLOG_SWEEP
                                     ? dlv->cfg->wh_poll : BACKLOG_SWEEP);
        }
        dlv->handed_back = 0;
    }
    apr_pool_destroy(bp);
    start_queued(apr_time_now());
}

static int child_stopping(void)
{
    int state;

    return ap_mpm_query(AP_MPMQ_MPM_STATE, &state) != APR_SUCCESS
           || state == AP_MPMQ_STOPPING;
}

/* One slice: send what is due, and when idle keep an eye on the ring, so
 * a new lead's webhook leaves within milliseconds, not at the next call. */
static void deliverer_slice(apr_pool_t *pool)
{
    apr_time_t deadline = apr_time_now() + DELIVER_SLICE;
    slice_db_t sd = { pool, NULL, 0, NULL };
    int running;

    sd.results = apr_array_make(pool, 32, sizeof(leads_outbox_result_t));
    do {
        start_more(&sd, apr_time_now());
        if (dlv->in_flight == 0 && queued() == 0) {
            record_results(&sd);
            slice_db_release(&sd);
            apr_sleep(IDLE_STEP);
            continue;
        }
        if (recording_apart()) {
            slice_db_release(&sd);
        }
        curl_multi_perform(dlv->multi, &running);
        collect_finished(&sd);
        if (recording_apart()) {
            record_results(&sd);
        }
        if (dlv->in_flight > 0) {
            curl_multi_poll(dlv->multi, NULL, 0, POLL_STEP_MS, NULL);
        }
    } while (apr_time_now() < deadline && !child_stopping());
    record_results(&sd);
    slice_db_release(&sd);
    leads_shm_stats_add(dlv->delivered, dlv->retried, dlv->failed,
                        dlv->in_flight, queued());
    leads_metrics_webhooks(dlv->delivered, dlv->retried, dlv->failed);
    dlv->delivered = dlv->retried = dlv->failed = 0;
}

static void deliverer_start(server_rec *s)
{
    apr_pool_t *pool;

#ifdef __linux__
    /* `top -H` and /proc/PID/task/TID/comm tell this thread from the
     * workers (the bench reads its CPU time that way). */
    pthread_setname_np(pthread_self(), "leads-watchdog");
#endif
    /* unmanaged: no pool destroyed by another thread takes it along */
    apr_pool_create_unmanaged_ex(&pool, NULL, NULL);
    apr_pool_tag(pool, "leads_deliverer");
    deliverer_thread = apr_os_thread_current();
    dlv = apr_pcalloc(pool, sizeof(*dlv));
    dlv->pool = pool;
    dlv->s = s;
    dlv->cfg = ap_get_module_config(s->module_config, &leads_module);
    dlv->multi = curl_multi_init();
    dlv->idle = apr_pcalloc(pool, sizeof(CURL *)
                                  * (apr_size_t)dlv->cfg->wh_concurrency);
    apr_pool_create(&dlv->events_pool, pool);
    dlv->events = apr_array_make(pool, 64, sizeof(const char *));
    curl_multi_setopt(dlv->multi, CURLMOPT_MAX_HOST_CONNECTIONS,
                      (long)dlv->cfg->wh_concurrency);
    dlv->owner = leads_outbox_owner(pool);
    leads_recorder_start(s, &dlv->recorder);
    ap_log_error(APLOG_MARK, APLOG_INFO, 0, s, LEADSLOGNO(00064)
                 "webhook deliverer started in pid %" APR_PID_T_FMT,
                 getpid());
}

/* Told to stop (graceful restart, idle reaping, MaxConnectionsPerChild):
 * in-flight transfers are abandoned and every lease this deliverer holds
 * is given up, so the deliverer elected next sends them at once instead
 * of after the leases run out (at-least-once: one may arrive twice).
 * The recorder's thread is joined: it must not write through mod_dbd's
 * pool while the child destroys it. */
static void deliverer_stop(void)
{
    apr_pool_t *p;
    leads_db_t *db;

    while (dlv->transfers) {
        transfer_free(dlv->transfers);
    }
    while (dlv->queue) {
        transfer_free(dlv->queue);
    }
    dlv->queued = 0;
    while (dlv->idle_n) {
        curl_easy_cleanup(dlv->idle[--dlv->idle_n]);
    }
    curl_multi_cleanup(dlv->multi);
    if (dlv->recorder) {
        leads_recorder_stop(dlv->recorder);
        dlv->recorder = NULL;
    }
    apr_pool_create(&p, dlv->pool);
    if (leads_db_open(p, dlv->s, &db) == APR_SUCCESS) {
        const char *fresh = leads_shm_fresh_owner();

        if (leads_outbox_release(db, apr_pstrcat(p, dlv->owner, ":", NULL))
            != APR_SUCCESS
            || (fresh && leads_outbox_release(db, fresh) != APR_SUCCESS)) {
            ap_log_error(APLOG_MARK, APLOG_WARNING, 0, dlv->s,
                         LEADSLOGNO(00065) "stopping: leased webhook "
                         "deliveries not released; they are sent when "
                         "their leases run out");
        }
        leads_db_close(db);
    }
    leads_shm_stats_add(0, 0, 0, 0, 0);
    apr_pool_destroy(dlv->pool);
    dlv = NULL;
}

apr_status_t leads_deliver_watchdog(int state, void *data, apr_pool_t *pool)
{
    switch (state) {
    case AP_WATCHDOG_STATE_STARTING:
        deliverer_start(data);
        break;
    case AP_WATCHDOG_STATE_RUNNING:
        if (dlv) {
            deliverer_slice(pool);
        }
        break;
    case AP_WATCHDOG_STATE_STOPPING:
        /* not mod_watchdog's own call on the exiting thread */
        if (dlv && apr_os_thread_equal(deliverer_thread,
                                       apr_os_thread_current())) {
            deliverer_stop();
        }
        break;
    }
    /* Anything but success would stop the callback for good. */
    return APR_SUCCESS;
}

/* The child can exit before its watchdog thread sees the MPM stopping
 * and gets STOPPING (a graceful restart whose connections all close at
 * once): then the deliverer, its recorder's thread still running, is
 * stopped here, on the exiting thread. Only called while no callback
 * runs or will run again, so nothing else touches the state. */
void leads_deliver_child_exit(void)
{
    if (dlv) {
        deliverer_stop();
    }
}
