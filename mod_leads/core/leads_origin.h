/* Web forms' origins (docs/api.md §10): what `leadsctl form add --origin`
 * accepts, and whether a browser's Origin header is one of a form's. Pure
 * C, so it is unit-tested directly. */
#ifndef LEADS_ORIGIN_H
#define LEADS_ORIGIN_H

#include <apr_pools.h>

/* The longest origin accepted (scheme, host and port). */
#define LEADS_ORIGIN_MAX 253

/* An origin as a browser serialises it: "http" or "https", "://", a host
 * (letters, digits, '-', '.'; or an IPv6 literal in brackets), an optional
 * ":port" (1-65535), and nothing else: no path, no trailing '/', no user
 * info, no "null". Returns NULL when `origin` is one, else why not. */
const char *leads_origin_issue(const char *origin);

/* `origin` as stored and compared: lowercased (scheme and host are case
 * insensitive), a default port (":80" for http, ":443" for https) dropped.
 * Only for an origin without an issue. */
const char *leads_origin_canonical(apr_pool_t *p, const char *origin);

/* Non-zero when `origin` (an Origin header's value, as sent) is one of
 * the space-separated canonical origins of `list`. */
int leads_origin_listed(apr_pool_t *p, const char *list, const char *origin);

#endif
