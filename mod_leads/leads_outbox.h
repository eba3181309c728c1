/* The webhook outbox as the deliverer sees it: lease a batch of due rows,
 * load what to send, record a batch of attempts and their outcomes. Each
 * is a fixed number of statements whatever the batch size, so delivery
 * keeps pace with creates without taking the database from them. */
#ifndef LEADS_OUTBOX_H
#define LEADS_OUTBOX_H

#include "apr_tables.h"

#include "leads_db.h"

/* What one attempt sends. */
typedef struct {
    const char *id;                     /* the delivery */
    const char *event_id;
    const char *body;
    int attempts;                       /* made so far */
    const char *url;
    const char *secret;
} leads_outbox_item_t;

/* Lease up to `max` due deliveries (pending, due, unleased or with an
 * expired lease) under `token` until `until`, and load them: `items` is
 * an array of leads_outbox_item_t in `p`, empty when nothing is due.
 * `token` must be new for every call: it names this batch's rows. */
apr_status_t leads_outbox_lease(leads_db_t *db, apr_pool_t *p,
                                const char *token, apr_time_t now,
                                apr_time_t until, int max,
                                apr_array_header_t **items);

/* The outcome of one attempt. */
typedef struct {
    const char *id;                     /* the delivery */
    const char *token;                  /* its lease */
    int attempt;                        /* 1 for the first */
    apr_time_t started;
    apr_interval_time_t duration;
    int http_status;                    /* 0 when none was received */
    const char *error;                  /* NULL on success */
    const char *status;                 /* delivered | pending | failed */
    apr_time_t next_attempt;            /* when status is pending */
} leads_outbox_result_t;

/* Record the attempts (leads_outbox_result_t) and move their deliveries
 * on, releasing the leases, in one transaction. A delivery whose lease
 * was lost meanwhile keeps its attempt row but is not moved on. */
/* Give up every lease of this deliverer (tokens "owner:N") on deliveries
 * still pending: queued, or in flight and abandoned. */
apr_status_t leads_outbox_release(leads_db_t *db, const char *owner);

/* What the metrics show of the outbox: pending deliveries, the age of the
 * oldest, disabled endpoints. */
apr_status_t leads_outbox_stats(leads_db_t *db, apr_uint64_t *pending,
                                double *oldest_seconds,
                                apr_uint64_t *endpoints_disabled);

apr_status_t leads_outbox_finish(leads_db_t *db,
                                 const apr_array_header_t *results);

#endif
