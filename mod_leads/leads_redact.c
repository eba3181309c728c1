/* See leads_redact.h. Only values that carry a mod_leads key prefix are
 * moved, so other modules' authentication is left as it was. */
#include <string.h>

#include "httpd.h"

#include "leads_key.h"
#include "leads_redact.h"

#define AUTHORIZATION_NOTE  "leads-authorization"
#define REDACTED            "[redacted by mod_leads]"

int leads_redact_authorization(request_rec *r)
{
    const char *value = apr_table_get(r->headers_in, "Authorization");

    if (value && (strstr(value, LEADS_API_KEY_PREFIX)
                  || strstr(value, LEADS_INGEST_KEY_PREFIX))) {
        apr_table_setn(r->notes, AUTHORIZATION_NOTE, value);
        apr_table_setn(r->headers_in, "Authorization", REDACTED);
    }
    return DECLINED;
}

const char *leads_authorization(request_rec *r)
{
    const char *value = apr_table_get(r->notes, AUTHORIZATION_NOTE);

    return value ? value : apr_table_get(r->headers_in, "Authorization");
}
