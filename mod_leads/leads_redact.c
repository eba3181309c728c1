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

/* An internal redirect (ErrorDocument, mod_rewrite's [PT]) gives the new
 * request fresh notes and the redacted headers: the key is in the note of
 * the request it came from. */
const char *leads_authorization(request_rec *r)
{
    request_rec *from;

    for (from = r; from; from = from->prev) {
        const char *value = apr_table_get(from->notes, AUTHORIZATION_NOTE);

        if (value) {
            return value;
        }
    }
    return apr_table_get(r->headers_in, "Authorization");
}
