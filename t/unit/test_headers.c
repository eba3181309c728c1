/* Header syntax: Idempotency-Key (docs/api.md §5) and Content-Type matching. */
#include <string.h>

#include <apr_general.h>

#include "leads_headers.h"
#include "tap.h"

static void test_idempotency_key(void)
{
    char key[300];

    ok(leads_idempotency_key_valid("9d2b7c1e-5a4b-4c3d-8e2f-1a2b3c4d5e6f"),
       "a UUID is a valid key");
    ok(leads_idempotency_key_valid("a"), "one character");
    ok(leads_idempotency_key_valid("with space ~!"), "printable ASCII");
    ok(!leads_idempotency_key_valid(""), "empty is refused");
    ok(!leads_idempotency_key_valid("caf\xc3\xa9"), "non-ASCII is refused");
    ok(!leads_idempotency_key_valid("a\tb"), "a tab is refused");
    ok(!leads_idempotency_key_valid("a\x7f"), "DEL is refused");
    memset(key, 'k', 255);
    key[255] = '\0';
    ok(leads_idempotency_key_valid(key), "255 characters");
    key[255] = 'k';
    key[256] = '\0';
    ok(!leads_idempotency_key_valid(key), "256 characters are refused");
}

static void test_media_type(void)
{
    const char *json = "application/json";

    ok(leads_media_type_is("application/json", json), "exact");
    ok(leads_media_type_is("Application/JSON", json), "any case");
    ok(leads_media_type_is("application/json; charset=utf-8", json),
       "with a charset");
    ok(leads_media_type_is("  application/json ;charset=utf-8", json),
       "white space around");
    ok(!leads_media_type_is("application/jsonx", json), "a longer type");
    ok(!leads_media_type_is("application/json garbage", json),
       "words after it");
    ok(!leads_media_type_is("text/plain", json), "another type");
    ok(!leads_media_type_is("", json), "empty");
}

static void test_accept_prefers_html(void)
{
    ok(leads_accept_prefers_html("text/html,application/xhtml+xml,"
                                 "application/xml;q=0.9,*/*;q=0.8"),
       "a browser's form submission");
    ok(!leads_accept_prefers_html("*/*"), "fetch()'s default");
    ok(!leads_accept_prefers_html(NULL), "no Accept");
    ok(!leads_accept_prefers_html("application/json"), "JSON");
    ok(!leads_accept_prefers_html("application/json, text/html"),
       "JSON and HTML alike");
    ok(!leads_accept_prefers_html("text/html;q=0.5, application/json"),
       "HTML below JSON");
    ok(leads_accept_prefers_html("application/json;q=0.2, Text/HTML"),
       "HTML above JSON, any case");
    ok(!leads_accept_prefers_html("text/html;q=0"), "HTML refused");
    ok(!leads_accept_prefers_html("text/htmlx"), "not text/html");
}

int main(void)
{
    apr_initialize();
    test_idempotency_key();
    test_media_type();
    test_accept_prefers_html();
    apr_terminate();
    return tap_done();
}
