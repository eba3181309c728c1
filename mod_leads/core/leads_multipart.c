/* See leads_multipart.h. The body is already in memory (read under
 * LeadsMaxBodySize), so this is a single pass over it with memmem(): no
 * state machine across reads, and every loop is bounded by the body's
 * length or by one of the limits in the header. */
#include <string.h>
#include <strings.h>

#include <apr_lib.h>
#include <apr_strings.h>

#include "leads_multipart.h"

/* One part's headers, as far as a form needs them. */
typedef struct {
    const char *name;                   /* NULL until found */
    apr_size_t name_len;
    int is_file;                        /* filename= or filename*= given,
                                         * or a nested multipart */
    int disposition;                    /* a form-data disposition seen */
} part_head_t;

/* RFC 2046's bchars, with the space not allowed last. */
static int boundary_char(char c)
{
    return apr_isalnum(c) || strchr("'()+_,-./:=? ", c) != NULL;
}

const char *leads_multipart_boundary(apr_pool_t *p, const char *content_type)
{
    const char *s = content_type;
    const char *start;
    apr_size_t n = 0, i;

    while (s && (s = strchr(s, ';')) != NULL) {
        s++;
        while (*s == ' ' || *s == '\t') {
            s++;
        }
        if (strncasecmp(s, "boundary=", 9) == 0) {
            break;
        }
    }
    if (s == NULL) {
        return NULL;
    }
    s += 9;
    if (*s == '"') {
        start = ++s;
        while (s[n] && s[n] != '"') {
            n++;
        }
        if (s[n] != '"') {
            return NULL;
        }
    }
    else {
        start = s;
        while (s[n] && s[n] != ';' && s[n] != ' ' && s[n] != '\t') {
            n++;
        }
    }
    if (n == 0 || n > LEADS_MULTIPART_MAX_BOUNDARY || start[n - 1] == ' ') {
        return NULL;
    }
    for (i = 0; i < n; i++) {
        if (!boundary_char(start[i])) {
            return NULL;
        }
    }
    return apr_pstrmemdup(p, start, n);
}

/* A parameter's value in a Content-Disposition line: `param` is
 * "name=" or "filename="; quoted or a token. Browsers escape '"' in
 * names as %22 (the HTML standard), so a quoted value ends at the next
 * '"'. Returns 1 and sets *v, *vlen when found. */
static int disposition_param(const char *line, apr_size_t len,
                             const char *param, const char **v,
                             apr_size_t *vlen)
{
    apr_size_t plen = strlen(param), i = 0;

    while (i < len) {
        const char *semi = memchr(line + i, ';', len - i);

        if (semi == NULL) {
            return 0;
        }
        i = (apr_size_t)(semi - line) + 1;
        while (i < len && (line[i] == ' ' || line[i] == '\t')) {
            i++;
        }
        if (len - i >= plen && strncasecmp(line + i, param, plen) == 0) {
            const char *s = line + i + plen, *end = line + len, *q;

            if (s < end && *s == '"') {
                s++;
                q = memchr(s, '"', (apr_size_t)(end - s));
                if (q == NULL) {
                    return -1;
                }
            }
            else {
                for (q = s; q < end && *q != ';' && *q != ' '; q++) {
                }
            }
            *v = s;
            *vlen = (apr_size_t)(q - s);
            return 1;
        }
    }
    return 0;
}

static int header_is(const char *line, apr_size_t len, const char *name)
{
    apr_size_t n = strlen(name);

    return len > n && strncasecmp(line, name, n) == 0 && line[n] == ':';
}

/* "Content-Disposition: form-data; name="x"[; filename="y"]" */
static const char *read_disposition(const char *line, apr_size_t len,
                                    part_head_t *h)
{
    const char *v = line + 20, *end = line + len, *unused;
    apr_size_t unused_len;
    int found;

    while (v < end && (*v == ' ' || *v == '\t')) {
        v++;
    }
    if ((apr_size_t)(end - v) < 9 || strncasecmp(v, "form-data", 9) != 0
        || (v + 9 < end && v[9] != ';' && v[9] != ' ')) {
        return "A part's Content-Disposition is not form-data.";
    }
    found = disposition_param(v, (apr_size_t)(end - v), "name=", &h->name,
                              &h->name_len);
    if (found != 1) {
        return "A part has no name.";
    }
    if (disposition_param(v, (apr_size_t)(end - v), "filename=",
                          &unused, &unused_len) != 0
        || disposition_param(v, (apr_size_t)(end - v), "filename*=",
                             &unused, &unused_len) != 0) {
        h->is_file = 1;
    }
    h->disposition = 1;
    return NULL;
}

/* "Content-Type: multipart/mixed; ...": how HTML 4 sent several files in
 * one field (RFC 7578 §4.3 deprecates it). Its content is files, never a
 * text value: such a part is ignored and reported like a file. */
static int nested_multipart(const char *line, apr_size_t len)
{
    const char *v = line + 13, *end = line + len;

    while (v < end && (*v == ' ' || *v == '\t')) {
        v++;
    }
    return (apr_size_t)(end - v) >= 10 && strncasecmp(v, "multipart/", 10) == 0;
}

/* The header lines from `*s` up to and including the empty line. */
static const char *read_head(const char **s, const char *end, part_head_t *h)
{
    int lines = 0;

    memset(h, 0, sizeof(*h));
    for (;;) {
        const char *eol = memmem(*s, (apr_size_t)(end - *s), "\r\n", 2);
        apr_size_t len;
        const char *why;

        if (eol == NULL) {
            return "A part's headers do not end.";
        }
        len = (apr_size_t)(eol - *s);
        if (len == 0) {
            *s = eol + 2;
            break;
        }
        if (++lines > LEADS_MULTIPART_MAX_HEADERS) {
            return "A part has too many header lines.";
        }
        if (len > LEADS_MULTIPART_MAX_HEADER_LINE) {
            return "A part's header line is too long.";
        }
        if (**s == ' ' || **s == '\t' || memchr(*s, ':', len) == NULL) {
            return "A part has a malformed header line.";
        }
        if (header_is(*s, len, "Content-Type") && nested_multipart(*s, len)) {
            h->is_file = 1;
        }
        if (header_is(*s, len, "Content-Disposition")) {
            if (h->disposition) {
                return "A part has two Content-Disposition lines.";
            }
            if ((why = read_disposition(*s, len, h)) != NULL) {
                return why;
            }
        }
        *s = eol + 2;
    }
    return h->disposition ? NULL : "A part has no Content-Disposition.";
}

apr_status_t leads_multipart_parse(apr_pool_t *p, const char *boundary,
                                   const char *body, apr_size_t len,
                                   leads_multipart_t **out, const char **why)
{
    const char *end = body + len, *s;
    const char *dash = apr_pstrcat(p, "--", boundary, NULL);
    const char *delim = apr_pstrcat(p, "\r\n--", boundary, NULL);
    apr_size_t dash_len = strlen(dash), delim_len = dash_len + 2;
    leads_multipart_t *mp = apr_pcalloc(p, sizeof(*mp));
    int parts = 0;

    *out = NULL;
    *why = NULL;
    mp->form = leads_form_make(p);
    mp->files = apr_array_make(p, 2, sizeof(const char *));
    /* the first delimiter: at the start, or after a preamble's CRLF */
    if (len >= dash_len && memcmp(body, dash, dash_len) == 0) {
        s = body + dash_len;
    }
    else if ((s = memmem(body, len, delim, delim_len)) != NULL) {
        s += delim_len;
    }
    else {
        *why = "The multipart body has no boundary delimiter.";
        return APR_EINVAL;
    }
    for (;;) {
        part_head_t h;
        const char *next;

        /* after a delimiter: "--" closes; else padding and CRLF */
        if (end - s >= 2 && s[0] == '-' && s[1] == '-') {
            break;
        }
        while (s < end && (*s == ' ' || *s == '\t')) {
            s++;
        }
        if (end - s < 2 || s[0] != '\r' || s[1] != '\n') {
            *why = "A boundary delimiter is not followed by a line end.";
            return APR_EINVAL;
        }
        s += 2;
        if (++parts > LEADS_MULTIPART_MAX_PARTS) {
            *why = "The multipart body has too many parts.";
            return APR_EINVAL;
        }
        if ((*why = read_head(&s, end, &h)) != NULL) {
            return APR_EINVAL;
        }
        next = memmem(s, (apr_size_t)(end - s), delim, delim_len);
        if (next == NULL) {
            *why = "The multipart body does not end with its closing "
                   "delimiter.";
            return APR_EINVAL;
        }
        if (h.is_file) {
            const char *name;

            if (memchr(h.name, '\0', h.name_len) != NULL) {
                *why = "A part's name holds a NUL byte.";
                return APR_EINVAL;
            }
            name = apr_pstrmemdup(p, h.name, h.name_len);
            APR_ARRAY_PUSH(mp->files, const char *) = name;
        }
        else if (leads_form_add(p, mp->form, h.name, h.name_len, s,
                                (apr_size_t)(next - s)) != APR_SUCCESS) {
            *why = "A part's name or value is not valid UTF-8 text.";
            return APR_EINVAL;
        }
        s = next + delim_len;
    }
    *out = mp;
    return APR_SUCCESS;
}
