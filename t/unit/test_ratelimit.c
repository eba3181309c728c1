/* Rate limit: a trailing window counted in buckets, shared slot table. */
#include <apr_general.h>

#include "leads_ratelimit.h"
#include "tap.h"

#define SLOTS 16
#define SEC(s) ((apr_time_t)(s) * APR_USEC_PER_SEC)
/* A start time far from zero, on a bucket boundary. */
#define T0 SEC(1800000000)

static int hit(leads_rl_slot_t *slots, const char *key, apr_time_t at,
               int limit, int window_s)
{
    return leads_rl_hit(slots, SLOTS, leads_rl_id(key), at, limit,
                        SEC(window_s));
}

static void test_id(void)
{
    ok(leads_rl_id("") == APR_UINT64_C(0xcbf29ce484222325), "FNV-1a 64 of ''");
    ok(leads_rl_id("a") == APR_UINT64_C(0xaf63dc4c8601ec8c), "FNV-1a 64 of a");
    ok(leads_rl_id("key-1") != leads_rl_id("key-2"), "keys differ");
}

static void test_limit_in_window(void)
{
    leads_rl_slot_t slots[SLOTS] = { { 0 } };
    int i, retry;

    for (i = 0; i < 5; i++) {
        is_int(hit(slots, "k", T0 + SEC(i), 5, 60), 0, "allowed under the limit");
    }
    retry = hit(slots, "k", T0 + SEC(10), 5, 60);
    is_int(retry, 50, "6th refused: Retry-After is when the first hit leaves");
}

static void test_trailing(void)
{
    leads_rl_slot_t slots[SLOTS] = { { 0 } };
    int retry;

    /* two hits late in one minute, then a third: the trailing window, not
     * the clock minute, decides */
    is_int(hit(slots, "k", T0 + SEC(50), 2, 60), 0, "first at 50 s");
    is_int(hit(slots, "k", T0 + SEC(55), 2, 60), 0, "second at 55 s");
    retry = hit(slots, "k", T0 + SEC(61), 2, 60);
    is_int(retry, 49, "third at 61 s waits for the 50 s hit to leave (110 s)");
    ok(hit(slots, "k", T0 + SEC(109), 2, 60) > 0, "still refused at 109 s");
    is_int(hit(slots, "k", T0 + SEC(110), 2, 60), 0, "allowed at 110 s");
    ok(hit(slots, "k", T0 + SEC(111), 2, 60) > 0, "55 s and 110 s fill it");
    is_int(hit(slots, "k", T0 + SEC(400), 2, 60), 0, "long idle: all forgotten");
    is_int(hit(slots, "k", T0 + SEC(400), 2, 60), 0, "second after idle");
}

static void test_retry_never_past_window(void)
{
    leads_rl_slot_t slots[SLOTS] = { { 0 } };
    int i, retry;

    for (i = 0; i < 2; i++) {
        is_int(hit(slots, "k", T0, 2, 3), 0, "burst within a 3 s window");
    }
    retry = hit(slots, "k", T0 + 1000, 2, 3);
    ok(retry >= 1 && retry <= 3, "Retry-After within the 3 s window");
    is_int(hit(slots, "k", T0 + SEC(retry), 2, 3), 0,
           "allowed once Retry-After has passed");
}

static void test_refused_not_counted(void)
{
    leads_rl_slot_t slots[SLOTS] = { { 0 } };
    int i;

    is_int(hit(slots, "k", T0, 1, 60), 0, "one allowed");
    for (i = 0; i < 10; i++) {
        ok(hit(slots, "k", T0 + SEC(i + 1), 1, 60) > 0, "refused");
    }
    is_int(hit(slots, "k", T0 + SEC(60), 1, 60), 0,
           "refusals did not extend the window");
}

static void test_independent_keys(void)
{
    leads_rl_slot_t slots[SLOTS] = { { 0 } };

    is_int(hit(slots, "a", T0, 1, 60), 0, "key a allowed");
    ok(hit(slots, "a", T0, 1, 60) > 0, "key a exhausted");
    is_int(hit(slots, "b", T0, 1, 60), 0, "key b counted on its own");
}

static void test_eviction(void)
{
    leads_rl_slot_t slots[4] = { { 0 } };
    char name[16];
    int i, used = 0;

    for (i = 1; i <= 4; i++) {
        snprintf(name, sizeof(name), "k%d", i);
        leads_rl_hit(slots, 4, leads_rl_id(name), T0 + SEC(i), 5, SEC(60));
    }
    for (i = 0; i < 4; i++) {
        used += slots[i].id != 0;
    }
    is_int(used, 4, "four keys fill four slots");
    is_int(leads_rl_hit(slots, 4, leads_rl_id("k5"), T0 + SEC(10), 5,
                        SEC(60)), 0, "a fifth key is allowed");
    ok(leads_rl_find(slots, 4, leads_rl_id("k5")) != NULL, "and gets a slot");
    ok(leads_rl_find(slots, 4, leads_rl_id("k1")) == NULL,
       "the key hit least recently was evicted");
    ok(leads_rl_find(slots, 4, leads_rl_id("k4")) != NULL, "others stay");
}

/* A key that keeps hitting its limit is the one most in use: refused hits
 * keep it recent, so it is not the one evicted (a fresh quota). */
static void test_throttled_not_evicted_first(void)
{
    leads_rl_slot_t slots[4] = { { 0 } };
    char name[16];
    int i;

    leads_rl_hit(slots, 4, leads_rl_id("busy"), T0, 1, SEC(60)); /* limit 1 */
    for (i = 2; i <= 4; i++) {
        snprintf(name, sizeof(name), "k%d", i);
        leads_rl_hit(slots, 4, leads_rl_id(name), T0 + SEC(i), 5, SEC(60));
    }
    ok(leads_rl_hit(slots, 4, leads_rl_id("busy"), T0 + SEC(10), 1, SEC(60))
       > 0, "the busy key is refused");
    leads_rl_hit(slots, 4, leads_rl_id("k5"), T0 + SEC(11), 5, SEC(60));
    ok(leads_rl_find(slots, 4, leads_rl_id("busy")) != NULL,
       "a fifth key does not evict the key refused a moment ago");
    ok(leads_rl_hit(slots, 4, leads_rl_id("busy"), T0 + SEC(12), 1, SEC(60))
       > 0, "which is still refused");
}

/* leads_rl_check: the same verdict, nothing counted. */
static void test_check(void)
{
    leads_rl_slot_t slots[SLOTS] = { { 0 } };
    apr_uint64_t id = leads_rl_id("addr:192.0.2.1");

    is_int(leads_rl_check(slots, SLOTS, id, T0, 2, SEC(60)), 0,
           "an unknown id passes the check");
    ok(leads_rl_find(slots, SLOTS, id) == NULL, "and takes no slot");
    hit(slots, "addr:192.0.2.1", T0, 2, 60);
    is_int(leads_rl_check(slots, SLOTS, id, T0 + SEC(1), 2, SEC(60)), 0,
           "one of two: passes");
    is_int(leads_rl_check(slots, SLOTS, id, T0 + SEC(1), 2, SEC(60)), 0,
           "checking counts nothing");
    hit(slots, "addr:192.0.2.1", T0 + SEC(2), 2, 60);
    ok(leads_rl_check(slots, SLOTS, id, T0 + SEC(3), 2, SEC(60)) > 0,
       "two of two: refused, with a Retry-After");
    is_int(leads_rl_check(slots, SLOTS, id, T0 + SEC(61), 2, SEC(60)), 0,
           "passes again once the window has moved on");
}

static void test_off(void)
{
    leads_rl_slot_t slots[SLOTS] = { { 0 } };
    int i, refused = 0;

    for (i = 0; i < 1000; i++) {
        refused += hit(slots, "k", T0, 0, 60) != 0;
    }
    is_int(refused, 0, "limit 0 turns limiting off");
}

int main(void)
{
    apr_initialize();
    test_id();
    test_limit_in_window();
    test_trailing();
    test_retry_never_past_window();
    test_refused_not_counted();
    test_independent_keys();
    test_eviction();
    test_throttled_not_evicted_first();
    test_check();
    test_off();
    apr_terminate();
    return tap_done();
}
