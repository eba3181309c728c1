/* The request body, as steps of the handler: read whole under
 * LeadsMaxBodySize before any database work (a failure to read it is kept
 * in body_err and said once the key is known, so a bad key still answers
 * 401); the media type (JSON; a form too in ingestion mode); the body
 * parsed; after an early error, the unread body is drained or the
 * connection closed. */
#ifndef LEADS_BODY_H
#define LEADS_BODY_H

#include "leads_request.h"

int leads_read_body(leads_ctx_t *ctx);
int leads_check_content_type(leads_ctx_t *ctx);
int leads_parse_body(leads_ctx_t *ctx);
void leads_drop_unread_body(leads_ctx_t *ctx);

#endif
