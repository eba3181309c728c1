/* A bounded wait for mod_dbd's connection pool (one gate per pool per
 * child). mod_dbd's pool has no wait timeout: a thread that asks for a
 * connection while DBDMax are out waits for ever inside apr_reslist, and
 * one still waiting there when its child exits crashes it (the pool is
 * destroyed under it). The gate counts the connections mod_leads holds
 * and lets a thread wait at most LeadsDBAcquireTimeout for one, so
 * nothing ever waits inside mod_dbd. */
#ifndef LEADS_DB_GATE_H
#define LEADS_DB_GATE_H

#include "httpd.h"

typedef struct leads_db_gate leads_db_gate_t;

/* child_init: a gate per mod_dbd pool, sized by its DBDMax (1 for a
 * non-threaded MPM), kept in the process pool so that a thread still
 * waiting while the child exits finds it intact. */
void leads_db_gate_child_init(apr_pool_t *pchild, server_rec *s);

/* The gate of this server's pool; NULL before child_init. */
leads_db_gate_t *leads_db_gate_for(server_rec *s);

/* Take a place: APR_SUCCESS, or APR_TIMEUP after `wait` (or at once once
 * the child is exiting). `first`: a background thread (the webhook
 * deliverer, its recorder, maintenance), served before the requests
 * waiting, so a child saturated with creates still sends and records
 * their webhooks; it holds a place for one step at a time. */
apr_status_t leads_db_gate_enter(leads_db_gate_t *g, apr_interval_time_t wait,
                                 int first);
void leads_db_gate_leave(leads_db_gate_t *g);

/* For the log: the gate's size. */
int leads_db_gate_size(const leads_db_gate_t *g);

#endif
