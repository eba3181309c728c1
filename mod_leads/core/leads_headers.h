/* Syntax of the request headers mod_leads reads (Authorization is in
 * leads_key.h). Pure C, so the fuzzer reaches them. */
#ifndef LEADS_HEADERS_H
#define LEADS_HEADERS_H

/* docs/api.md §5: an Idempotency-Key is 1..255 printable ASCII characters. */
int leads_idempotency_key_valid(const char *key);

/* Is `content_type` the media type `want`: any case, optional white space
 * before it, and nothing after it but parameters (";…")? */
int leads_media_type_is(const char *content_type, const char *want);

#endif
