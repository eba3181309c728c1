/* JSON helpers: the compact text mod_leads writes, nesting depth, dotted
 * paths, and values released with a pool. */
#include <stdlib.h>
#include <string.h>

#include <apr_general.h>
#include <apr_pools.h>

#include "leads_json.h"
#include "tap.h"

static void test_text(apr_pool_t *p)
{
    json_t *v = json_pack("{s:s, s:i, s:[b, n]}", "b", "é", "a", 1, "c", 1);

    is_str(leads_json_text(p, v), "{\"b\":\"é\",\"a\":1,\"c\":[true,null]}",
           "compact, keys in insertion order, UTF-8 as it is");
    json_decref(v);
    ok(leads_json_text(p, NULL) == NULL, "NULL for no value");
}

static void test_depth(void)
{
    const char *cases[][2] = {
        { "1", "0" }, { "{}", "1" }, { "[]", "1" }, { "[[[]]]", "3" },
        { "{\"a\":[{\"b\":1}],\"c\":2}", "3" }, { "[1,[2,[3]],{}]", "3" },
    };
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        json_t *v = json_loads(cases[i][0], JSON_DECODE_ANY, NULL);

        is_int(leads_json_depth(v), atoi(cases[i][1]), cases[i][0]);
        json_decref(v);
    }
}

static void test_json_path(void)
{
    json_t *root = json_loads("{\"contact\":{\"email\":\"a@b.co\","
                              "\"tags\":[\"x\",\"y\"]},"
                              "\"items\":[{\"value\":1},{\"value\":2}],"
                              "\"obj\":{\"0\":\"zero\"},\"n\":5}", 0, NULL);
    json_t *v;

    is_str(json_string_value(leads_json_path(root, "contact.email")),
           "a@b.co", "dotted into objects");
    v = leads_json_path(root, "items.1.value");
    ok(json_integer_value(v) == 2, "array element by index");
    is_str(json_string_value(leads_json_path(root, "contact.tags.0")), "x",
           "index at the end");
    is_str(json_string_value(leads_json_path(root, "obj.0")), "zero",
           "digits on an object are a key");
    ok(leads_json_path(root, "items") == json_object_get(root, "items"),
       "a path to an array returns it (borrowed)");
    ok(leads_json_path(root, "items.2.value") == NULL, "index out of range");
    ok(leads_json_path(root, "items.01.value") == NULL, "leading zero");
    ok(leads_json_path(root, "items.-1") == NULL, "negative index");
    ok(leads_json_path(root, "items.value") == NULL, "key on an array");
    ok(leads_json_path(root, "n.x") == NULL, "into a scalar");
    ok(leads_json_path(root, "contact.phone") == NULL, "missing key");
    ok(leads_json_path(root, "contact..email") == NULL, "empty segment");
    ok(leads_json_path(root, "contact.") == NULL, "trailing dot");
    ok(leads_json_path(root, "") == NULL, "empty path");
    ok(leads_json_path(root, NULL) == NULL, "NULL path");
    ok(leads_json_path(NULL, "n") == NULL, "NULL root");
    json_decref(root);

    root = json_loads("{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":"
                      "{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":"
                      "{\"a\":{\"a\":{\"a\":1}}}}}}}}}}}}}}}}}", 0, NULL);
    ok(json_is_object(leads_json_path(root,
                                      "a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a")),
       "16 segments followed");
    ok(leads_json_path(root, "a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a") == NULL,
       "17 segments refused");
    json_decref(root);
}

static void test_pool_owns(void)
{
    apr_pool_t *p;
    json_t *v = json_object();

    apr_pool_create(&p, NULL);
    json_incref(v);
    ok(leads_json_pool_owns(p, v) == v, "returns the value");
    ok(v->refcount == 2, "takes no reference of its own");
    apr_pool_clear(p);
    ok(v->refcount == 1, "the pool's reference is released with the pool");
    ok(leads_json_pool_owns(p, NULL) == NULL, "NULL is left be");
    apr_pool_destroy(p);
    json_decref(v);
}

int main(void)
{
    apr_pool_t *p;

    apr_initialize();
    apr_pool_create(&p, NULL);
    test_text(p);
    test_depth();
    test_json_path();
    test_pool_owns();
    apr_pool_destroy(p);
    apr_terminate();
    return tap_done();
}
