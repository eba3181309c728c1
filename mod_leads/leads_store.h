/* What mod_leads reads and writes, over leads_db: keys, a firm's profile,
 * the create transaction and Idempotency-Key records. */
#ifndef LEADS_STORE_H
#define LEADS_STORE_H

#include "apr_hash.h"
#include "apr_tables.h"

#include "leads_db.h"
#include "leads_validate.h"

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

/* An Idempotency-Key record: the first answer, kept for replays. */
typedef struct {
    const char *scope;                  /* "firm:<id>" or "source:<id>" */
    const char *key_hash;               /* SHA-256 hex of the header value */
    const char *fingerprint;            /* SHA-256 hex of the canonical body */
    int status;
    const char *body;
    const char *ignored;                /* Lawfficient-Ignored-Fields, or "" */
    apr_time_t expires_at;
} leads_idem_t;

/* The live record for scope + key hash (an expired one is deleted and not
 * returned): APR_SUCCESS with *out filled, or LEADS_DB_NOT_FOUND. */
apr_status_t leads_store_idem_get(leads_db_t *db, const char *scope,
                                  const char *key_hash, apr_time_t now,
                                  leads_idem_t *out);

/* Delete up to 1000 expired records; *purged says how many went. */
apr_status_t leads_store_idem_purge(leads_db_t *db, apr_time_t now,
                                    int *purged);

/* A lead ready to insert: everything the response shows. */
typedef struct {
    const char *id;
    const char *firm_id;
    const char *stage_id;
    const leads_lead_t *lead;
    const char *data_json;
    apr_time_t created_at;
    const char *source_id;              /* ingestion mode, else NULL */
    const char *external_id;            /* dedupe key, or NULL */
    const leads_idem_t *idem;           /* stored with the lead, or NULL */
    const char *event_id;               /* its lead.created event */
    const char *event_body;
    const char *lease_owner;            /* fresh deliveries leased to, or
                                           NULL: written unleased */
    apr_time_t lease_until;
    int deliveries;                     /* out: outbox rows written */
    int unsure;                         /* out: a write's answer was lost */
} leads_new_lead_t;

/* Give up the leases of the deliveries of `event_id` held by `owner`: the
 * ring could not take the event after all. */
apr_status_t leads_store_unlease_event(leads_db_t *db, const char *event_id,
                                       const char *owner);

/* Insert the lead, its Idempotency-Key record and one outbox row per
 * subscribed endpoint in one transaction. LEADS_DB_CONFLICT: another
 * request holds the key (this one waited for it to finish: look the record
 * up again). LEADS_DB_DUPLICATE: the source already has a lead with this
 * external id. */
apr_status_t leads_store_create_lead(leads_db_t *db, leads_new_lead_t *n);

/* An ingestion source looked up by the SHA-256 hex of its key. */
typedef struct {
    const char *id;
    const char *firm_id;
    const char *name;
    const char *mapping;                /* JSON object text */
    int enabled;
    const char *kind;                   /* "ingest", or "form" (lpk_ key) */
    /* a form's (docs/api.md §10), "" where unset: */
    const char *origins;                /* space-separated, canonical */
    const char *redirect_url;
    const char *honeypot;               /* the trap field's name */
    const char *captcha;                /* "turnstile", "hcaptcha",
                                         * "recaptcha" */
    const char *captcha_secret;
} leads_source_row_t;

apr_status_t leads_store_source_by_hash(leads_db_t *db, const char *hash,
                                        leads_source_row_t *out);

/* The lead a source already made for `external_id`. */
apr_status_t leads_store_lead_by_external(leads_db_t *db,
                                          const char *source_id,
                                          const char *external_id,
                                          const char **lead_id);

#endif
