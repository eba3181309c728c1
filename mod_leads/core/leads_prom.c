/* See leads_prom.h. Counters are written as integers, gauges, sums and
 * bucket bounds with ten significant digits (0.005, not
 * 0.0050000000000000001), the last bucket as +Inf. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <apr_strings.h>

#include "leads_prom.h"

struct leads_prom {
    apr_pool_t *p;
    apr_array_header_t *lines;          /* const char *, each with its \n */
};

leads_prom_t *leads_prom_make(apr_pool_t *p)
{
    leads_prom_t *m = apr_pcalloc(p, sizeof(*m));

    m->p = p;
    m->lines = apr_array_make(p, 64, sizeof(const char *));
    return m;
}

static void add(leads_prom_t *m, const char *line)
{
    APR_ARRAY_PUSH(m->lines, const char *) = line;
}

const char *leads_prom_escape(apr_pool_t *p, const char *value)
{
    char *out = apr_palloc(p, strlen(value) * 2 + 1), *o = out;
    const char *c;

    for (c = value; *c; c++) {
        if (*c == '\\' || *c == '"') {
            *o++ = '\\';
            *o++ = *c;
        }
        else if (*c == '\n') {
            *o++ = '\\';
            *o++ = 'n';
        }
        else {
            *o++ = *c;
        }
    }
    *o = '\0';
    return out;
}

void leads_prom_family(leads_prom_t *m, const char *name, const char *type,
                       const char *help)
{
    add(m, apr_psprintf(m->p, "# HELP %s %s\n# TYPE %s %s\n", name, help,
                        name, type));
}

/* {k="v",...} from the pairs after the value, or "" with none. */
static const char *labels(apr_pool_t *p, va_list ap)
{
    const char *k, *out = NULL;

    while ((k = va_arg(ap, const char *)) != NULL) {
        const char *v = va_arg(ap, const char *);
        const char *pair = apr_pstrcat(p, k, "=\"",
                                       leads_prom_escape(p, v ? v : ""),
                                       "\"", NULL);

        out = out ? apr_pstrcat(p, out, ",", pair, NULL) : pair;
    }
    return out ? apr_pstrcat(p, "{", out, "}", NULL) : "";
}

void leads_prom_count(leads_prom_t *m, const char *name, apr_uint64_t value,
                      ...)
{
    va_list ap;
    const char *l;

    va_start(ap, value);
    l = labels(m->p, ap);
    va_end(ap);
    add(m, apr_psprintf(m->p, "%s%s %" APR_UINT64_T_FMT "\n", name, l,
                        value));
}

static const char *number(apr_pool_t *p, double v)
{
    char buf[64];

    snprintf(buf, sizeof(buf), "%.10g", v);
    return apr_pstrdup(p, buf);
}

void leads_prom_gauge(leads_prom_t *m, const char *name, double value, ...)
{
    va_list ap;
    const char *l;

    va_start(ap, value);
    l = labels(m->p, ap);
    va_end(ap);
    add(m, apr_psprintf(m->p, "%s%s %s\n", name, l, number(m->p, value)));
}

void leads_prom_histogram(leads_prom_t *m, const char *name,
                          const double *bounds, const apr_uint64_t *counts,
                          int n, double sum)
{
    apr_uint64_t cumulative = 0;
    int i;

    for (i = 0; i < n; i++) {
        cumulative += counts[i];
        add(m, apr_psprintf(m->p, "%s_bucket{le=\"%s\"} %" APR_UINT64_T_FMT
                            "\n", name, number(m->p, bounds[i]),
                            cumulative));
    }
    cumulative += counts[n];
    add(m, apr_psprintf(m->p, "%s_bucket{le=\"+Inf\"} %" APR_UINT64_T_FMT
                        "\n", name, cumulative));
    add(m, apr_psprintf(m->p, "%s_sum %s\n", name, number(m->p, sum)));
    add(m, apr_psprintf(m->p, "%s_count %" APR_UINT64_T_FMT "\n", name,
                        cumulative));
}

const char *leads_prom_text(leads_prom_t *m)
{
    return apr_array_pstrcat(m->p, m->lines, '\0');
}
