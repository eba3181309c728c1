/* The webhook SSRF guard's address classification: prefix tables from the
 * IANA special-purpose address registries, checked in order. */
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <apr_strings.h>

#include "leads_addr.h"

/* An address prefix: the leading `bits` of `prefix` (network order;
 * bytes past the prefix are zero). */
typedef struct {
    unsigned char prefix[16];
    unsigned bits;
    leads_addr_class_t cls;
} addr_range_t;

/* First match wins, so narrower ranges come before wider ones. */
static const addr_range_t v4_ranges[] = {
    { { 255, 255, 255, 255 }, 32, LEADS_ADDR_BROADCAST },
    { { 0 },                   8, LEADS_ADDR_UNSPECIFIED },
    { { 10 },                  8, LEADS_ADDR_PRIVATE },
    { { 100, 64 },            10, LEADS_ADDR_CGNAT },
    { { 127 },                 8, LEADS_ADDR_LOOPBACK },
    { { 169, 254 },           16, LEADS_ADDR_LINK_LOCAL },
    { { 172, 16 },            12, LEADS_ADDR_PRIVATE },
    { { 192, 0, 0 },          24, LEADS_ADDR_RESERVED },  /* IETF protocol */
    { { 192, 0, 2 },          24, LEADS_ADDR_DOCUMENTATION },
    { { 192, 168 },           16, LEADS_ADDR_PRIVATE },
    { { 198, 18 },            15, LEADS_ADDR_RESERVED },  /* benchmarking */
    { { 198, 51, 100 },       24, LEADS_ADDR_DOCUMENTATION },
    { { 203, 0, 113 },        24, LEADS_ADDR_DOCUMENTATION },
    { { 224 },                 4, LEADS_ADDR_MULTICAST },
    { { 240 },                 4, LEADS_ADDR_RESERVED },
};

static const addr_range_t v6_ranges[] = {
    { { 0 },                                        128,
      LEADS_ADDR_UNSPECIFIED },
    { { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 }, 128,
      LEADS_ADDR_LOOPBACK },
    /* 64:ff9b:1::/48, local-use NAT64 (RFC 8215): behind it is whatever
     * the site chose, so treat it as the site's own network. */
    { { 0x00, 0x64, 0xff, 0x9b, 0x00, 0x01 },       48, LEADS_ADDR_PRIVATE },
    /* 2001::/23, IETF protocol assignments (Teredo, ORCHID, ...) */
    { { 0x20, 0x01 },                               23, LEADS_ADDR_RESERVED },
    { { 0x20, 0x01, 0x0d, 0xb8 },                   32,
      LEADS_ADDR_DOCUMENTATION },
    { { 0x3f, 0xff },                               20,
      LEADS_ADDR_DOCUMENTATION },
    { { 0xfc },                                      7, LEADS_ADDR_PRIVATE },
    { { 0xfe, 0x80 },                               10,
      LEADS_ADDR_LINK_LOCAL },
    { { 0xfe, 0xc0 },                               10, LEADS_ADDR_PRIVATE },
    { { 0xff },                                      8,
      LEADS_ADDR_MULTICAST },
};

/* IPv6 prefixes whose addresses reach an IPv4 address written inside them,
 * and where that address starts. */
typedef struct {
    unsigned char prefix[16];
    unsigned bits;
    unsigned v4_offset;
} v6_embedding_t;

static const v6_embedding_t v6_embeddings[] = {
    /* ::ffff:0:0/96, IPv4-mapped: the kernel connects over IPv4 */
    { { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff }, 96, 12 },
    /* 64:ff9b::/96, well-known NAT64: the translator connects over IPv4 */
    { { 0x00, 0x64, 0xff, 0x9b },                  96, 12 },
    /* 2002::/16, 6to4: a relay forwards to the IPv4 address */
    { { 0x20, 0x02 },                              16,  2 },
};

static int prefix_match(const unsigned char *addr,
                        const unsigned char *prefix, unsigned bits)
{
    unsigned whole = bits / 8, rest = bits % 8;
    unsigned char mask;

    if (memcmp(addr, prefix, whole) != 0) {
        return 0;
    }
    if (rest == 0) {
        return 1;
    }
    mask = (unsigned char)(0xFF << (8 - rest));
    return (addr[whole] & mask) == (prefix[whole] & mask);
}

static leads_addr_class_t classify_in(const addr_range_t *ranges,
                                      apr_size_t n,
                                      const unsigned char *addr,
                                      leads_addr_class_t otherwise)
{
    apr_size_t i;

    for (i = 0; i < n; i++) {
        if (prefix_match(addr, ranges[i].prefix, ranges[i].bits)) {
            return ranges[i].cls;
        }
    }
    return otherwise;
}

static leads_addr_class_t classify_v4(const unsigned char a[4])
{
    return classify_in(v4_ranges, sizeof(v4_ranges) / sizeof(v4_ranges[0]),
                       a, LEADS_ADDR_PUBLIC);
}

/* Global unicast is 2000::/3; what lies outside it and is not named in
 * the table (::/8 beyond ::1 and ::, 100::/64 discard, ...) is no place
 * to send a webhook, so the fallback there is "reserved". */
static leads_addr_class_t classify_v6(const unsigned char a[16])
{
    apr_size_t i;

    for (i = 0; i < sizeof(v6_embeddings) / sizeof(v6_embeddings[0]); i++) {
        if (prefix_match(a, v6_embeddings[i].prefix,
                         v6_embeddings[i].bits)) {
            return classify_v4(a + v6_embeddings[i].v4_offset);
        }
    }
    return classify_in(v6_ranges, sizeof(v6_ranges) / sizeof(v6_ranges[0]),
                       a, (a[0] & 0xE0) == 0x20 ? LEADS_ADDR_PUBLIC
                                                : LEADS_ADDR_RESERVED);
}

leads_addr_class_t leads_addr_classify(const struct sockaddr *sa,
                                       socklen_t salen)
{
    struct sockaddr_in sin;
    struct sockaddr_in6 sin6;

    /* Copied out: the caller's buffer need not be aligned for the
     * family's struct. */
    if (sa == NULL || salen < (socklen_t)sizeof(sa->sa_family)) {
        return LEADS_ADDR_NOT_IP;
    }
    if (sa->sa_family == AF_INET && salen >= (socklen_t)sizeof(sin)) {
        memcpy(&sin, sa, sizeof(sin));
        return classify_v4((const unsigned char *)&sin.sin_addr);
    }
    if (sa->sa_family == AF_INET6 && salen >= (socklen_t)sizeof(sin6)) {
        memcpy(&sin6, sa, sizeof(sin6));
        return classify_v6(sin6.sin6_addr.s6_addr);
    }
    return LEADS_ADDR_NOT_IP;
}

const char *leads_addr_class_name(leads_addr_class_t cls)
{
    switch (cls) {
    case LEADS_ADDR_PUBLIC:        return "public";
    case LEADS_ADDR_LOOPBACK:      return "loopback";
    case LEADS_ADDR_PRIVATE:       return "private";
    case LEADS_ADDR_LINK_LOCAL:    return "link-local";
    case LEADS_ADDR_CGNAT:         return "cgnat";
    case LEADS_ADDR_UNSPECIFIED:   return "unspecified";
    case LEADS_ADDR_MULTICAST:     return "multicast";
    case LEADS_ADDR_BROADCAST:     return "broadcast";
    case LEADS_ADDR_DOCUMENTATION: return "documentation";
    case LEADS_ADDR_RESERVED:      return "reserved";
    case LEADS_ADDR_NOT_IP:        return "not-ip";
    }
    return "not-ip";
}

const char *leads_addr_refusal(const struct sockaddr *sa, socklen_t salen,
                               int allow_private)
{
    leads_addr_class_t cls = leads_addr_classify(sa, salen);

    switch (cls) {
    case LEADS_ADDR_PUBLIC:
        return NULL;
    case LEADS_ADDR_LOOPBACK:
    case LEADS_ADDR_PRIVATE:
    case LEADS_ADDR_LINK_LOCAL:
    case LEADS_ADDR_CGNAT:
        return allow_private ? NULL : leads_addr_class_name(cls);
    default:
        return leads_addr_class_name(cls);
    }
}

const char *leads_addr_text(apr_pool_t *p, const struct sockaddr *sa,
                            socklen_t salen)
{
    char buf[INET6_ADDRSTRLEN];
    struct sockaddr_in sin;
    struct sockaddr_in6 sin6;
    const char *text = NULL;

    if (leads_addr_classify(sa, salen) == LEADS_ADDR_NOT_IP) {
        return "?";
    }
    if (sa->sa_family == AF_INET) {
        memcpy(&sin, sa, sizeof(sin));
        text = inet_ntop(AF_INET, &sin.sin_addr, buf, sizeof(buf));
    }
    else {
        memcpy(&sin6, sa, sizeof(sin6));
        text = inet_ntop(AF_INET6, &sin6.sin6_addr, buf, sizeof(buf));
    }
    return text != NULL ? apr_pstrdup(p, text) : "?";
}
