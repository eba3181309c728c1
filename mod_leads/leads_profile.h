/* What a create needs to know about a firm: its first open stage, its data
 * fields and its members. Cached per child for LeadsCacheTTL
 * (docs/directives.md §3.2);
 * keys, sources and webhook endpoints never are, so revocation and
 * subscription changes are immediate. */
#ifndef LEADS_PROFILE_H
#define LEADS_PROFILE_H

#include "httpd.h"

#include "leads_store.h"

typedef struct {
    const char *stage_id;               /* NULL: no open stage */
    const char *stage_key;
    const char *stage_name;
    apr_array_header_t *fields;         /* leads_field_def_t */
    apr_hash_t *members;                /* member id -> "" */
} leads_profile_t;

/* child_init: the cache's pool and lock. */
void leads_profile_child_init(apr_pool_t *pchild, server_rec *s);

/* The firm's profile, valid for the life of r->pool. */
apr_status_t leads_profile_get(request_rec *r, leads_db_t *db,
                               const char *firm_id, apr_interval_time_t ttl,
                               const leads_profile_t **out);

#endif
