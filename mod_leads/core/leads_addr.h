/* The webhook SSRF guard's address classification (docs/api.md §9.6): is the
 * address a delivery is about to connect to a public one?
 *
 * It judges the address actually connected to, so the deliverer calls it
 * from libcurl's CURLOPT_OPENSOCKETFUNCTION callback with
 * (&curl_sockaddr->addr, curl_sockaddr->addrlen); an apr_sockaddr_t gives
 * (&sa->sa.sin, sa->salen). No curl or httpd types here. IPv6 forms that
 * carry an IPv4 address (::ffff:a.b.c.d, NAT64 64:ff9b::/96, 6to4
 * 2002::/16) are judged by that IPv4 address. */
#ifndef LEADS_ADDR_H
#define LEADS_ADDR_H

#include <sys/types.h>
#include <sys/socket.h>

#include <apr_pools.h>

typedef enum {
    LEADS_ADDR_PUBLIC = 0,
    LEADS_ADDR_LOOPBACK,        /* 127/8, ::1 */
    LEADS_ADDR_PRIVATE,         /* RFC 1918, fc00::/7, fec0::/10 */
    LEADS_ADDR_LINK_LOCAL,      /* 169.254/16, fe80::/10 */
    LEADS_ADDR_CGNAT,           /* 100.64/10, shared address space */
    LEADS_ADDR_UNSPECIFIED,     /* 0/8, :: */
    LEADS_ADDR_MULTICAST,       /* 224/4, ff00::/8 */
    LEADS_ADDR_BROADCAST,       /* 255.255.255.255 */
    LEADS_ADDR_DOCUMENTATION,   /* TEST-NET-1/2/3, 2001:db8::/32, 3fff::/20 */
    LEADS_ADDR_RESERVED,        /* 240/4, benchmarking, IETF blocks, any
                                   IPv6 outside 2000::/3 not named above */
    LEADS_ADDR_NOT_IP           /* not AF_INET/AF_INET6, or too short */
} leads_addr_class_t;

/* What kind of address `sa` (`salen` bytes) is. */
leads_addr_class_t leads_addr_classify(const struct sockaddr *sa,
                                       socklen_t salen);

/* A short name for attempt records and logs: "public", "loopback",
 * "private", "link-local", "cgnat", "unspecified", "multicast",
 * "broadcast", "documentation", "reserved", "not-ip". */
const char *leads_addr_class_name(leads_addr_class_t cls);

/* NULL when a delivery may connect to `sa`, else the reason it may not
 * (a leads_addr_class_name()). Only public addresses are allowed, unless
 * `allow_private` (LeadsWebhookAllowPrivate On) also lets loopback,
 * private, link-local and CGNAT addresses through; unspecified, multicast,
 * broadcast, documentation and reserved ones are never allowed. */
const char *leads_addr_refusal(const struct sockaddr *sa, socklen_t salen,
                               int allow_private);

/* The address as text ("10.0.0.1", "::ffff:10.0.0.1"), port left out, for
 * the attempt record; "?" when it is not an IP address. */
const char *leads_addr_text(apr_pool_t *p, const struct sockaddr *sa,
                            socklen_t salen);

#endif
