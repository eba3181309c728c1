/* Keys out of every log: httpd's own trace dump of request headers (and
 * mod_log_forensic, and a CustomLog with %{Authorization}i) would print an
 * Authorization header that carries a mod_leads key. */
#ifndef LEADS_REDACT_H
#define LEADS_REDACT_H

#include "httpd.h"

/* post_read_request, first of all: move such a header's value into
 * r->notes and leave a placeholder in r->headers_in; and a query string
 * holding a lak_/lik_ key is replaced (r->args, the request line) and
 * noted for leads_key_was_in_url(). */
int leads_redact_authorization(request_rec *r);

/* The Authorization value as the client sent it. */
const char *leads_authorization(request_rec *r);

/* Replace a query string holding a lak_/lik_ key; returns 1 if it did. */
int leads_redact_query(request_rec *r);

/* Did the query string carry a lak_/lik_ key (now redacted)? */
int leads_key_was_in_url(request_rec *r);

#endif
