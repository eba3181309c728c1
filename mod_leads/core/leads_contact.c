/* Email rules and normalisation (docs/api.md §4.2); phone rules:
 * leads_phone.c. */
#include <string.h>

#include <apr_lib.h>
#include <apr_strings.h>

#include "leads_contact.h"
#include "leads_text.h"

#define EMAIL_MAX_CHARS 254
#define EMAIL_LOCAL_MAX_CHARS 64

static const char email_invalid[] = "must be a valid email address";

/* White space and control characters are refused anywhere, including
 * the quoted local parts RFC 5322 would allow: nobody's real address
 * needs them and they break CRMs downstream. */
static int has_space_or_control(const char *s)
{
    const char *c;

    for (c = s; *c; c++) {
        if (apr_isspace(*c)) {
            return 1;
        }
    }
    return leads_text_has_control(s);
}

/* A domain needs at least two labels and no empty one: "a.b", never
 * ".a", "a.", "a..b" or "a". */
static int domain_valid(const char *domain)
{
    apr_size_t len = strlen(domain);

    return len > 0 && strchr(domain, '.') != NULL
        && domain[0] != '.' && domain[len - 1] != '.'
        && strstr(domain, "..") == NULL;
}

const char *leads_email_normalize(apr_pool_t *p, const char *email,
                                  const char **normalized)
{
    const char *at = strchr(email, '@');
    char *lower, *c;

    if (leads_text_length(email) > EMAIL_MAX_CHARS) {
        return "must be at most 254 characters";
    }
    if (at == NULL || strchr(at + 1, '@') != NULL || at == email
        || has_space_or_control(email) || !domain_valid(at + 1)) {
        return email_invalid;
    }
    if (leads_text_length(apr_pstrmemdup(p, email, at - email))
        > EMAIL_LOCAL_MAX_CHARS) {
        return email_invalid;
    }
    lower = apr_pstrdup(p, email);
    for (c = lower; *c; c++) {
        /* ASCII only: a UTF-8 byte is >= 0x80 and stays untouched */
        if ((unsigned char)*c < 0x80) {
            *c = apr_tolower(*c);
        }
    }
    *normalized = lower;
    return NULL;
}
