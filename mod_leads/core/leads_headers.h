/* Syntax of the request headers mod_leads reads (Authorization is in
 * leads_key.h). Pure C, so the fuzzer reaches them. */
#ifndef LEADS_HEADERS_H
#define LEADS_HEADERS_H

/* docs/api.md §5: an Idempotency-Key is 1..255 printable ASCII characters. */
int leads_idempotency_key_valid(const char *key);

/* Is `content_type` the media type `want`: any case, optional white space
 * before it, and nothing after it but parameters (";…")? */
int leads_media_type_is(const char *content_type, const char *want);

/* Does an Accept header prefer text/html to application/json? True for a
 * browser submitting a plain form (text/html first, the any-type range at
 * q=0.8), false for fetch()'s default (the any-type range alone), for a
 * JSON Accept and for none: only an explicit text/html with a quality
 * above JSON's (application/json, else application's range, else the
 * any-type range) counts. */
int leads_accept_prefers_html(const char *accept);

#endif
