/* See leads_health.h. The check is the one every request makes: a
 * connection from the pool (mod_dbd checks it is alive) and the schema
 * version (leads_db.c). */
#include <string.h>

#include "httpd.h"
#include "apr_strings.h"
#include "http_protocol.h"

#include "leads_db.h"
#include "leads_health.h"
#include "mod_leads.h"

static int answer(request_rec *r, int status, const char *json)
{
    r->status = status;
    ap_set_content_type(r, "application/json");
    apr_table_setn(r->headers_out, "Cache-Control", "no-store");
    if (status == HTTP_SERVICE_UNAVAILABLE) {
        apr_table_setn(r->err_headers_out, "Retry-After", "5");
    }
    if (!r->header_only) {
        ap_rputs(json, r);
    }
    return OK;
}

int leads_health_handler(request_rec *r)
{
    leads_db_t *db = NULL;
    int outdated;
    apr_status_t rv;

    if (!r->handler || strcmp(r->handler, "leads-health") != 0) {
        return DECLINED;
    }
    if (r->method_number != M_GET) {
        r->allowed = AP_METHOD_BIT << M_GET;
        return HTTP_METHOD_NOT_ALLOWED;
    }
    rv = leads_db_acquire(r, &db);
    if (rv == APR_SUCCESS) {
        rv = leads_db_ping(db);
    }
    outdated = db && leads_db_found_outdated(db);
    leads_db_close(db);
    if (rv == APR_SUCCESS) {
        return answer(r, HTTP_OK,
                      apr_psprintf(r->pool, "{\"status\":\"ok\",\"schema\":%d}",
                                   leads_db_schema_version()));
    }
    return answer(r, HTTP_SERVICE_UNAVAILABLE,
                  outdated
                  ? apr_psprintf(r->pool, "{\"status\":\"unavailable\","
                                 "\"reason\":\"schema_outdated\",\"schema\":%d,"
                                 "\"needed\":%d}", leads_db_schema_version(),
                                 LEADS_SCHEMA_VERSION)
                  : "{\"status\":\"unavailable\","
                    "\"reason\":\"database_unreachable\"}");
}
