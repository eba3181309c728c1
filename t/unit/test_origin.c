/* Web forms (docs/api.md §10): which origins a form may list, and when a
 * browser's Origin header is one of them. */
#include <apr_general.h>
#include <apr_pools.h>

#include "leads_origin.h"
#include "tap.h"

static void test_issue(void)
{
    ok(leads_origin_issue("https://www.firm.example") == NULL, "https host");
    ok(leads_origin_issue("http://localhost:8080") == NULL, "http with port");
    ok(leads_origin_issue("https://[::1]:8443") == NULL, "IPv6 literal");
    ok(leads_origin_issue("HTTPS://Firm.Example") == NULL, "any case");
    ok(leads_origin_issue("https://www.firm.example/") != NULL,
       "a trailing slash");
    ok(leads_origin_issue("https://www.firm.example/contact") != NULL,
       "a path");
    ok(leads_origin_issue("www.firm.example") != NULL, "no scheme");
    ok(leads_origin_issue("ftp://firm.example") != NULL, "another scheme");
    ok(leads_origin_issue("null") != NULL, "null");
    ok(leads_origin_issue("https://") != NULL, "no host");
    ok(leads_origin_issue("https://user@firm.example") != NULL, "user info");
    ok(leads_origin_issue("https://firm.example:0") != NULL, "port 0");
    ok(leads_origin_issue("https://firm.example:65536") != NULL,
       "port too big");
    ok(leads_origin_issue("https://-firm.example") != NULL, "leading '-'");
    ok(leads_origin_issue("https://firm.example ") != NULL, "a space");
}

static void test_listed(apr_pool_t *p)
{
    const char *list = "https://www.firm.example http://localhost:8080";

    is_str(leads_origin_canonical(p, "HTTPS://WWW.Firm.Example:443"),
           "https://www.firm.example", "canonical: lowercase, no :443");
    is_str(leads_origin_canonical(p, "http://a.example:80"),
           "http://a.example", "canonical: no :80");
    is_str(leads_origin_canonical(p, "http://a.example:443"),
           "http://a.example:443", "canonical: :443 kept for http");
    ok(leads_origin_listed(p, list, "https://www.firm.example"), "listed");
    ok(leads_origin_listed(p, list, "http://localhost:8080"),
       "the second one");
    ok(leads_origin_listed(p, list, "https://WWW.firm.example:443"),
       "listed after canonicalisation");
    ok(!leads_origin_listed(p, list, "http://www.firm.example"),
       "another scheme");
    ok(!leads_origin_listed(p, list, "https://www.firm.example.evil.test"),
       "a longer host");
    ok(!leads_origin_listed(p, list, "https://firm.example"),
       "a parent domain");
    ok(!leads_origin_listed(p, list, "http://localhost:808"),
       "a port prefix");
    ok(!leads_origin_listed(p, list, "null"), "null");
    ok(!leads_origin_listed(p, list, NULL), "no Origin");
    ok(!leads_origin_listed(p, "", "https://www.firm.example"),
       "an empty list");
}

int main(void)
{
    apr_pool_t *p;

    apr_initialize();
    apr_pool_create(&p, NULL);
    test_issue();
    test_listed(p);
    apr_pool_destroy(p);
    apr_terminate();
    return tap_done();
}
