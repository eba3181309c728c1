/* Counters of what mod_leads did, for `SetHandler leads-metrics`: one
 * shared-memory segment for all children, made once by the parent so it
 * outlives graceful restarts. Every update is one atomic add: a create
 * never takes a lock to count itself. */
#ifndef LEADS_METRICS_H
#define LEADS_METRICS_H

#include "httpd.h"

#include "leads_respond.h"

typedef enum {
    LEADS_METRIC_MODE_NONE,             /* no key of a known kind yet */
    LEADS_METRIC_MODE_API,
    LEADS_METRIC_MODE_INGEST,
    LEADS_METRIC_MODE_FORM,
    LEADS_METRIC_MODES
} leads_metric_mode_e;

/* Why a form submission was refused as spam (leads_spam_total's reason). */
typedef enum {
    LEADS_SPAM_HONEYPOT,                /* the honeypot field filled in */
    LEADS_SPAM_CAPTCHA                  /* no captcha token, or one refused */
} leads_spam_e;

/* What one answered request adds. */
typedef struct {
    leads_metric_mode_e mode;
    int status;                         /* HTTP status sent */
    int failed;                         /* an error envelope ... */
    leads_err_e error;                  /* ... with this code */
    int created, replayed, duplicate;
    apr_interval_time_t duration;
} leads_metric_request_t;

/* post_config: the segment (once per parent; kept across restarts). */
int leads_metrics_post_config(apr_pool_t *pconf, server_rec *s);

void leads_metrics_request(const leads_metric_request_t *m);
void leads_metrics_webhooks(int delivered, int retried, int failed);
/* A form submission refused as spam (not a verifier that could not be
 * asked: that is a 503, counted with the requests). */
void leads_metrics_spam(leads_spam_e reason);

/* From the maintenance thread (database figures, at most every 10 s). */
void leads_metrics_set_outbox(apr_uint64_t pending, double oldest_seconds,
                              apr_uint64_t endpoints_disabled,
                              apr_uint64_t held);
/* The last figures of disabled endpoints and the deliveries they hold;
 * 0 when none were read yet. */
int leads_metrics_outbox_held(apr_uint64_t *endpoints_disabled,
                              apr_uint64_t *held);
/* When the outbox figures were last read (0: never). */
apr_time_t leads_metrics_outbox_read_at(void);

/* The handler for `SetHandler leads-metrics`. */
int leads_metrics_handler(request_rec *r);

#endif
