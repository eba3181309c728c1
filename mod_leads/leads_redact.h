/* Keys out of every log: httpd's own trace dump of request headers (and
 * mod_log_forensic, and a CustomLog with %{Authorization}i) would print an
 * Authorization header that carries a mod_leads key. */
#ifndef LEADS_REDACT_H
#define LEADS_REDACT_H

#include "httpd.h"

/* post_read_request, first of all: move such a header's value into
 * r->notes and leave a placeholder in r->headers_in. */
int leads_redact_authorization(request_rec *r);

/* The Authorization value as the client sent it. */
const char *leads_authorization(request_rec *r);

#endif
