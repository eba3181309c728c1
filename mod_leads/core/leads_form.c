/* application/x-www-form-urlencoded decoding (docs/api.md §6.2). Stricter than a
 * browser's parser: a malformed escape or a byte sequence that is not
 * UTF-8 is refused rather than guessed at, since the text ends up in a
 * lead byte for byte. */
#include <string.h>

#include <apr_strings.h>
#include <jansson.h>

#include "leads_form.h"

static int hex_value(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

/* jansson's UTF-8 check is strict (no overlong forms, no surrogates, no
 * code point past U+10FFFF), the same one a JSON body goes through. */
static int utf8_valid(const char *s, apr_size_t len)
{
    json_t *j = json_stringn(s, len);

    json_decref(j);
    return j != NULL;
}

/* Decodes `len` bytes of `s` ('+' and %XX) into a new string in `p`. */
static apr_status_t form_decode(apr_pool_t *p, const char *s, apr_size_t len,
                                const char **out)
{
    char *buf = apr_palloc(p, len + 1);
    apr_size_t i, n = 0;
    int hi, lo;

    for (i = 0; i < len; i++) {
        if (s[i] == '+') {
            buf[n++] = ' ';
        }
        else if (s[i] != '%') {
            buf[n++] = s[i];
        }
        else if (len - i < 3 || (hi = hex_value(s[i + 1])) < 0
                 || (lo = hex_value(s[i + 2])) < 0) {
            return APR_EINVAL;
        }
        else {
            buf[n++] = (char)(hi * 16 + lo);
            i += 2;
        }
    }
    buf[n] = '\0';
    if (memchr(buf, '\0', n) != NULL || !utf8_valid(buf, n)) {
        return APR_EINVAL;
    }
    *out = buf;
    return APR_SUCCESS;
}

/* A decoded name and value into the form, unless the name was seen. */
static void form_put(leads_form_t *form, const leads_form_pair_t *pair)
{
    if (leads_form_get(form, pair->name) == NULL) {
        APR_ARRAY_PUSH(form->pairs, leads_form_pair_t) = *pair;
        apr_hash_set(form->values, pair->name, APR_HASH_KEY_STRING,
                     pair->value);
    }
}

/* A copy of `len` bytes of `s`: APR_EINVAL for a NUL byte or bad UTF-8. */
static apr_status_t form_text(apr_pool_t *p, const char *s, apr_size_t len,
                              const char **out)
{
    if (memchr(s, '\0', len) != NULL || !utf8_valid(s, len)) {
        return APR_EINVAL;
    }
    *out = apr_pstrmemdup(p, s, len);
    return APR_SUCCESS;
}

leads_form_t *leads_form_make(apr_pool_t *p)
{
    leads_form_t *f = apr_palloc(p, sizeof(*f));

    f->pairs = apr_array_make(p, 8, sizeof(leads_form_pair_t));
    f->values = apr_hash_make(p);
    return f;
}

apr_status_t leads_form_add(apr_pool_t *p, leads_form_t *form,
                            const char *name, apr_size_t name_len,
                            const char *value, apr_size_t value_len)
{
    leads_form_pair_t pair;
    apr_status_t rv = form_text(p, name, name_len, &pair.name);

    if (rv == APR_SUCCESS) {
        rv = form_text(p, value, value_len, &pair.value);
    }
    if (rv == APR_SUCCESS) {
        form_put(form, &pair);
    }
    return rv;
}

/* One "name=value" (or "name") of `len` bytes, added unless the name was
 * seen before. */
static apr_status_t form_add_pair(apr_pool_t *p, leads_form_t *form,
                                  const char *s, apr_size_t len)
{
    const char *eq = memchr(s, '=', len);
    apr_size_t name_len = eq != NULL ? (apr_size_t)(eq - s) : len;
    leads_form_pair_t pair;
    apr_status_t rv;

    rv = form_decode(p, s, name_len, &pair.name);
    if (rv == APR_SUCCESS) {
        pair.value = "";
        if (eq != NULL) {
            rv = form_decode(p, eq + 1, len - name_len - 1, &pair.value);
        }
    }
    if (rv == APR_SUCCESS) {
        form_put(form, &pair);
    }
    return rv;
}

apr_status_t leads_form_parse(apr_pool_t *p, const char *body, apr_size_t len,
                              leads_form_t **form)
{
    leads_form_t *f = leads_form_make(p);
    const char *end = body + len, *amp;
    apr_status_t rv = APR_SUCCESS;

    while (rv == APR_SUCCESS && body != NULL && body < end) {
        amp = memchr(body, '&', end - body);
        if (amp == NULL) {
            amp = end;
        }
        if (amp > body) {
            rv = form_add_pair(p, f, body, amp - body);
        }
        body = amp < end ? amp + 1 : NULL;
    }
    *form = rv == APR_SUCCESS ? f : NULL;
    return rv;
}

const char *leads_form_get(const leads_form_t *form, const char *name)
{
    return apr_hash_get(form->values, name, APR_HASH_KEY_STRING);
}
