/* See leads_headers.h. */
#include <string.h>
#include <stdlib.h>
#include <strings.h>

#include <apr.h>

#include "leads_headers.h"

int leads_idempotency_key_valid(const char *key)
{
    const unsigned char *c;
    apr_size_t len = 0;

    for (c = (const unsigned char *)key; *c; c++, len++) {
        if (*c < 0x20 || *c > 0x7e) {
            return 0;
        }
    }
    return len >= 1 && len <= 255;
}

int leads_media_type_is(const char *content_type, const char *want)
{
    const char *ct = content_type;
    apr_size_t n = strlen(want);

    while (*ct == ' ' || *ct == '\t') {
        ct++;
    }
    if (strncasecmp(ct, want, n) != 0) {
        return 0;
    }
    for (ct += n; *ct == ' ' || *ct == '\t'; ct++) {
    }
    return *ct == '\0' || *ct == ';';
}

/* The quality of one Accept element "type/sub;q=0.5;…" (1 when absent). */
static double accept_quality(const char *params, apr_size_t len)
{
    const char *s = params, *end = params + len;

    while (s < end) {
        const char *semi = memchr(s, ';', (apr_size_t)(end - s));

        if (semi == NULL) {
            break;
        }
        s = semi + 1;
        while (s < end && (*s == ' ' || *s == '\t')) {
            s++;
        }
        if (end - s >= 2 && (s[0] == 'q' || s[0] == 'Q') && s[1] == '=') {
            char num[8];
            apr_size_t n = 0;

            for (s += 2; s < end && n < sizeof(num) - 1
                         && ((*s >= '0' && *s <= '9') || *s == '.'); s++) {
                num[n++] = *s;
            }
            num[n] = '\0';
            return n > 0 ? atof(num) : 0;
        }
    }
    return 1;
}

int leads_accept_prefers_html(const char *accept)
{
    double html = -1, json = -1, app_any = -1, any = -1;
    const char *s = accept;

    while (s && *s) {
        apr_size_t len = strcspn(s, ",");
        apr_size_t type_len;
        const char *t = s;
        double q;

        while (len > 0 && (*t == ' ' || *t == '\t')) {
            t++;
            len--;
        }
        type_len = strcspn(t, ";, \t");
        if (type_len > len) {
            type_len = len;
        }
        q = accept_quality(t, len);
        if (type_len == 9 && strncasecmp(t, "text/html", 9) == 0) {
            html = q;
        }
        else if (type_len == 16 && strncasecmp(t, "application/json", 16) == 0) {
            json = q;
        }
        else if (type_len == 13 && strncasecmp(t, "application/*", 13) == 0) {
            app_any = q;
        }
        else if (type_len == 3 && strncmp(t, "*/*", 3) == 0) {
            any = q;
        }
        s = t + len;
        if (*s == ',') {
            s++;
        }
    }
    if (json < 0) {
        json = app_any >= 0 ? app_any : any;
    }
    return html > 0 && html > json;
}
