/* Directive handlers: every value is checked here so that
 * `apachectl configtest` reports a mistake before a request meets it. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "httpd.h"
#include "apr_strings.h"
#include "apr_lib.h"

#include "leads_config.h"
#include "leads_contact.h"
#include "mod_leads.h"

void *leads_create_srv_cfg(apr_pool_t *p, server_rec *s)
{
    leads_srv_cfg_t *cfg = apr_pcalloc(p, sizeof(*cfg));

    (void)s;
    cfg->max_body = LEADS_DEFAULT_MAX_BODY;
    cfg->cache_ttl = apr_time_from_sec(LEADS_DEFAULT_CACHE_TTL);
    cfg->rate_limit = LEADS_DEFAULT_RATE_LIMIT;
    cfg->rate_window = apr_time_from_sec(LEADS_DEFAULT_RATE_WINDOW);
    cfg->idem_ttl = apr_time_from_sec(LEADS_DEFAULT_IDEM_TTL);
    cfg->wh_queue_size = LEADS_DEFAULT_WH_QUEUE;
    cfg->wh_timeout = apr_time_from_sec(LEADS_DEFAULT_WH_TIMEOUT);
    leads_schedule_parse(p, LEADS_SCHEDULE_DEFAULT, (leads_schedule_t **)
                         &cfg->wh_schedule);
    cfg->wh_concurrency = LEADS_DEFAULT_WH_CONCURRENCY;
    cfg->wh_poll = apr_time_from_sec(LEADS_DEFAULT_WH_POLL);
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
    cfg->wh_queue_size = base->wh_queue_size;
    cfg->wh_timeout = base->wh_timeout;
    cfg->wh_schedule = base->wh_schedule;
    cfg->wh_concurrency = base->wh_concurrency;
    cfg->wh_poll = base->wh_poll;
    cfg->wh_allow_private = base->wh_allow_private;
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

static const char *set_max_body(cmd_parms *cmd, void *dc, const char *arg)
{
    leads_srv_cfg_t *cfg = srv_cfg(cmd);
    apr_int64_t v;
    const char *err = parse_count(arg, APR_INT64_C(1) << 30, &v);

    (void)dc;
    if (err || v < 1) {
        return apr_psprintf(cmd->pool, "LeadsMaxBodySize: '%s' is not a "
                            "size in bytes between 1 and 1073741824", arg);
    }
    cfg->max_body = (apr_off_t)v;
    cfg->max_body_set = 1;
    return NULL;
}

static const char *set_cache_ttl(cmd_parms *cmd, void *dc, const char *arg)
{
    leads_srv_cfg_t *cfg = srv_cfg(cmd);
    apr_int64_t v;

    (void)dc;
    if (parse_count(arg, 86400, &v)) {
        return apr_psprintf(cmd->pool, "LeadsCacheTTL: '%s' is not a number "
                            "of seconds between 0 and 86400", arg);
    }
    cfg->cache_ttl = apr_time_from_sec(v);
    cfg->cache_ttl_set = 1;
    return NULL;
}

static const char *set_idem_ttl(cmd_parms *cmd, void *dc, const char *arg)
{
    leads_srv_cfg_t *cfg = srv_cfg(cmd);
    apr_int64_t v;

    (void)dc;
    if (parse_count(arg, 366 * 86400, &v) || v < 1) {
        return apr_psprintf(cmd->pool, "LeadsIdempotencyTTL: '%s' is not a "
                            "number of seconds between 1 and 31622400", arg);
    }
    cfg->idem_ttl = apr_time_from_sec(v);
    cfg->idem_ttl_set = 1;
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

static const char *set_wh_queue_size(cmd_parms *cmd, void *dc,
                                     const char *arg)
{
    leads_srv_cfg_t *cfg = srv_cfg(cmd);
    const char *err = main_server_only(cmd);
    apr_int64_t v;

    (void)dc;
    if (err) {
        return err;
    }
    if (parse_count(arg, 1048576, &v) || v < 1) {
        return apr_psprintf(cmd->pool, "LeadsWebhookQueueSize: '%s' is not a "
                            "number of slots between 1 and 1048576", arg);
    }
    cfg->wh_queue_size = (int)v;
    return NULL;
}

static const char *set_wh_timeout(cmd_parms *cmd, void *dc, const char *arg)
{
    leads_srv_cfg_t *cfg = srv_cfg(cmd);
    const char *err = main_server_only(cmd);
    apr_int64_t v;

    (void)dc;
    if (err) {
        return err;
    }
    if (parse_count(arg, 3600, &v) || v < 1) {
        return apr_psprintf(cmd->pool, "LeadsWebhookTimeout: '%s' is not a "
                            "number of seconds between 1 and 3600", arg);
    }
    cfg->wh_timeout = apr_time_from_sec(v);
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

static const char *set_wh_concurrency(cmd_parms *cmd, void *dc,
                                      const char *arg)
{
    leads_srv_cfg_t *cfg = srv_cfg(cmd);
    const char *err = main_server_only(cmd);
    apr_int64_t v;

    (void)dc;
    if (err) {
        return err;
    }
    if (parse_count(arg, 1024, &v) || v < 1) {
        return apr_psprintf(cmd->pool, "LeadsWebhookConcurrency: '%s' is not "
                            "a number between 1 and 1024", arg);
    }
    cfg->wh_concurrency = (int)v;
    return NULL;
}

static const char *set_wh_poll(cmd_parms *cmd, void *dc, const char *arg)
{
    leads_srv_cfg_t *cfg = srv_cfg(cmd);
    const char *err = main_server_only(cmd);
    apr_int64_t v;

    (void)dc;
    if (err) {
        return err;
    }
    if (parse_count(arg, 86400, &v) || v < 1) {
        return apr_psprintf(cmd->pool, "LeadsWebhookPollInterval: '%s' is not "
                            "a number of seconds between 1 and 86400", arg);
    }
    cfg->wh_poll = apr_time_from_sec(v);
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

static const char *set_rate_limit(cmd_parms *cmd, void *dc,
                                  const char *requests, const char *seconds)
{
    leads_srv_cfg_t *cfg = srv_cfg(cmd);
    apr_int64_t n, secs = LEADS_DEFAULT_RATE_WINDOW;

    (void)dc;
    if (parse_count(requests, 1000000000, &n)) {
        return apr_psprintf(cmd->pool, "LeadsRateLimit: '%s' is not a number "
                            "of requests (0 turns the limit off)", requests);
    }
    if (n > 0 && !seconds) {
        return "LeadsRateLimit: give the requests and the window in seconds, "
               "e.g. 'LeadsRateLimit 120 60'";
    }
    if (seconds && (parse_count(seconds, 86400, &secs) || secs < 1)) {
        return apr_psprintf(cmd->pool, "LeadsRateLimit: '%s' is not a window "
                            "of 1 to 86400 seconds", seconds);
    }
    cfg->rate_limit = (int)n;
    cfg->rate_window = apr_time_from_sec(secs);
    cfg->rate_set = 1;
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
    AP_INIT_TAKE1("LeadsMaxBodySize", set_max_body, NULL, RSRC_CONF,
                  "Largest request body in bytes (default 65536)"),
    AP_INIT_TAKE1("LeadsCacheTTL", set_cache_ttl, NULL, RSRC_CONF,
                  "Seconds a child may cache stages, fields and members "
                  "(default 5, 0 = no cache)"),
    AP_INIT_TAKE1("LeadsIdempotencyTTL", set_idem_ttl, NULL, RSRC_CONF,
                  "Seconds an Idempotency-Key is remembered (default 86400)"),
    AP_INIT_TAKE12("LeadsRateLimit", set_rate_limit, NULL, RSRC_CONF,
                   "Requests per key and trailing window in seconds "
                   "(default 120 60, 0 = off)"),
    AP_INIT_TAKE1("LeadsPhoneRegion", set_phone_region, NULL, RSRC_CONF,
                  "ISO region for national phone numbers (e.g. US), "
                  "default none"),
    AP_INIT_FLAG("LeadsRequireTLS", set_require_tls, NULL, RSRC_CONF,
                 "Refuse requests that did not arrive over TLS (default Off)"),
    AP_INIT_TAKE1("LeadsWebhookQueueSize", set_wh_queue_size, NULL,
                  RSRC_CONF, "Slots in the shared-memory webhook ring "
                  "(default 4096)"),
    AP_INIT_TAKE1("LeadsWebhookTimeout", set_wh_timeout, NULL, RSRC_CONF,
                  "Whole-request timeout of one delivery in seconds "
                  "(default 10)"),
    AP_INIT_TAKE_ARGV("LeadsWebhookRetrySchedule", set_wh_schedule, NULL,
                      RSRC_CONF, "Delays before each retry, e.g. 5s 5m 30m "
                      "2h 5h 10h 10h"),
    AP_INIT_TAKE1("LeadsWebhookConcurrency", set_wh_concurrency, NULL,
                  RSRC_CONF, "Deliveries in flight at once (default 16)"),
    AP_INIT_TAKE1("LeadsWebhookPollInterval", set_wh_poll, NULL, RSRC_CONF,
                  "Seconds between sweeps of the outbox table (default 5)"),
    AP_INIT_FLAG("LeadsWebhookAllowPrivate", set_wh_allow_private, NULL,
                 RSRC_CONF, "Allow delivery to loopback, private and "
                 "link-local addresses (default Off)"),
    { NULL }
};
