/* See leads_origin.h. An origin is compared as a whole string after
 * canonicalisation, never by prefix or suffix: "https://firm.example" must
 * not let "https://firm.example.evil.test" in. */
#include <string.h>

#include <apr_lib.h>
#include <apr_strings.h>

#include "leads_origin.h"

static const char *after_scheme(const char *origin)
{
    if (strncasecmp(origin, "http://", 7) == 0) {
        return origin + 7;
    }
    if (strncasecmp(origin, "https://", 8) == 0) {
        return origin + 8;
    }
    return NULL;
}

/* A host name's bytes: letters, digits, '-' and '.', not starting or
 * ending with '.' or '-'. Returns the bytes it took. */
static apr_size_t host_name_len(const char *s)
{
    apr_size_t n = 0;

    while (apr_isalnum(s[n]) || s[n] == '-' || s[n] == '.') {
        n++;
    }
    if (n > 0 && (s[0] == '.' || s[0] == '-' || s[n - 1] == '.'
                  || s[n - 1] == '-')) {
        return 0;
    }
    return n;
}

/* "[hex:…]" */
static apr_size_t ipv6_len(const char *s)
{
    apr_size_t n = 1;

    while (apr_isxdigit(s[n]) || s[n] == ':' || s[n] == '.') {
        n++;
    }
    return n > 2 && s[n] == ']' ? n + 1 : 0;
}

static int port_valid(const char *s)
{
    apr_size_t n = 0;
    long port = 0;

    while (apr_isdigit(s[n]) && n < 6) {
        port = port * 10 + (s[n] - '0');
        n++;
    }
    return n > 0 && s[n] == '\0' && port >= 1 && port <= 65535;
}

const char *leads_origin_issue(const char *origin)
{
    const char *host = after_scheme(origin);
    apr_size_t n;

    if (strlen(origin) > LEADS_ORIGIN_MAX) {
        return "is too long";
    }
    if (host == NULL) {
        return "must start with http:// or https://";
    }
    n = host[0] == '[' ? ipv6_len(host) : host_name_len(host);
    if (n == 0) {
        return "must name a host";
    }
    if (host[n] == '\0') {
        return NULL;
    }
    if (host[n] == ':' && port_valid(host + n + 1)) {
        return NULL;
    }
    return "must be scheme://host[:port] only (no path, no trailing '/')";
}

const char *leads_origin_canonical(apr_pool_t *p, const char *origin)
{
    char *c = apr_pstrdup(p, origin), *s;
    apr_size_t len;

    for (s = c; *s; s++) {
        *s = (char)apr_tolower(*s);
    }
    len = strlen(c);
    if (strncmp(c, "http://", 7) == 0 && len > 3
        && strcmp(c + len - 3, ":80") == 0) {
        c[len - 3] = '\0';
    }
    else if (strncmp(c, "https://", 8) == 0 && len > 4
             && strcmp(c + len - 4, ":443") == 0) {
        c[len - 4] = '\0';
    }
    return c;
}

int leads_origin_listed(apr_pool_t *p, const char *list, const char *origin)
{
    const char *want, *s;
    apr_size_t n;

    if (origin == NULL || list == NULL || leads_origin_issue(origin)) {
        return 0;
    }
    want = leads_origin_canonical(p, origin);
    n = strlen(want);
    for (s = list; *s; ) {
        apr_size_t len = strcspn(s, " ");

        if (len == n && strncmp(s, want, n) == 0) {
            return 1;
        }
        s += len;
        s += strspn(s, " ");
    }
    return 0;
}
