/* Form bodies (docs/api.md §6.2): application/x-www-form-urlencoded decoding. */
#include <string.h>

#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>

#include "leads_form.h"
#include "tap.h"

/* Every pair as "name=value|…", or "EINVAL" when the body is refused. */
static const char *pairs_of(apr_pool_t *p, const char *body)
{
    leads_form_t *form = NULL;
    const char *s = "";
    apr_status_t rv;
    int i;

    rv = leads_form_parse(p, body, strlen(body), &form);
    if (rv != APR_SUCCESS) {
        return rv == APR_EINVAL && form == NULL ? "EINVAL" : "other error";
    }
    for (i = 0; i < form->pairs->nelts; i++) {
        const leads_form_pair_t *pair =
            &APR_ARRAY_IDX(form->pairs, i, leads_form_pair_t);

        s = apr_pstrcat(p, s, i ? "|" : "", pair->name, "=", pair->value,
                        NULL);
    }
    return s;
}

static void test_decoding(apr_pool_t *p)
{
    is_str(pairs_of(p, "first_name=Ada&last_name=Lovelace"),
           "first_name=Ada|last_name=Lovelace", "plain pairs, in order");
    is_str(pairs_of(p, "name=Ada+King"), "name=Ada King", "'+' is a space");
    is_str(pairs_of(p, "name=Ada%20King%2B1"), "name=Ada King+1",
           "%20 is a space, %2B a plus");
    is_str(pairs_of(p, "name=Zo%C3%AB&city=S%c3%a3o+Paulo"),
           "name=Zoë|city=São Paulo", "UTF-8 escapes, either hex case");
    is_str(pairs_of(p, "x=%F0%9F%98%80"), "x=😀", "four-byte sequence");
    is_str(pairs_of(p, "x=日本"), "x=日本", "raw UTF-8 bytes kept");
    is_str(pairs_of(p, "contact%2Eemail=a%40b.co"), "contact.email=a@b.co",
           "names are decoded too");
    is_str(pairs_of(p, "a=1=2"), "a=1=2", "only the first '=' splits");
    is_str(pairs_of(p, "note=line1%0D%0Aline2"), "note=line1\r\nline2",
           "CRLF decoded (the validator decides about it)");
}

static void test_shapes(apr_pool_t *p)
{
    is_str(pairs_of(p, ""), "", "empty body: no pairs");
    is_str(pairs_of(p, "&&a=1&&&b=2&"), "a=1|b=2", "empty pairs skipped");
    is_str(pairs_of(p, "a=&b=2"), "a=|b=2", "empty value");
    is_str(pairs_of(p, "subscribe&b=2"), "subscribe=|b=2",
           "name without '=' has the value \"\"");
    is_str(pairs_of(p, "=x"), "=x", "empty name kept");
    is_str(pairs_of(p, "a=1&b=2&a=3"), "a=1|b=2", "repeated name keeps first");
    is_str(pairs_of(p, "a&a=2"), "a=", "first even when it has no '='");
    is_str(pairs_of(p, "Email=x&email=y"), "Email=x|email=y",
           "names are case-sensitive");
}

static void test_refused(apr_pool_t *p)
{
    is_str(pairs_of(p, "a=%G1"), "EINVAL", "%G1: not hex");
    is_str(pairs_of(p, "a=%1"), "EINVAL", "truncated escape at the end");
    is_str(pairs_of(p, "a=%"), "EINVAL", "lone '%' at the end");
    is_str(pairs_of(p, "a=%&b=1"), "EINVAL", "'%' before '&'");
    is_str(pairs_of(p, "a%zz=1"), "EINVAL", "bad escape in a name");
    is_str(pairs_of(p, "a=%C3"), "EINVAL", "truncated UTF-8 sequence");
    is_str(pairs_of(p, "a=%FF"), "EINVAL", "byte that is never UTF-8");
    is_str(pairs_of(p, "a=%C0%AF"), "EINVAL", "overlong encoding");
    is_str(pairs_of(p, "a=%ED%A0%80"), "EINVAL", "UTF-16 surrogate");
    is_str(pairs_of(p, "a=\xE9t\xE9"), "EINVAL", "raw Latin-1 bytes");
    is_str(pairs_of(p, "%E9=1"), "EINVAL", "invalid UTF-8 in a name");
    is_str(pairs_of(p, "a=x%00y"), "EINVAL", "%00 in a value");
    is_str(pairs_of(p, "a%00=1"), "EINVAL", "%00 in a name");
    is_str(pairs_of(p, "ok=1&bad=%G0&a=1"), "EINVAL",
           "one bad pair refuses the whole body");
}

static void test_raw_nul_and_length(apr_pool_t *p)
{
    static const char body[] = "a=1\0b&c=2";
    leads_form_t *form = NULL;

    is_int(leads_form_parse(p, body, sizeof(body) - 1, &form), APR_EINVAL,
           "raw NUL byte inside the body refused");
    is_int(leads_form_parse(p, "a=1&b=2", 3, &form), APR_SUCCESS,
           "only `len` bytes are read");
    is_int(form->pairs->nelts, 1, "one pair within len");
    is_str(leads_form_get(form, "b"), NULL, "nothing past len");
    is_int(leads_form_parse(p, NULL, 0, &form), APR_SUCCESS,
           "NULL body of length 0");
    is_int(form->pairs->nelts, 0, "no pairs");
}

static void test_get(apr_pool_t *p)
{
    leads_form_t *form = NULL;
    const char *body = "email=a%40b.co&Phone=1&email=c@d.co&empty=";

    leads_form_parse(p, body, strlen(body), &form);
    is_str(leads_form_get(form, "email"), "a@b.co", "get: first value");
    is_str(leads_form_get(form, "Phone"), "1", "get: exact name");
    is_str(leads_form_get(form, "phone"), NULL, "get: no case folding");
    is_str(leads_form_get(form, "empty"), "", "get: empty value");
    is_str(leads_form_get(form, "missing"), NULL, "get: missing -> NULL");
}

int main(void)
{
    apr_pool_t *p;

    apr_initialize();
    apr_pool_create(&p, NULL);
    test_decoding(p);
    test_shapes(p);
    test_refused(p);
    test_raw_nul_and_length(p);
    test_get(p);
    apr_pool_destroy(p);
    apr_terminate();
    return tap_done();
}
