/* See leads_check.h. Only a configuration that uses the leads handler is
 * checked: loading the module alone (a2enmod before the site is set up)
 * stays valid. */
#include "httpd.h"
#include "apr_strings.h"
#include "http_config.h"
#include "http_log.h"

#include "leads_check.h"
#include "leads_conftree.h"
#include "mod_leads.h"

APLOG_USE_MODULE(leads);

static int refuse(server_rec *s, const char *why)
{
    ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_CRIT, 0, s,
                 LEADSLOGNO(00008) "SetHandler leads is configured, but %s",
                 why);
    return HTTP_INTERNAL_SERVER_ERROR;
}

int leads_check_config(apr_pool_t *pconf, apr_pool_t *plog,
                       apr_pool_t *ptemp, server_rec *s)
{
    server_rec *v;

    (void)pconf;
    (void)plog;
    if (!leads_conftree_uses_handler(ptemp)) {
        return OK;
    }
    if (!ap_find_linked_module("mod_dbd.c")) {
        return refuse(s, "mod_dbd is not loaded: add 'LoadModule dbd_module "
                         "modules/mod_dbd.so' (Debian: a2enmod dbd)");
    }
    if (!ap_find_linked_module("mod_watchdog.c")) {
        return refuse(s, "mod_watchdog is not loaded: add 'LoadModule "
                         "watchdog_module modules/mod_watchdog.so' (webhooks "
                         "are delivered by its thread)");
    }
    for (v = s; v; v = v->next) {
        leads_dbd_limits_t lim;

        leads_conftree_dbd_limits(ptemp, v, &lim);
        if (!*lim.driver) {
            return refuse(v, apr_psprintf(ptemp, "no DBDriver is set for %s:%u: "
                          "add 'DBDriver pgsql|mysql|sqlite3' and DBDParams",
                          v->server_hostname ? v->server_hostname : "the "
                          "main server", v->port));
        }
    }
    return OK;
}
