/* The webhook deliverer's recorder: a thread of its own that writes the
 * outcomes of finished attempts to the outbox (leads_outbox_finish()),
 * so the thread that sends never waits for the database. Outcomes handed
 * over while a batch is being written join the next batch. */
#ifndef LEADS_RECORDER_H
#define LEADS_RECORDER_H

#include "httpd.h"
#include "apr_tables.h"

#include "leads_db.h"

typedef struct leads_recorder_t leads_recorder_t;

/* Write a batch of outcomes (leads_outbox_result_t) on `db`: one
 * transaction, one more statement only when an attempt failed; with no
 * `db`, or when it fails, logged (they are sent again when their leases
 * expire). The recorder's thread and a deliverer recording itself. */
void leads_recorder_write(server_rec *s, leads_db_t *db,
                          const apr_array_header_t *results);

/* Start the thread. Its memory is its own (not a subpool of anything
 * another thread allocates from); leads_recorder_stop() frees it. */
apr_status_t leads_recorder_start(server_rec *s, leads_recorder_t **out);

/* Hand over outcomes (leads_outbox_result_t): copied, never waits for the
 * database. */
void leads_recorder_add(leads_recorder_t *rec,
                        const apr_array_header_t *results);

/* Outcomes handed over and not recorded yet (the sender's back-pressure:
 * an unrecorded success still holds its lease). */
int leads_recorder_pending(leads_recorder_t *rec);

/* Record everything handed over, then end the thread and free it all:
 * before a stopping deliverer gives its leases up, so what it sent is
 * not sent again. */
void leads_recorder_stop(leads_recorder_t *rec);

#endif
