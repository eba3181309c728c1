/* See leads_conftree.h. Containers other than <VirtualHost> and the
 * per-directory sections (<IfModule>, <IfDefine>, <Macro> expansions) are
 * looked into as if their lines stood at their level. */
#include <stdlib.h>
#include <string.h>

#include "httpd.h"
#include "apr_strings.h"
#include "http_config.h"

#include "leads_conftree.h"

/* mod_dbd's default DBDMax (DEFAULT_NMAX in mod_dbd.c). */
#define DBD_DEFAULT_MAX 10

static const char *first_word(apr_pool_t *p, const char *args)
{
    const char *a = args ? args : "";

    return ap_getword_conf(p, &a);
}

static int is_section(const ap_directive_t *d, const char *name)
{
    return strcasecmp(d->directive, name) == 0;
}

/* Per-directory sections hold no server-level directive. */
static int is_dir_section(const ap_directive_t *d)
{
    return is_section(d, "<Location") || is_section(d, "<LocationMatch")
           || is_section(d, "<Directory") || is_section(d, "<DirectoryMatch")
           || is_section(d, "<Files") || is_section(d, "<FilesMatch")
           || is_section(d, "<If") || is_section(d, "<ElseIf")
           || is_section(d, "<Else") || is_section(d, "<Proxy")
           || is_section(d, "<ProxyMatch") || is_section(d, "<Limit")
           || is_section(d, "<LimitExcept");
}

typedef struct {
    apr_pool_t *p;
    const char *driver, *params;
    int max;
} dbd_seen_t;

/* Server-level DBD* lines below `d`, not descending into <VirtualHost>
 * (unless it is the one we are in) or per-directory sections. */
static void collect_dbd(const ap_directive_t *d, dbd_seen_t *seen)
{
    for (; d; d = d->next) {
        if (is_section(d, "<VirtualHost") || is_dir_section(d)) {
            continue;
        }
        if (d->first_child) {
            collect_dbd(d->first_child, seen);
        }
        else if (is_section(d, "DBDMax")) {
            seen->max = atoi(first_word(seen->p, d->args));
        }
        else if (is_section(d, "DBDriver")) {
            seen->driver = first_word(seen->p, d->args);
        }
        else if (is_section(d, "DBDParams")) {
            seen->params = first_word(seen->p, d->args);
        }
    }
}

/* The <VirtualHost> section a server was defined by. */
static const ap_directive_t *vhost_section(const ap_directive_t *d,
                                           const server_rec *s)
{
    const ap_directive_t *found;

    for (; d; d = d->next) {
        if (is_section(d, "<VirtualHost")) {
            if (d->line_num == (int)s->defn_line_number && d->filename
                && s->defn_name && strcmp(d->filename, s->defn_name) == 0) {
                return d;
            }
        }
        else if (d->first_child && !is_dir_section(d)
                 && (found = vhost_section(d->first_child, s)) != NULL) {
            return found;
        }
    }
    return NULL;
}

void leads_conftree_dbd_limits(apr_pool_t *p, server_rec *s,
                               leads_dbd_limits_t *out)
{
    dbd_seen_t seen = { p, "", "", DBD_DEFAULT_MAX };
    const ap_directive_t *vh = s->is_virtual
                               ? vhost_section(ap_conftree, s) : NULL;

    collect_dbd(ap_conftree, &seen);
    if (vh) {
        collect_dbd(vh->first_child, &seen);
    }
    out->max = seen.max > 0 ? seen.max : DBD_DEFAULT_MAX;
    out->driver = seen.driver;
    out->pool_key = apr_pstrcat(p, seen.driver, "\n", seen.params, NULL);
}

static apr_array_header_t *locations;   /* const char *, in pconf */

static int sets_leads_handler(const ap_directive_t *d, apr_pool_t *p)
{
    for (; d; d = d->next) {
        if (is_section(d, "SetHandler")
            && strcmp(first_word(p, d->args), "leads") == 0) {
            return 1;
        }
        if (d->first_child && !is_dir_section(d)
            && sets_leads_handler(d->first_child, p)) {
            return 1;
        }
    }
    return 0;
}

static int any_leads_handler(const ap_directive_t *d, apr_pool_t *p)
{
    for (; d; d = d->next) {
        if ((is_section(d, "SetHandler")
             && strcmp(first_word(p, d->args), "leads") == 0)
            || (d->first_child && any_leads_handler(d->first_child, p))) {
            return 1;
        }
    }
    return 0;
}

int leads_conftree_uses_handler(apr_pool_t *p)
{
    return any_leads_handler(ap_conftree, p);
}

/* "<Location "/api/leads">" keeps `"/api/leads">` as its arguments. */
static const char *location_path(apr_pool_t *p, const char *args)
{
    char *a = apr_pstrdup(p, args ? args : "");
    char *end = strrchr(a, '>');
    const char *rest;

    if (end) {
        *end = '\0';
    }
    rest = a;
    return ap_getword_conf(p, &rest);
}

static void collect_locations(const ap_directive_t *d, apr_pool_t *p)
{
    for (; d; d = d->next) {
        if (is_section(d, "<Location")) {
            const char *path = location_path(p, d->args);
            apr_size_t len = strlen(path);

            /* "~" starts a regex; the handler check leaves those be */
            if (*path == '/' && sets_leads_handler(d->first_child, p)) {
                while (len > 1 && path[len - 1] == '/') {
                    len--;
                }
                APR_ARRAY_PUSH(locations, const char *) =
                    apr_pstrndup(p, path, len);
            }
        }
        else if (d->first_child && !is_dir_section(d)) {
            collect_locations(d->first_child, p);
        }
    }
}

void leads_conftree_read_locations(apr_pool_t *pconf)
{
    locations = apr_array_make(pconf, 4, sizeof(const char *));
    collect_locations(ap_conftree, pconf);
}

const char *leads_conftree_location_of(const char *uri)
{
    const char *best = NULL;
    apr_size_t best_len = 0;
    int i;

    for (i = 0; locations && i < locations->nelts; i++) {
        const char *loc = APR_ARRAY_IDX(locations, i, const char *);
        apr_size_t len = strlen(loc);

        if (len == 1) {
            len = 0;                    /* "/": every path lies in it */
        }
        if (strncmp(uri, loc, len) == 0
            && (uri[len] == '\0' || uri[len] == '/')
            && (!best || len > best_len)) {
            best = loc;
            best_len = len;
        }
    }
    return best;
}
