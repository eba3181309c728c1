/* JSON helpers over jansson: one place for what the glue and the core
 * both do with JSON. */
#include <stdlib.h>
#include <string.h>

#include <apr_strings.h>

#include "leads_json.h"

const char *leads_json_text(apr_pool_t *p, const json_t *value)
{
    char *text = value ? json_dumps(value, JSON_COMPACT) : NULL;
    const char *copy = text ? apr_pstrdup(p, text) : NULL;

    free(text);
    return copy;
}

int leads_json_depth(const json_t *v)
{
    int deepest = 0, d;
    size_t i;
    void *it;

    if (json_is_array(v)) {
        for (i = 0; i < json_array_size(v); i++) {
            d = leads_json_depth(json_array_get(v, i));
            deepest = d > deepest ? d : deepest;
        }
        return deepest + 1;
    }
    if (!json_is_object(v)) {
        return 0;
    }
    /* jansson's iterator API is not const-qualified; nothing is modified */
    for (it = json_object_iter((json_t *)v); it != NULL;
         it = json_object_iter_next((json_t *)v, it)) {
        d = leads_json_depth(json_object_iter_value(it));
        deepest = d > deepest ? d : deepest;
    }
    return deepest + 1;
}

/* An array index: digits, no leading zero, small enough; else -1. */
static long segment_index(const char *seg, apr_size_t n)
{
    long index = 0;
    apr_size_t i;

    if (n == 0 || n > 9 || (seg[0] == '0' && n > 1)) {
        return -1;
    }
    for (i = 0; i < n; i++) {
        if (seg[i] < '0' || seg[i] > '9') {
            return -1;
        }
        index = index * 10 + (seg[i] - '0');
    }
    return index;
}

static json_t *path_step(json_t *v, const char *seg, apr_size_t n)
{
    char key[LEADS_PATH_MAX_BYTES + 1];
    long index;

    if (json_is_array(v)) {
        index = segment_index(seg, n);
        return index < 0 ? NULL : json_array_get(v, (size_t)index);
    }
    if (!json_is_object(v)) {
        return NULL;
    }
    memcpy(key, seg, n);
    key[n] = '\0';
    return json_object_get(v, key);
}

json_t *leads_json_path(json_t *root, const char *path)
{
    const char *seg = path, *dot;
    json_t *v = root;
    int segments = 0;
    apr_size_t n;

    if (path == NULL || strlen(path) > LEADS_PATH_MAX_BYTES) {
        return NULL;
    }
    while (v != NULL) {
        dot = strchr(seg, '.');
        n = dot != NULL ? (apr_size_t)(dot - seg) : strlen(seg);
        if (n == 0 || ++segments > LEADS_PATH_MAX_SEGMENTS) {
            return NULL;
        }
        v = path_step(v, seg, n);
        if (dot == NULL) {
            break;
        }
        seg = dot + 1;
    }
    return v;
}

static apr_status_t json_decref_cleanup(void *data)
{
    json_decref(data);
    return APR_SUCCESS;
}

json_t *leads_json_pool_owns(apr_pool_t *p, json_t *value)
{
    if (value != NULL) {
        apr_pool_cleanup_register(p, value, json_decref_cleanup,
                                  apr_pool_cleanup_null);
    }
    return value;
}
