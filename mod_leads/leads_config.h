/* Directives of docs/directives.md: the per-server configuration (virtual hosts
 * inherit what they do not set). */
#ifndef LEADS_CONFIG_H
#define LEADS_CONFIG_H

#include "httpd.h"
#include "http_config.h"

#include "leads_captcha.h"
#include "leads_schedule.h"

#define LEADS_DEFAULT_MAX_BODY      65536
#define LEADS_DEFAULT_CACHE_TTL     5
#define LEADS_DEFAULT_RATE_LIMIT    120
#define LEADS_DEFAULT_RATE_WINDOW   60
#define LEADS_DEFAULT_IDEM_TTL      86400
#define LEADS_DEFAULT_WH_QUEUE      4096
#define LEADS_DEFAULT_WH_TIMEOUT    10
#define LEADS_DEFAULT_WH_CONCURRENCY 16
#define LEADS_DEFAULT_WH_POLL       5
#define LEADS_DEFAULT_WH_ENDPOINT_CONCURRENCY 4
#define LEADS_DEFAULT_WH_DISABLE_AFTER (24 * 3600)      /* seconds */
#define LEADS_DEFAULT_WH_RETENTION (30 * 86400)         /* seconds */
#define LEADS_DEFAULT_AUTH_FAILURES 60
#define LEADS_DEFAULT_DB_WAIT       3
#define LEADS_DEFAULT_FORM_RATE     10

typedef struct {
    apr_off_t max_body;
    int max_body_set;
    apr_interval_time_t cache_ttl;
    int cache_ttl_set;
    int rate_limit;                     /* 0 = off */
    apr_interval_time_t rate_window;
    int rate_set;
    const char *phone_region;           /* NULL = none */
    int phone_region_set;
    int require_tls;
    int require_tls_set;
    apr_interval_time_t idem_ttl;
    int idem_ttl_set;
    int auth_fail_limit;                /* unknown keys per address; 0 = off */
    apr_interval_time_t auth_fail_window;
    int auth_fail_set;
    apr_interval_time_t db_wait;        /* for a pooled connection */
    int db_wait_set;
    int form_rate_limit;                /* form posts per address; 0 = off */
    apr_interval_time_t form_rate_window;
    int form_rate_set;
    /* LeadsCaptchaVerifyURL per provider; NULL: the provider's own */
    const char *captcha_url[LEADS_CAPTCHA_COUNT];
    /* Webhook delivery: one deliverer per host, so main server only. */
    int wh_queue_size;
    apr_interval_time_t wh_timeout;
    const leads_schedule_t *wh_schedule;
    int wh_concurrency;
    apr_interval_time_t wh_poll;
    int wh_allow_private;
    const char *wh_proxy;               /* NULL: never a proxy */
    int wh_endpoint_concurrency;        /* in flight per endpoint */
    apr_interval_time_t wh_disable_after;   /* failing that long: disabled */
    apr_interval_time_t wh_retention;   /* finished deliveries kept */
} leads_srv_cfg_t;

extern const command_rec leads_cmds[];

void *leads_create_srv_cfg(apr_pool_t *p, server_rec *s);
void *leads_merge_srv_cfg(apr_pool_t *p, void *base, void *add);

#endif
