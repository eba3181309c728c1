/* Directive handlers: every value is checked here so that
 * `apachectl configtest` reports a mistake before a request meets it. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "httpd.h"
#include "apr_strings.h"
#include "apr_lib.h"

#include "leads_config.h"
#include "leads_phone.h"
#include "leads_time.h"
#include "mod_leads.h"

void *leads_create_srv_cfg(apr_pool_t *p, server_rec *s)
{
    leads_srv_cfg_t *cfg = apr_pcalloc(p, sizeof(*cfg));
    leads_schedule_t *schedule;

    (void)s;
    cfg->max_body = LEADS_DEFAULT_MAX_BODY;
    cfg->cache_ttl = apr_time_from_sec(LEADS_DEFAULT_CACHE_TTL);
    cfg->rate_limit = LEADS_DEFAULT_RATE_LIMIT;
    cfg->rate_window = apr_time_from_sec(LEADS_DEFAULT_RATE_WINDOW);
    cfg->idem_ttl = apr_time_from_sec(LEADS_DEFAULT_IDEM_TTL);
    cfg->auth_fail_limit = LEADS_DEFAULT_AUTH_FAILURES;
    cfg->auth_fail_window = apr_time_from_sec(LEADS_DEFAULT_RATE_WINDOW);
    cfg->db_wait = apr_time_from_sec(LEADS_DEFAULT_DB_WAIT);
    cfg->form_rate_limit = LEADS_DEFAULT_FORM_RATE;
    cfg->form_rate_window = apr_time_from_sec(LEADS_DEFAULT_RATE_WINDOW);
    cfg->wh_queue_size = LEADS_DEFAULT_WH_QUEUE;
    cfg->wh_timeout = apr_time_from_sec(LEADS_DEFAULT_WH_TIMEOUT);
    leads_schedule_parse(p, LEADS_SCHEDULE_DEFAULT, &schedule);
    cfg->wh_schedule = schedule;
    cfg->wh_concurrency = LEADS_DEFAULT_WH_CONCURRENCY;
    cfg->wh_poll = apr_time_from_sec(LEADS_DEFAULT_WH_POLL);
    cfg->wh_endpoint_concurrency = LEADS_DEFAULT_WH_ENDPOINT_CONCURRENCY;
    cfg->wh_disable_after = apr_time_from_sec(LEADS_DEFAULT_WH_DISABLE_AFTER);
    cfg->wh_retention = apr_time_from_sec(LEADS_DEFAULT_WH_RETENTION);
    return cfg;
}

/* A virtual host inherits each directive the main server set and it did not. */
void *leads_merge_srv_cfg(apr_pool_t *p, void *basev, void *addv)
{
    leads_srv_cfg_t *base = basev, *add = addv;
    leads_srv_cfg_t *cfg = apr_pmemdup(p, add, sizeof(*cfg));

    if (!add->max_body_set) {
        cfg->max_body = base->max_body;
        cfg->max_body_set = base->max_body_set;
    }
    if (!add->cache_ttl_set) {
        cfg->cache_ttl = base->cache_ttl;
        cfg->cache_ttl_set = base->cache_ttl_set;
    }
    if (!add->rate_set) {
        cfg->rate_limit = base->rate_limit;
        cfg->rate_window = base->rate_window;
        cfg->rate_set = base->rate_set;
    }
    if (!add->phone_region_set) {
        cfg->phone_region = base->phone_region;
        cfg->phone_region_set = base->phone_region_set;
    }
    if (!add->require_tls_set) {
        cfg->require_tls = base->require_tls;
        cfg->require_tls_set = base->require_tls_set;
    }
    if (!add->idem_ttl_set) {
        cfg->idem_ttl = base->idem_ttl;
        cfg->idem_ttl_set = base->idem_ttl_set;
    }
    if (!add->auth_fail_set) {
        cfg->auth_fail_limit = base->auth_fail_limit;
        cfg->auth_fail_window = base->auth_fail_window;
        cfg->auth_fail_set = base->auth_fail_set;
    }
    if (!add->form_rate_set) {
        cfg->form_rate_limit = base->form_rate_limit;
        cfg->form_rate_window = base->form_rate_window;
        cfg->form_rate_set = base->form_rate_set;
    }
    {
        int i;

        for (i = 0; i < LEADS_CAPTCHA_COUNT; i++) {
            if (!add->captcha_url[i]) {
                cfg->captcha_url[i] = base->captcha_url[i];
            }
        }
    }
    if (!add->db_wait_set) {
        cfg->db_wait = base->db_wait;
        cfg->db_wait_set = base->db_wait_set;
    }
    cfg->wh_queue_size = base->wh_queue_size;
    cfg->wh_timeout = base->wh_timeout;
    cfg->wh_schedule = base->wh_schedule;
    cfg->wh_concurrency = base->wh_concurrency;
    cfg->wh_poll = base->wh_poll;
    cfg->wh_allow_private = base->wh_allow_private;
    cfg->wh_proxy = base->wh_proxy;
    cfg->wh_endpoint_concurrency = base->wh_endpoint_concurrency;
    cfg->wh_disable_after = base->wh_disable_after;
    cfg->wh_retention = base->wh_retention;
    return cfg;
}

static leads_srv_cfg_t *srv_cfg(cmd_parms *cmd)
{
    return ap_get_module_config(cmd->server->module_config, &leads_module);
}

/* A whole non-negative decimal number no larger than `max`. */
static const char *parse_count(const char *arg, apr_int64_t max,
                               apr_int64_t *out)
{
    char *end;
    apr_int64_t v;

    if (!apr_isdigit(*arg)) {
        return "must be a whole number";
    }
    errno = 0;
    v = apr_strtoi64(arg, &end, 10);
    if (errno || *end || v > max) {
        return "must be a whole number in range";
    }
    *out = v;
    return NULL;
}

/* One deliverer serves the whole host: its settings are the main server's. */
static const char *main_server_only(cmd_parms *cmd)
{
    if (cmd->server->is_virtual) {
        return apr_psprintf(cmd->pool, "%s belongs in the main server "
                            "configuration, not in a <VirtualHost>: one "
                            "deliverer serves the whole host",
                            cmd->cmd->name);
    }
    return NULL;
}

/* A directive taking one whole number: where it is kept, what it may be.
 * (Not const: AP_INIT_* carries it as cmd->info, a plain void *.) */
typedef enum { SLOT_BYTES, SLOT_SECONDS, SLOT_COUNT } slot_kind_e;

typedef struct {
    slot_kind_e kind;
    apr_size_t offset;                  /* of the value in leads_srv_cfg_t */
    int set_flag;                       /* has a "was it set" flag ... */
    apr_size_t set_offset;              /* ... here */
    apr_int64_t min, max;
    const char *what;                   /* "a number of seconds" */
    int main_only;
} number_slot_t;

#define CFG_OFFSET(field) APR_OFFSETOF(leads_srv_cfg_t, field)

static number_slot_t slot_max_body = {
    SLOT_BYTES, CFG_OFFSET(max_body), 1, CFG_OFFSET(max_body_set),
    1, APR_INT64_C(1) << 30, "a size in bytes", 0 };
static number_slot_t slot_cache_ttl = {
    SLOT_SECONDS, CFG_OFFSET(cache_ttl), 1, CFG_OFFSET(cache_ttl_set),
    0, 86400, "a number of seconds", 0 };
static number_slot_t slot_idem_ttl = {
    SLOT_SECONDS, CFG_OFFSET(idem_ttl), 1, CFG_OFFSET(idem_ttl_set),
    1, 366 * 86400, "a number of seconds", 0 };
static number_slot_t slot_db_wait = {
    SLOT_SECONDS, CFG_OFFSET(db_wait), 1, CFG_OFFSET(db_wait_set),
    1, 300, "a number of seconds", 0 };
static number_slot_t slot_wh_queue = {
    SLOT_COUNT, CFG_OFFSET(wh_queue_size), 0, 0,
    1, 1048576, "a number of slots", 1 };
static number_slot_t slot_wh_timeout = {
    SLOT_SECONDS, CFG_OFFSET(wh_timeout), 0, 0,
    1, 3600, "a number of seconds", 1 };
static number_slot_t slot_wh_concurrency = {
    SLOT_COUNT, CFG_OFFSET(wh_concurrency), 0, 0,
    1, 1024, "a number of deliveries", 1 };
static number_slot_t slot_wh_poll = {
    SLOT_SECONDS, CFG_OFFSET(wh_poll), 0, 0,
    1, 86400, "a number of seconds", 1 };

static number_slot_t slot_wh_endpoint_concurrency = {
    SLOT_COUNT, CFG_OFFSET(wh_endpoint_concurrency), 0, 0,
    1, 1024, "a number of deliveries", 1 };

static const char *set_number(cmd_parms *cmd, void *dc, const char *arg)
{
    const number_slot_t *slot = cmd->info;
    char *cfg = (char *)srv_cfg(cmd);
    const char *err = slot->main_only ? main_server_only(cmd) : NULL;
    apr_int64_t v;

    (void)dc;
    if (err) {
        return err;
    }
    if (parse_count(arg, slot->max, &v) || v < slot->min) {
        return apr_psprintf(cmd->pool, "%s: '%s' is not %s from %"
                            APR_INT64_T_FMT " to %" APR_INT64_T_FMT,
                            cmd->cmd->name, arg, slot->what, slot->min,
                            slot->max);
    }
    switch (slot->kind) {
    case SLOT_BYTES:
        *(apr_off_t *)(cfg + slot->offset) = (apr_off_t)v;
        break;
    case SLOT_SECONDS:
        *(apr_interval_time_t *)(cfg + slot->offset) = apr_time_from_sec(v);
        break;
    case SLOT_COUNT:
        *(int *)(cfg + slot->offset) = (int)v;
        break;
    }
    if (slot->set_flag) {
        *(int *)(cfg + slot->set_offset) = 1;
    }
    return NULL;
}

static const char *set_wh_schedule(cmd_parms *cmd, void *dc, int argc,
                                   char *const argv[])
{
    leads_srv_cfg_t *cfg = srv_cfg(cmd);
    const char *err = main_server_only(cmd);
    leads_schedule_t *schedule;

    (void)dc;
    if (err) {
        return err;
    }
    err = leads_schedule_parse_argv(cmd->pool, argc, argv, &schedule);
    if (err) {
        return err;
    }
    cfg->wh_schedule = schedule;
    return NULL;
}

static const char *set_wh_allow_private(cmd_parms *cmd, void *dc, int flag)
{
    leads_srv_cfg_t *cfg = srv_cfg(cmd);
    const char *err = main_server_only(cmd);

    (void)dc;
    if (err) {
        return err;
    }
    cfg->wh_allow_private = flag;
    return NULL;
}

/* A duration of the deliverer's ("24h", "30d"; leads_duration_parse()),
 * kept at the offset in cmd->info. */
static const char *set_wh_duration(cmd_parms *cmd, void *dc, const char *arg)
{
    char *cfg = (char *)srv_cfg(cmd);
    const char *err = main_server_only(cmd);
    apr_interval_time_t d;

    (void)dc;
    if (err) {
        return err;
    }
    if (!leads_duration_parse(arg, &d) || d < apr_time_from_sec(1)) {
        return apr_psprintf(cmd->pool, "%s: '%s' is not a duration of at "
                            "least 1s: a whole number and s, m, h or d, "
                            "e.g. 24h or 30d", cmd->cmd->name, arg);
    }
    *(apr_interval_time_t *)(cfg + (apr_size_t)cmd->info) = d;
    return NULL;
}

/* A limit of requests in a trailing window: where its three fields are. */
typedef struct {
    apr_size_t limit, window, set;      /* offsets in leads_srv_cfg_t */
} limit_slot_t;

static limit_slot_t slot_rate = {
    CFG_OFFSET(rate_limit), CFG_OFFSET(rate_window), CFG_OFFSET(rate_set) };
static limit_slot_t slot_auth_failures = {
    CFG_OFFSET(auth_fail_limit), CFG_OFFSET(auth_fail_window),
    CFG_OFFSET(auth_fail_set) };
static limit_slot_t slot_form_rate = {
    CFG_OFFSET(form_rate_limit), CFG_OFFSET(form_rate_window),
    CFG_OFFSET(form_rate_set) };

static const char *set_limit(cmd_parms *cmd, void *dc, const char *requests,
                             const char *seconds)
{
    const limit_slot_t *slot = cmd->info;
    char *cfg = (char *)srv_cfg(cmd);
    apr_int64_t n, secs = LEADS_DEFAULT_RATE_WINDOW;

    (void)dc;
    if (parse_count(requests, 1000000000, &n)) {
        return apr_psprintf(cmd->pool, "%s: '%s' is not a number of "
                            "requests (0 turns the limit off)",
                            cmd->cmd->name, requests);
    }
    if (n > 0 && !seconds) {
        return apr_psprintf(cmd->pool, "%s: give the requests and the window "
                            "in seconds, e.g. '%s 120 60'", cmd->cmd->name,
                            cmd->cmd->name);
    }
    if (seconds && (parse_count(seconds, 86400, &secs) || secs < 1)) {
        return apr_psprintf(cmd->pool, "%s: '%s' is not a window of 1 to "
                            "86400 seconds", cmd->cmd->name, seconds);
    }
    *(int *)(cfg + slot->limit) = (int)n;
    *(apr_interval_time_t *)(cfg + slot->window) = apr_time_from_sec(secs);
    *(int *)(cfg + slot->set) = 1;
    return NULL;
}

/* LeadsCaptchaVerifyURL provider URL: where that provider's tokens are
 * verified (a stand-in for tests, a self-hosted verifier). */
static const char *set_captcha_url(cmd_parms *cmd, void *dc,
                                   const char *provider, const char *url)
{
    leads_srv_cfg_t *cfg = srv_cfg(cmd);
    int which = leads_captcha_provider(provider);

    (void)dc;
    if (which < 0) {
        return apr_psprintf(cmd->pool, "LeadsCaptchaVerifyURL: '%s' is not "
                            "a provider (%s)", provider,
                            leads_captcha_names());
    }
    if (strncasecmp(url, "http://", 7) != 0
        && strncasecmp(url, "https://", 8) != 0) {
        return apr_psprintf(cmd->pool, "LeadsCaptchaVerifyURL: '%s' is not "
                            "an http:// or https:// URL", url);
    }
    cfg->captcha_url[which] = url;
    return NULL;
}

/* "none", or an http(s) URL libcurl sends every delivery through. */
static const char *set_wh_proxy(cmd_parms *cmd, void *dc, const char *arg)
{
    leads_srv_cfg_t *cfg = srv_cfg(cmd);
    const char *err = main_server_only(cmd);

    (void)dc;
    if (err) {
        return err;
    }
    if (!strcasecmp(arg, "none")) {
        cfg->wh_proxy = NULL;
        return NULL;
    }
    if (strncasecmp(arg, "http://", 7) && strncasecmp(arg, "https://", 8)) {
        return "LeadsWebhookProxy: give 'none' or an http:// or https:// URL";
    }
    cfg->wh_proxy = apr_pstrdup(cmd->pool, arg);
    return NULL;
}

static const char *set_phone_region(cmd_parms *cmd, void *dc, const char *arg)
{
    leads_srv_cfg_t *cfg = srv_cfg(cmd);
    char *region;

    (void)dc;
    if (!strcasecmp(arg, "none")) {
        cfg->phone_region = NULL;
        cfg->phone_region_set = 1;
        return NULL;
    }
    if (!leads_phone_region_code(arg)) {
        return apr_psprintf(cmd->pool, "LeadsPhoneRegion: '%s' is not an ISO "
                            "3166 region mod_leads knows (e.g. US, GB, DE)",
                            arg);
    }
    region = apr_pstrdup(cmd->pool, arg);
    ap_str_toupper(region);
    cfg->phone_region = region;
    cfg->phone_region_set = 1;
    return NULL;
}

static const char *set_require_tls(cmd_parms *cmd, void *dc, int flag)
{
    leads_srv_cfg_t *cfg = srv_cfg(cmd);

    (void)dc;
    cfg->require_tls = flag;
    cfg->require_tls_set = 1;
    return NULL;
}

const command_rec leads_cmds[] = {
    AP_INIT_TAKE1("LeadsMaxBodySize", set_number, &slot_max_body, RSRC_CONF,
                  "Largest request body in bytes (default 65536)"),
    AP_INIT_TAKE1("LeadsCacheTTL", set_number, &slot_cache_ttl, RSRC_CONF,
                  "Seconds a child may cache stages, fields and members "
                  "(default 5, 0 = no cache)"),
    AP_INIT_TAKE1("LeadsIdempotencyTTL", set_number, &slot_idem_ttl,
                  RSRC_CONF,
                  "Seconds an Idempotency-Key is remembered (default 86400)"),
    AP_INIT_TAKE12("LeadsRateLimit", set_limit, &slot_rate, RSRC_CONF,
                   "Requests per key and trailing window in seconds "
                   "(default 120 60, 0 = off)"),
    AP_INIT_TAKE12("LeadsAuthFailureLimit", set_limit, &slot_auth_failures,
                   RSRC_CONF, "Unknown keys per client address and trailing "
                   "window in seconds before its requests are refused "
                   "unread (default 60 60, 0 = off)"),
    AP_INIT_TAKE12("LeadsFormRateLimit", set_limit, &slot_form_rate,
                   RSRC_CONF, "Web form posts per client address and "
                   "trailing window in seconds (default 10 60, 0 = off)"),
    AP_INIT_TAKE2("LeadsCaptchaVerifyURL", set_captcha_url, NULL, RSRC_CONF,
                  "A captcha provider (turnstile, hcaptcha, recaptcha) and "
                  "the URL its tokens are verified at (default: the "
                  "provider's own)"),
    AP_INIT_TAKE1("LeadsDBAcquireTimeout", set_number, &slot_db_wait,
                  RSRC_CONF, "Seconds a request waits for a pooled database "
                  "connection before it answers 503 (default 3)"),
    AP_INIT_TAKE1("LeadsPhoneRegion", set_phone_region, NULL, RSRC_CONF,
                  "ISO region for national phone numbers (e.g. US), "
                  "default none"),
    AP_INIT_FLAG("LeadsRequireTLS", set_require_tls, NULL, RSRC_CONF,
                 "Refuse requests that did not arrive over TLS (default Off)"),
    AP_INIT_TAKE1("LeadsWebhookQueueSize", set_number, &slot_wh_queue,
                  RSRC_CONF, "Slots in the shared-memory webhook ring "
                  "(default 4096)"),
    AP_INIT_TAKE1("LeadsWebhookTimeout", set_number, &slot_wh_timeout,
                  RSRC_CONF,
                  "Whole-request timeout of one delivery in seconds "
                  "(default 10)"),
    AP_INIT_TAKE_ARGV("LeadsWebhookRetrySchedule", set_wh_schedule, NULL,
                      RSRC_CONF, "Delays before each retry, e.g. 5s 5m 30m "
                      "2h 5h 10h 10h"),
    AP_INIT_TAKE1("LeadsWebhookConcurrency", set_number,
                  &slot_wh_concurrency,
                  RSRC_CONF, "Deliveries in flight at once (default 16)"),
    AP_INIT_TAKE1("LeadsWebhookEndpointConcurrency", set_number,
                  &slot_wh_endpoint_concurrency, RSRC_CONF,
                  "Deliveries of one endpoint in flight at once (default 4)"),
    AP_INIT_TAKE1("LeadsWebhookDisableAfter", set_wh_duration,
                  (void *)CFG_OFFSET(wh_disable_after), RSRC_CONF,
                  "How long an endpoint may fail with no success before it "
                  "is disabled (default 24h)"),
    AP_INIT_TAKE1("LeadsWebhookRetention", set_wh_duration,
                  (void *)CFG_OFFSET(wh_retention), RSRC_CONF,
                  "How long delivered and failed deliveries are kept "
                  "(default 30d)"),
    AP_INIT_TAKE1("LeadsWebhookPollInterval", set_number, &slot_wh_poll,
                  RSRC_CONF,
                  "Seconds between sweeps of the outbox table (default 5)"),
    AP_INIT_FLAG("LeadsWebhookAllowPrivate", set_wh_allow_private, NULL,
                 RSRC_CONF, "Allow delivery to loopback, private and "
                 "link-local addresses (default Off)"),
    AP_INIT_TAKE1("LeadsWebhookProxy", set_wh_proxy, NULL, RSRC_CONF,
                  "Send deliveries through this HTTP proxy (default none: "
                  "proxy variables in the environment are ignored)"),
    { NULL }
};
