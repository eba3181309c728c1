/* The Prometheus text exposition format (version 0.0.4), written into a
 * pool: families with their HELP and TYPE lines, samples, histograms.
 * Plain C: the metrics handler fills it from shared memory. */
#ifndef LEADS_PROM_H
#define LEADS_PROM_H

#include <apr_pools.h>
#include <apr_tables.h>

typedef struct leads_prom leads_prom_t;

leads_prom_t *leads_prom_make(apr_pool_t *p);

/* "# HELP name help" and "# TYPE name type" (counter, gauge, histogram):
 * once per family, before its samples. */
void leads_prom_family(leads_prom_t *m, const char *name, const char *type,
                       const char *help);

/* name{labels} value. `labels` is NULL or pairs "k", "v", ..., NULL;
 * values are escaped. */
void leads_prom_count(leads_prom_t *m, const char *name, apr_uint64_t value,
                      ...);
void leads_prom_gauge(leads_prom_t *m, const char *name, double value, ...);

/* A histogram from per-bucket counts (not cumulative): `bounds` are the
 * upper bounds of the first n buckets, counts has n + 1 entries (the last
 * is above every bound); sum in the bounds' unit. */
void leads_prom_histogram(leads_prom_t *m, const char *name,
                          const double *bounds, const apr_uint64_t *counts,
                          int n, double sum);

/* The whole text. */
const char *leads_prom_text(leads_prom_t *m);

/* A label value as the format wants it: \ " and newline escaped. */
const char *leads_prom_escape(apr_pool_t *p, const char *value);

#endif
