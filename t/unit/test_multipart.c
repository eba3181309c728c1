/* Web forms (docs/api.md §10): multipart/form-data decoding, its boundary
 * parameter, and every limit of leads_multipart.h. */
#include <string.h>

#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>

#include "leads_multipart.h"
#include "tap.h"

#define B "AaB03x"

/* "name=value|…" then " files:a,b", or "EINVAL: <why>". */
static const char *parsed(apr_pool_t *p, const char *body, apr_size_t len)
{
    leads_multipart_t *mp;
    const char *why, *s = "";
    int i;

    if (leads_multipart_parse(p, B, body, len, &mp, &why) != APR_SUCCESS) {
        return mp == NULL && why ? "EINVAL" : "error without a reason";
    }
    for (i = 0; i < mp->form->pairs->nelts; i++) {
        const leads_form_pair_t *pair =
            &APR_ARRAY_IDX(mp->form->pairs, i, leads_form_pair_t);

        s = apr_pstrcat(p, s, i ? "|" : "", pair->name, "=", pair->value,
                        NULL);
    }
    if (mp->files->nelts) {
        s = apr_pstrcat(p, s, " files:",
                        apr_array_pstrcat(p, mp->files, ','), NULL);
    }
    return s;
}

static const char *parse(apr_pool_t *p, const char *body)
{
    return parsed(p, body, strlen(body));
}

#define PART(name, value) \
    "--" B "\r\nContent-Disposition: form-data; name=\"" name "\"\r\n\r\n" \
    value "\r\n"
#define END "--" B "--\r\n"

static void test_boundary(apr_pool_t *p)
{
    is_str(leads_multipart_boundary(p, "multipart/form-data; boundary=" B),
           B, "plain boundary");
    is_str(leads_multipart_boundary(p, "multipart/form-data; charset=utf-8;"
                                    " boundary=\"a b'c\""), "a b'c",
           "quoted, after another parameter");
    is_str(leads_multipart_boundary(p, "multipart/form-data; BOUNDARY=x;"
                                    " charset=utf-8"), "x",
           "any case, before another parameter");
    ok(leads_multipart_boundary(p, "multipart/form-data") == NULL,
       "no boundary");
    ok(leads_multipart_boundary(p, "multipart/form-data; boundary=") == NULL,
       "empty boundary");
    ok(leads_multipart_boundary(p, "multipart/form-data; boundary=\"x")
       == NULL, "unterminated quote");
    ok(leads_multipart_boundary(p, "multipart/form-data; boundary=a<b")
       == NULL, "a character outside RFC 2046's set");
    ok(leads_multipart_boundary(p, apr_pstrcat(p, "multipart/form-data; "
                                "boundary=", apr_psprintf(p, "%071d", 0),
                                NULL)) == NULL, "71 characters");
    ok(leads_multipart_boundary(p, apr_pstrcat(p, "multipart/form-data; "
                                "boundary=", apr_psprintf(p, "%070d", 0),
                                NULL)) != NULL, "70 characters");
}

static void test_parts(apr_pool_t *p)
{
    is_str(parse(p, PART("first_name", "Ada") PART("email", "a@b.example")
                    END),
           "first_name=Ada|email=a@b.example", "text parts in order");
    is_str(parse(p, PART("note", "line1\r\nline2") END),
           "note=line1\r\nline2", "a value with CRLF inside");
    is_str(parse(p, PART("a", "") END), "a=", "an empty value");
    is_str(parse(p, PART("a", "1") PART("a", "2") END), "a=1",
           "a repeated name keeps its first value");
    is_str(parse(p, PART("name", "Zoë 😀") END), "name=Zoë 😀", "UTF-8");
    is_str(parse(p, "preamble\r\n" PART("a", "1") END "epilogue"), "a=1",
           "preamble and epilogue ignored");
#define FILE_BODY "--" B "\r\nContent-Disposition: form-data;" \
    " name=\"cv\"; filename=\"cv.pdf\"\r\nContent-Type:" \
    " application/pdf\r\n\r\n%PDF\xff\x00\r\n" PART("a", "1") END
    is_str(parsed(p, FILE_BODY, sizeof(FILE_BODY) - 1),
           "a=1 files:cv", "a file part is named, not kept (binary ok)");
    is_str(parse(p, "--" B "\r\ncontent-disposition: FORM-DATA; NAME=x"
                    "\r\n\r\nv\r\n" END),
           "x=v", "header and parameter names in any case, unquoted name");
    is_str(parse(p, "--" B "  \r\nContent-Disposition: form-data;"
                    " name=\"a\"\r\nContent-Type: text/plain;"
                    " charset=utf-8\r\n\r\n1\r\n" END),
           "a=1", "transport padding, another header");
    is_str(parse(p, END), "", "no parts at all");
    is_str(parse(p, "--" B "\r\nContent-Disposition: form-data; name=\"docs\""
                    "\r\nContent-Type: multipart/mixed; boundary=inner\r\n\r\n"
                    "--inner\r\nContent-Disposition: file; filename=\"a.txt\""
                    "\r\n\r\nA\r\n--inner--\r\n" PART("a", "1") END),
           "a=1 files:docs", "a nested multipart (HTML 4's several files) is a file");
    is_str(parse(p, "--" B "\r\ncontent-type: Multipart/Mixed; boundary=i"
                    "\r\nContent-Disposition: form-data; name=\"docs\"\r\n\r\n"
                    "--i--\r\n" END),
           " files:docs", "... whichever header comes first");
}

static void test_refused(apr_pool_t *p)
{
    char *many = apr_pstrdup(p, "");
    char *big;
    int i;

    is_str(parse(p, "Content-Disposition: form-data; name=\"a\"\r\n\r\n1"),
           "EINVAL", "no delimiter");
    is_str(parse(p, PART("a", "1")), "EINVAL", "no closing delimiter");
    is_str(parse(p, "--" B "\r\nContent-Disposition: form-data; name=\"a\""
                    "\r\n\r\n1"), "EINVAL", "a part cut short");
    is_str(parse(p, "--" B "\r\nContent-Disposition: form-data; name=\"a\""),
           "EINVAL", "headers cut short");
    is_str(parse(p, "--" B "\r\nContent-Type: text/plain\r\n\r\n1\r\n" END),
           "EINVAL", "no Content-Disposition");
    is_str(parse(p, "--" B "\r\nContent-Disposition: form-data\r\n\r\n1\r\n"
                    END), "EINVAL", "no name");
    is_str(parse(p, "--" B "\r\nContent-Disposition: attachment;"
                    " name=\"a\"\r\n\r\n1\r\n" END), "EINVAL",
           "not form-data");
    is_str(parse(p, "--" B "\r\nContent-Disposition: form-data;"
                    " name=\"a\r\n\r\n1\r\n" END), "EINVAL",
           "an unterminated quoted name");
    is_str(parse(p, "--" B "\r\nContent-Disposition: form-data; name=\"a\""
                    "\r\n folded\r\n\r\n1\r\n" END), "EINVAL",
           "a folded header line");
    is_str(parse(p, "--" B "\r\nno colon here\r\n\r\n1\r\n" END), "EINVAL",
           "a header line without a colon");
    is_str(parse(p, "--" B "xx\r\n" END), "EINVAL",
           "a delimiter followed by other text");
    is_str(parse(p, PART("a", "\xc3\x28") END), "EINVAL", "invalid UTF-8");
    is_str(parsed(p, PART("a", "x\0y") END, sizeof(PART("a", "x\0y") END) - 1),
           "EINVAL", "a NUL byte in a value");
    for (i = 0; i < LEADS_MULTIPART_MAX_PARTS; i++) {
        many = apr_pstrcat(p, many, PART("a", "1"), NULL);
    }
    is_str(parse(p, apr_pstrcat(p, many, END, NULL)), "a=1",
           "LEADS_MULTIPART_MAX_PARTS parts");
    is_str(parse(p, apr_pstrcat(p, many, PART("b", "2") END, NULL)), "EINVAL",
           "one part more");
    many = apr_pstrdup(p, "--" B "\r\nContent-Disposition: form-data;"
                       " name=\"a\"\r\n");
    for (i = 0; i < LEADS_MULTIPART_MAX_HEADERS; i++) {
        many = apr_pstrcat(p, many, "X-A: b\r\n", NULL);
    }
    is_str(parse(p, apr_pstrcat(p, many, "\r\n1\r\n" END, NULL)), "EINVAL",
           "too many header lines");
    big = apr_psprintf(p, "--" B "\r\nContent-Disposition: form-data;"
                       " name=\"%0*d\"\r\n\r\n1\r\n" END,
                       LEADS_MULTIPART_MAX_HEADER_LINE, 0);
    is_str(parse(p, big), "EINVAL", "a header line over the limit");
    big = apr_psprintf(p, "--" B "\r\nContent-Disposition: form-data;"
                       " name=\"a\"\r\n\r\n%0*d\r\n" END, 1 << 20, 0);
    ok(strlen(parse(p, big)) == 2 + (1 << 20), "a 1 MB value is fine");
}

int main(void)
{
    apr_pool_t *p;

    apr_initialize();
    apr_pool_create(&p, NULL);
    test_boundary(p);
    test_parts(p);
    test_refused(p);
    apr_pool_destroy(p);
    apr_terminate();
    return tap_done();
}
