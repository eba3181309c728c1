/* JSON helpers over jansson, shared by the core and the glue: the compact
 * text mod_leads writes, nesting depth, dotted paths, and jansson values
 * released with a pool. Pure C over jansson and APR. */
#ifndef LEADS_JSON_H
#define LEADS_JSON_H

#include <apr_pools.h>
#include <jansson.h>

/* A path is at most this long, in bytes and in dot-separated segments. */
#define LEADS_PATH_MAX_BYTES    256
#define LEADS_PATH_MAX_SEGMENTS 16

/* Serialise a JSON value as mod_leads answers it (compact), or NULL. The
 * text is allocated in `p`. */
const char *leads_json_text(apr_pool_t *p, const json_t *value);

/* Deepest nesting of arrays/objects in `v` (a scalar is 0). */
int leads_json_depth(const json_t *v);

/* The value at `path` in `root` (a borrowed reference), or NULL when it is
 * missing or the path is malformed or too long. Segments are separated by
 * dots; on an array, a segment of digits (no leading zero) is an index and
 * anything else misses; on an object, a segment is a key (so "0" may be a
 * key); on a scalar, the path misses. A key containing a dot cannot be
 * reached. */
json_t *leads_json_path(json_t *root, const char *path);

/* json_decref(`value`) when `p` is cleared or destroyed: the pool owns
 * the reference. Returns `value`. */
json_t *leads_json_pool_owns(apr_pool_t *p, json_t *value);

#endif
