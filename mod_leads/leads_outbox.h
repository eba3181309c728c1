/* The webhook outbox as the deliverer sees it: find due rows, lease one,
 * load what to send, record the attempt and its outcome. */
#ifndef LEADS_OUTBOX_H
#define LEADS_OUTBOX_H

#include "apr_tables.h"

#include "leads_db.h"

/* Ids of pending deliveries that are due and not leased (at most 100). */
apr_status_t leads_outbox_due(leads_db_t *db, apr_time_t now,
                              apr_array_header_t **ids);

/* Lease a due delivery to `owner` until `until`: APR_SUCCESS when this
 * host has it, LEADS_DB_NOT_FOUND when it is not due, delivered, or
 * leased by another host. */
apr_status_t leads_outbox_lease(leads_db_t *db, const char *id,
                                const char *owner, apr_time_t now,
                                apr_time_t until);

/* What one attempt sends. */
typedef struct {
    const char *event_id;
    const char *body;
    int attempts;                       /* made so far */
    const char *url;
    const char *secret;
} leads_outbox_item_t;

apr_status_t leads_outbox_load(leads_db_t *db, apr_pool_t *p, const char *id,
                               leads_outbox_item_t *out);

/* The outcome of one attempt. */
typedef struct {
    int attempt;                        /* 1 for the first */
    apr_time_t started;
    apr_interval_time_t duration;
    int http_status;                    /* 0 when none was received */
    const char *error;                  /* NULL on success */
    const char *status;                 /* delivered | pending | failed */
    apr_time_t next_attempt;            /* when status is pending */
} leads_outbox_result_t;

/* Record the attempt and move the delivery on, releasing our lease. */
apr_status_t leads_outbox_finish(leads_db_t *db, const char *id,
                                 const char *owner,
                                 const leads_outbox_result_t *res);

#endif
