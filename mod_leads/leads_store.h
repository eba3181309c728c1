/* Database access for the request path, through mod_dbd's pool.
 * Statements are prepared once per pooled connection, on first use. */
#ifndef LEADS_STORE_H
#define LEADS_STORE_H

#include "httpd.h"
#include "apr_dbd.h"
#include "apr_hash.h"

#include "leads_dialect.h"
#include "leads_validate.h"

/* Outcomes beyond APR_SUCCESS. */
#define LEADS_DB_DOWN       (APR_OS_START_USERERR + 1)  /* -> 503 */
#define LEADS_DB_FAILED     (APR_OS_START_USERERR + 2)  /* -> 500 */
#define LEADS_DB_NOT_FOUND  (APR_OS_START_USERERR + 3)

typedef struct leads_db leads_db_t;

/* Reach mod_dbd; call from post_config. Returns non-zero if it is loaded. */
int leads_store_init(void);

/* The request's pooled connection, or LEADS_DB_DOWN. */
apr_status_t leads_db_acquire(request_rec *r, leads_db_t **db);

typedef struct {
    const char *id;
    const char *firm_id;
    const char *scopes;
    int enabled;
} leads_key_row_t;

/* Look up an API key by the SHA-256 hex of its secret. */
apr_status_t leads_store_key_by_hash(leads_db_t *db, const char *hash,
                                     leads_key_row_t *out);

/* The firm's first open stage; LEADS_DB_NOT_FOUND when it has none. */
apr_status_t leads_store_first_open_stage(leads_db_t *db, apr_pool_t *p,
                                          const char *firm_id,
                                          const char **id, const char **key,
                                          const char **name);

/* The firm's fields, as leads_field_def_t, allocated in `p`. */
apr_status_t leads_store_fields(leads_db_t *db, apr_pool_t *p,
                                const char *firm_id,
                                apr_array_header_t **fields);

/* The firm's member ids (keys of the hash), allocated in `p`. */
apr_status_t leads_store_members(leads_db_t *db, apr_pool_t *p,
                                 const char *firm_id, apr_hash_t **members);

/* A lead ready to insert: everything the response shows. */
typedef struct {
    const char *id;
    const char *firm_id;
    const char *stage_id;
    const leads_lead_t *lead;
    const char *data_json;
    apr_time_t created_at;
} leads_new_lead_t;

/* Insert the lead in one transaction. */
apr_status_t leads_store_insert_lead(leads_db_t *db, const leads_new_lead_t *n);

#endif
