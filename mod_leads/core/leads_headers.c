/* See leads_headers.h. */
#include <string.h>
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
