/* The webhook outbox as the deliverer sees it: lease a batch of due rows,
 * load what to send, record a batch of attempts and their outcomes. Each
 * is a fixed number of statements whatever the batch size, so delivery
 * keeps pace with creates without taking the database from them. */
#ifndef LEADS_OUTBOX_H
#define LEADS_OUTBOX_H

#include "apr_tables.h"

#include "leads_db.h"

/* How long a lease lasts: a wait in the deliverer's queue of up to one
 * timeout and some slack, then the attempt itself. */
#define LEADS_OUTBOX_LEASE(timeout) (2 * (timeout) + apr_time_from_sec(15))

/* A new lease owner, "host:pid:nonce" (at most 73 characters, so a
 * batch suffix still fits lease_owner's 100), in `p`. */
const char *leads_outbox_owner(apr_pool_t *p);

/* What one attempt sends. */
typedef struct {
    const char *id;                     /* the delivery */
    const char *event_id;
    const char *body;
    int attempts;                       /* made so far */
    const char *url;
    const char *secret;
    const char *endpoint_id;
    const char *previous_secret;        /* while a rotation's grace lasts */
} leads_outbox_item_t;

/* Lease up to `max` due deliveries (pending, due, unleased or with an
 * expired lease, of an enabled endpoint; no endpoint with more than `cap`
 * leased at once) under `token` until `until`, and load them: `items` is
 * an array of leads_outbox_item_t in `p`, empty when nothing is due.
 * `token` must be new for every call: it names this batch's rows. */
apr_status_t leads_outbox_lease(leads_db_t *db, apr_pool_t *p,
                                const char *token, apr_time_t now,
                                apr_time_t until, int max, int cap,
                                apr_array_header_t **items);

/* The outcome of one attempt. */
typedef struct {
    const char *id;                     /* the delivery */
    const char *endpoint_id;
    const char *event_id;               /* for the log */
    const char *token;                  /* its lease */
    int attempt;                        /* 1 for the first */
    apr_time_t started;
    apr_interval_time_t duration;
    int http_status;                    /* 0 when none was received */
    const char *error;                  /* NULL on success */
    const char *status;                 /* delivered | pending | failed */
    apr_time_t next_attempt;            /* when status is pending */
} leads_outbox_result_t;

/* Load the fresh deliveries of `events` (event ids, const char *) that
 * the creates leased to `owner` (leads_shm_fresh_owner()): one read, no
 * lease to take. `items` as leads_outbox_lease() gives them. */
apr_status_t leads_outbox_fresh(leads_db_t *db, apr_pool_t *p,
                                const apr_array_header_t *events,
                                const char *owner,
                                apr_array_header_t **items);

/* Give up `owner`'s leases of `ids` (delivery ids, const char *), so the
 * sweep takes them at its next pass. */
apr_status_t leads_outbox_unlease(leads_db_t *db, apr_pool_t *p,
                                  const apr_array_header_t *ids,
                                  const char *owner);

/* Give up every lease whose owner starts with `prefix` on deliveries
 * still pending: queued, or in flight and abandoned. */
apr_status_t leads_outbox_release(leads_db_t *db, const char *prefix);

/* What the metrics and mod_status show of the outbox. */
typedef struct {
    apr_uint64_t pending;               /* deliveries */
    double oldest_seconds;              /* age of the oldest pending one */
    apr_uint64_t endpoints_disabled;
    apr_uint64_t held;                  /* pending, of disabled endpoints */
} leads_outbox_stats_t;

apr_status_t leads_outbox_stats(leads_db_t *db, leads_outbox_stats_t *st);

/* After leads_outbox_finish(): endpoints with a failed attempt in
 * `results` are marked failing since then (unless they are already). */
apr_status_t leads_outbox_mark_failing(leads_db_t *db,
                                       const apr_array_header_t *results);

/* An endpoint disabled for failing. */
typedef struct {
    const char *id;
    const char *failing_since;          /* as the database shows it */
} leads_endpoint_off_t;

/* Endpoints delivered to since they began failing are failing no more;
 * those failing since before `cutoff` are disabled: *disabled lists them
 * (leads_endpoint_off_t, in `p`). */
apr_status_t leads_outbox_disable_failing(leads_db_t *db, apr_pool_t *p,
                                          apr_time_t cutoff,
                                          apr_array_header_t **disabled);

/* Delete up to one batch of delivered and failed deliveries last changed
 * before `cutoff`, with their attempts; *deleted gets how many. */
apr_status_t leads_outbox_expire(leads_db_t *db, apr_time_t cutoff,
                                 int *deleted);

/* Record the outcomes (leads_outbox_result_t) and move their deliveries
 * on, releasing the leases, in one transaction: a success on its delivery
 * row, a failed attempt in an attempt row as well. A delivery whose lease
 * was lost meanwhile is not moved on. */
apr_status_t leads_outbox_finish(leads_db_t *db,
                                 const apr_array_header_t *results);

#endif
