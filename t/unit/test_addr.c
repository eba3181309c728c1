/* The webhook SSRF guard: which addresses a delivery may connect to. */
#include <stdio.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/un.h>

#include <apr_general.h>
#include <apr_network_io.h>
#include <apr_pools.h>

#include "leads_addr.h"
#include "tap.h"

/* Room for either family, as libcurl's struct curl_sockaddr has. */
typedef union {
    struct sockaddr sa;
    struct sockaddr_in sin;
    struct sockaddr_in6 sin6;
} any_addr_t;

/* `text` (an IPv4 or IPv6 literal) as a sockaddr on port 443; returns
 * its length, 0 when the literal does not parse. */
static socklen_t addr_of(const char *text, any_addr_t *a)
{
    memset(a, 0, sizeof(*a));
    if (inet_pton(AF_INET, text, &a->sin.sin_addr) == 1) {
        a->sin.sin_family = AF_INET;
        a->sin.sin_port = htons(443);
        return sizeof(a->sin);
    }
    if (inet_pton(AF_INET6, text, &a->sin6.sin6_addr) == 1) {
        a->sin6.sin6_family = AF_INET6;
        a->sin6.sin6_port = htons(443);
        return sizeof(a->sin6);
    }
    return 0;
}

static const char *class_of(const char *text)
{
    any_addr_t a;
    socklen_t len = addr_of(text, &a);

    return len > 0 ? leads_addr_class_name(leads_addr_classify(&a.sa, len))
                   : "literal did not parse";
}

static const struct {
    const char *addr, *cls;
} cases[] = {
    /* IPv4 public */
    { "8.8.8.8",                 "public" },
    { "1.1.1.1",                 "public" },
    { "93.184.216.34",           "public" },
    { "9.255.255.255",           "public" },        /* just below 10/8 */
    { "11.0.0.0",                "public" },        /* just above */
    { "100.63.255.255",          "public" },        /* below 100.64/10 */
    { "100.128.0.0",             "public" },        /* above */
    { "172.15.255.255",          "public" },        /* below 172.16/12 */
    { "172.32.0.0",              "public" },        /* above */
    { "192.167.255.255",         "public" },
    { "192.169.0.0",             "public" },
    { "169.253.255.255",         "public" },
    { "198.17.255.255",          "public" },
    { "198.20.0.0",              "public" },        /* above 198.18/15 */
    { "223.255.255.255",         "public" },        /* below 224/4 */
    { "1.0.0.0",                 "public" },        /* above 0/8 */
    /* IPv4 refused */
    { "127.0.0.1",               "loopback" },
    { "127.255.255.254",         "loopback" },
    { "10.0.0.1",                "private" },
    { "10.255.255.255",          "private" },
    { "172.16.0.1",              "private" },
    { "172.31.255.255",          "private" },
    { "192.168.1.1",             "private" },
    { "169.254.169.254",         "link-local" },    /* cloud metadata */
    { "169.254.0.1",             "link-local" },
    { "100.64.0.1",              "cgnat" },
    { "100.127.255.255",         "cgnat" },
    { "0.0.0.0",                 "unspecified" },
    { "0.1.2.3",                 "unspecified" },
    { "224.0.0.1",               "multicast" },
    { "239.255.255.250",         "multicast" },
    { "255.255.255.255",         "broadcast" },
    { "240.0.0.1",               "reserved" },
    { "255.255.255.254",         "reserved" },
    { "192.0.0.8",               "reserved" },
    { "198.18.0.1",              "reserved" },
    { "198.19.255.255",          "reserved" },
    { "192.0.2.1",               "documentation" },
    { "198.51.100.7",            "documentation" },
    { "203.0.113.200",           "documentation" },
    /* IPv6 public */
    { "2606:4700:4700::1111",    "public" },
    { "2001:4860:4860::8888",    "public" },
    { "2a00:1450:4001:81b::200e", "public" },
    { "2001:200::1",             "public" },        /* just past 2001::/23 */
    { "3ffe::1",                 "public" },
    { "::ffff:8.8.8.8",          "public" },        /* mapped public */
    { "64:ff9b::808:808",        "public" },        /* NAT64 of 8.8.8.8 */
    { "2002:808:808::1",         "public" },        /* 6to4 of 8.8.8.8 */
    /* IPv6 refused */
    { "::1",                     "loopback" },
    { "::",                      "unspecified" },
    { "fc00::1",                 "private" },
    { "fd12:3456:789a::1",       "private" },
    { "fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "private" },
    { "fec0::1",                 "private" },       /* old site-local */
    { "fe80::1",                 "link-local" },
    { "febf:ffff::1",            "link-local" },
    { "ff02::1",                 "multicast" },
    { "ff05::1:3",               "multicast" },
    { "2001:db8::1",             "documentation" },
    { "3fff::1",                 "documentation" },
    { "2001::1",                 "reserved" },      /* Teredo */
    { "2001:2::1",               "reserved" },      /* benchmarking */
    { "100::1",                  "reserved" },      /* discard */
    { "::2",                     "reserved" },
    { "::10.0.0.1",              "reserved" },      /* IPv4-compatible */
    { "4000::1",                 "reserved" },      /* outside 2000::/3 */
    { "fb00::1",                 "reserved" },      /* just below fc00::/7 */
    /* IPv4 inside IPv6: judged by the IPv4 address */
    { "::ffff:127.0.0.1",        "loopback" },
    { "::ffff:10.0.0.1",         "private" },
    { "::ffff:192.168.0.10",     "private" },
    { "::ffff:169.254.169.254",  "link-local" },
    { "::ffff:100.64.1.1",       "cgnat" },
    { "::ffff:0.0.0.0",          "unspecified" },
    { "::ffff:224.0.0.1",        "multicast" },
    { "::ffff:255.255.255.255",  "broadcast" },
    { "::ffff:7f00:1",           "loopback" },      /* same, hex form */
    { "64:ff9b::7f00:1",         "loopback" },      /* NAT64 of 127.0.0.1 */
    { "64:ff9b::a00:1",          "private" },       /* NAT64 of 10.0.0.1 */
    { "64:ff9b:1::1",            "private" },       /* local-use NAT64 */
    { "2002:7f00:1::",           "loopback" },      /* 6to4 of 127.0.0.1 */
    { "2002:c0a8:101::1",        "private" },       /* 6to4 of 192.168.1.1 */
    { "2002:a9fe:a9fe::",        "link-local" },
};

static void test_classes(void)
{
    char name[96];
    apr_size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        snprintf(name, sizeof(name), "%s is %s", cases[i].addr,
                 cases[i].cls);
        is_str(class_of(cases[i].addr), cases[i].cls, name);
    }
}

static const char *refusal(const char *text, int allow_private)
{
    any_addr_t a;
    socklen_t len = addr_of(text, &a);

    return leads_addr_refusal(&a.sa, len, allow_private);
}

static void test_refusal(void)
{
    ok(refusal("8.8.8.8", 0) == NULL, "public v4 allowed");
    ok(refusal("2606:4700:4700::1111", 0) == NULL, "public v6 allowed");
    is_str(refusal("127.0.0.1", 0), "loopback", "loopback refused");
    is_str(refusal("10.1.2.3", 0), "private", "private refused");
    is_str(refusal("fe80::1", 0), "link-local", "link-local refused");
    is_str(refusal("100.64.0.1", 0), "cgnat", "CGNAT refused");
    is_str(refusal("::ffff:10.0.0.1", 0), "private",
           "mapped private refused");
    is_str(refusal("0.0.0.0", 0), "unspecified", "unspecified refused");

    ok(refusal("127.0.0.1", 1) == NULL, "AllowPrivate: loopback allowed");
    ok(refusal("::1", 1) == NULL, "AllowPrivate: ::1 allowed");
    ok(refusal("192.168.0.2", 1) == NULL, "AllowPrivate: private allowed");
    ok(refusal("fd00::2", 1) == NULL, "AllowPrivate: ULA allowed");
    ok(refusal("169.254.1.1", 1) == NULL,
       "AllowPrivate: link-local allowed");
    ok(refusal("100.100.0.1", 1) == NULL, "AllowPrivate: CGNAT allowed");
    ok(refusal("8.8.8.8", 1) == NULL, "AllowPrivate: public still allowed");
    is_str(refusal("0.0.0.0", 1), "unspecified",
           "AllowPrivate: unspecified still refused");
    is_str(refusal("::", 1), "unspecified",
           "AllowPrivate: :: still refused");
    is_str(refusal("224.0.0.1", 1), "multicast",
           "AllowPrivate: multicast still refused");
    is_str(refusal("255.255.255.255", 1), "broadcast",
           "AllowPrivate: broadcast still refused");
    is_str(refusal("192.0.2.1", 1), "documentation",
           "AllowPrivate: documentation still refused");
    is_str(refusal("240.0.0.1", 1), "reserved",
           "AllowPrivate: reserved still refused");
}

static void test_not_ip(void)
{
    any_addr_t a;
    struct sockaddr_un un;
    socklen_t len;

    len = addr_of("8.8.8.8", &a);
    is_str(leads_addr_class_name(leads_addr_classify(&a.sa, len - 1)),
           "not-ip", "sockaddr_in one byte short");
    len = addr_of("2606:4700:4700::1111", &a);
    is_str(leads_addr_class_name(
               leads_addr_classify(&a.sa, sizeof(struct sockaddr_in))),
           "not-ip", "AF_INET6 with an IPv4 length");
    is_str(leads_addr_class_name(leads_addr_classify(NULL, 16)), "not-ip",
           "NULL address");
    is_str(leads_addr_class_name(leads_addr_classify(&a.sa, 0)), "not-ip",
           "zero length");
    memset(&un, 0, sizeof(un));
    un.sun_family = AF_UNIX;
    is_str(leads_addr_refusal((struct sockaddr *)&un, sizeof(un), 1),
           "not-ip", "AF_UNIX refused, even with AllowPrivate");
    a.sa.sa_family = AF_UNSPEC;
    is_str(leads_addr_refusal(&a.sa, sizeof(a), 0), "not-ip",
           "AF_UNSPEC refused");
}

static void test_names(void)
{
    is_str(leads_addr_class_name(LEADS_ADDR_PUBLIC), "public", "name: public");
    is_str(leads_addr_class_name((leads_addr_class_t)99), "not-ip",
           "name: out-of-range value");
}

static void test_text(apr_pool_t *p)
{
    any_addr_t a;
    socklen_t len;

    len = addr_of("10.0.0.1", &a);
    is_str(leads_addr_text(p, &a.sa, len), "10.0.0.1", "text of v4");
    len = addr_of("FE80::0:1", &a);
    is_str(leads_addr_text(p, &a.sa, len), "fe80::1", "text of v6");
    len = addr_of("::ffff:10.0.0.1", &a);
    is_str(leads_addr_text(p, &a.sa, len), "::ffff:10.0.0.1",
           "text of mapped v4");
    is_str(leads_addr_text(p, &a.sa, 3), "?", "text of a short address");
}

/* An apr_sockaddr_t, as apr_sockaddr_info_get() fills it, goes in by its
 * embedded sockaddr. */
static void test_apr_sockaddr(apr_pool_t *p)
{
    apr_sockaddr_t *sa = NULL;

    if (apr_sockaddr_info_get(&sa, "127.0.0.1", APR_INET, 443, 0, p)
        != APR_SUCCESS || sa == NULL) {
        ok(0, "apr_sockaddr_info_get(127.0.0.1)");
        return;
    }
    is_str(leads_addr_refusal((const struct sockaddr *)&sa->sa.sin,
                              sa->salen, 0),
           "loopback", "apr_sockaddr_t of 127.0.0.1: loopback");
    if (apr_sockaddr_info_get(&sa, "fd00::5", APR_INET6, 443, 0, p)
        != APR_SUCCESS || sa == NULL) {
        ok(0, "apr_sockaddr_info_get(fd00::5)");
        return;
    }
    is_str(leads_addr_refusal((const struct sockaddr *)&sa->sa.sin6,
                              sa->salen, 0),
           "private", "apr_sockaddr_t of fd00::5: private");
}

int main(void)
{
    apr_pool_t *p;

    apr_initialize();
    apr_pool_create(&p, NULL);
    test_classes();
    test_refusal();
    test_not_ip();
    test_names();
    test_text(p);
    test_apr_sockaddr(p);
    apr_pool_destroy(p);
    apr_terminate();
    return tap_done();
}
