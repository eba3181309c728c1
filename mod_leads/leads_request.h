/* One POST /api/leads on its way through the handler's steps, and what a
 * step says with it. Each step returns 0 to go on, or non-zero: with
 * `answer` set when it has the answer, with `err` filled otherwise. Only
 * leads_handler() writes. The handler calls the steps (leads_body.c,
 * leads_idempotency.c, leads_ingest.c) and the steps call these, never
 * the handler. */
#ifndef LEADS_REQUEST_H
#define LEADS_REQUEST_H

#include "httpd.h"
#include <jansson.h>

#include "leads_config.h"
#include "leads_db.h"
#include "leads_form.h"
#include "leads_mapping.h"
#include "leads_profile.h"
#include "leads_respond.h"
#include "leads_store.h"
#include "leads_validate.h"

typedef enum {
    LEADS_MODE_API,                     /* lak_ key: docs/api.md §4 */
    LEADS_MODE_INGEST                   /* lik_ key: docs/api.md §6 */
} leads_mode_e;

typedef struct {
    request_rec *r;
    const leads_srv_cfg_t *cfg;
    leads_db_t *db;
    const char *token;                  /* the key as sent */
    leads_mode_e mode;                  /* from the key's prefix ... */
    int mode_known;                     /* ... once one was seen */
    int web_form;                       /* lpk_ key: a form (ingestion mode
                                         * with docs/api.md §10 on top) */
    const char *firm_id;
    const char *key_id;                 /* what the rate limit counts */
    leads_key_row_t key;                /* API mode */
    leads_source_row_t source;          /* ingestion mode */
    int body_read;
    leads_error_t body_err;             /* reading failed: said after auth */
    int body_failed;
    int sent_by_httpd;                  /* a filter already answered: its status */
    int form;                           /* x-www-form-urlencoded or
                                         * multipart body: form_body */
    const char *boundary;               /* multipart/form-data's */
    apr_array_header_t *files;          /* const char *: file parts' names */
    const char *raw;                    /* the body as sent */
    apr_size_t raw_len;
    json_t *body;                       /* a JSON body */
    leads_form_t *form_body;            /* a form body */
    json_t *lead_in;                    /* API-shaped lead to validate */
    leads_mapped_t mapped;              /* ingestion mode */
    const leads_profile_t *profile;
    leads_lead_t lead;
    leads_idem_t idem;                  /* idem.key_hash NULL: no key sent */
    const char *lead_text;              /* the lead as the API shows it */
    int replayed;
    int created;                        /* a new lead (for the metrics) */
    int duplicate;                      /* a known externalId */
    int status;
    const char *answer;
    int no_body;                        /* the answer is headers only */
    int failed;                         /* an error, even if redirected */
    leads_error_t err;
} leads_ctx_t;

int leads_fail(leads_ctx_t *ctx, leads_err_e code, const char *message);
int leads_fail_db(leads_ctx_t *ctx, apr_status_t rv);

/* 401 invalid_key, counted against the client's address (see
 * leads_check_auth_failures()). */
int leads_fail_auth(leads_ctx_t *ctx);

/* 429 for an address over LeadsAuthFailureLimit, before any database
 * work. */
int leads_check_auth_failures(leads_ctx_t *ctx);

/* Set the answer: `status` and JSON text. Returns 1 (the step answered). */
int leads_answer(leads_ctx_t *ctx, int status, const char *text);

#endif
