/* See leads_redact.h. Only values that carry a mod_leads key prefix are
 * moved, so other modules' authentication is left as it was. */
#include <string.h>

#include "httpd.h"
#include "apr_strings.h"

#include "leads_conftree.h"
#include "leads_key.h"
#include "leads_redact.h"

#define AUTHORIZATION_NOTE  "leads-authorization"
#define REDACTED            "[redacted by mod_leads]"
#define KEY_IN_URL_NOTE     "leads-key-in-url"
#define REDACTED_QUERY      "redacted-by-mod_leads"

/* A secret key's prefix in a query string, as sent or percent-encoded
 * ("lak%5F"), in any case. */
static int query_has_secret_key(const char *args)
{
    static const char *const prefixes[] = {
        LEADS_API_KEY_PREFIX, LEADS_INGEST_KEY_PREFIX, "lak%5f", "lik%5f",
        NULL
    };
    int i;

    for (i = 0; prefixes[i]; i++) {
        if (ap_strcasestr(args, prefixes[i])) {
            return 1;
        }
    }
    return 0;
}

/* docs/api.md §10: a lak_/lik_ key in the URL is refused (400 key_in_url)
 * and must not reach the access log, which writes the request line (%r)
 * or the query (%q, %U%q): the whole query goes, in every copy httpd
 * keeps of it. */
int leads_redact_query(request_rec *r)
{
    if (!r->args || !query_has_secret_key(r->args)) {
        return 0;
    }
    apr_table_setn(r->notes, KEY_IN_URL_NOTE, "1");
    r->args = apr_pstrdup(r->pool, REDACTED_QUERY);
    r->parsed_uri.query = r->args;
    r->unparsed_uri = apr_pstrcat(r->pool, r->uri, "?", r->args, NULL);
    r->the_request = apr_pstrcat(r->pool, r->method, " ", r->unparsed_uri,
                                 r->protocol ? " " : "", r->protocol, NULL);
    return 1;
}

int leads_key_was_in_url(request_rec *r)
{
    request_rec *from;

    for (from = r; from; from = from->prev) {
        if (apr_table_get(from->notes, KEY_IN_URL_NOTE)) {
            return 1;
        }
    }
    return 0;
}

int leads_redact_authorization(request_rec *r)
{
    const char *value = apr_table_get(r->headers_in, "Authorization");

    /* only under the handler's locations: other URLs' queries are
     * other applications' business (the handler redacts again, for a
     * SetHandler in a <Directory>) */
    if (leads_conftree_location_of(r->uri)) {
        leads_redact_query(r);
    }

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
