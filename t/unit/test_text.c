/* leads_text: trimming, code point counting, control characters, lists. */
#include <apr_general.h>
#include <apr_pools.h>

#include "leads_text.h"
#include "tap.h"

static void test_trim(apr_pool_t *p)
{
    is_str(leads_text_trim(p, "  Ada \t\r\n"), "Ada", "trim both ends");
    is_str(leads_text_trim(p, "Ada Lovelace"), "Ada Lovelace",
           "inner space kept");
    is_str(leads_text_trim(p, " \t\n "), "", "all white space -> empty");
    is_str(leads_text_trim(p, ""), "", "empty stays empty");
    is_str(leads_text_trim(p, "\xC2\xA0" "x" "\xC2\xA0"),
           "\xC2\xA0" "x" "\xC2\xA0", "non-ASCII space (NBSP) not trimmed");
    is_str(leads_text_trim(p, "\v\fé\f"), "é", "VT and FF trimmed");
}

static void test_length(void)
{
    is_int(leads_text_length(""), 0, "empty length 0");
    is_int(leads_text_length("abc"), 3, "ASCII length");
    is_int(leads_text_length("Zoë"), 3, "two-byte code point counts once");
    is_int(leads_text_length("日本語"), 3, "three-byte code points");
    is_int(leads_text_length("\xF0\x9F\x98\x80!"), 2, "emoji counts once");
}

static void test_control(void)
{
    ok(!leads_text_has_control("Ada Lovelace"), "plain text has none");
    ok(!leads_text_has_control("Zoë 日本 \xF0\x9F\x98\x80"),
       "non-Latin and emoji are not control");
    ok(leads_text_has_control("a\tb"), "tab is C0");
    ok(leads_text_has_control("a\nb"), "newline is C0");
    ok(leads_text_has_control("\x01"), "SOH is C0");
    ok(leads_text_has_control("a\x7F"), "DEL");
    ok(leads_text_has_control("a\xC2\x80"), "U+0080 is C1");
    ok(leads_text_has_control("a\xC2\x9F"), "U+009F is C1");
    ok(!leads_text_has_control("\xC2\xA0"), "U+00A0 is not C1");
    ok(!leads_text_has_control("\xC3\x80"), "U+00C0 is not C1");
}

static void test_in_list(void)
{
    static const char *const list[] = { "email", "phone", NULL };
    static const char *const none[] = { NULL };

    ok(leads_text_in_list(list, "phone"), "a listed string");
    ok(!leads_text_in_list(list, "Phone"), "exact: case counts");
    ok(!leads_text_in_list(list, "emai"), "exact: no prefix");
    ok(!leads_text_in_list(none, ""), "the empty list has nothing");
}

int main(void)
{
    apr_pool_t *p;

    apr_initialize();
    apr_pool_create(&p, NULL);
    test_trim(p);
    test_length();
    test_control();
    test_in_list();
    apr_pool_destroy(p);
    apr_terminate();
    return tap_done();
}
