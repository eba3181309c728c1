/* Per-key trailing-window rate limit: the arithmetic over the slot table. */
#include <string.h>

#include <apr_general.h>
#include <apr_pools.h>

#include "leads_ratelimit.h"
#include "tap.h"

#define LIMIT 3
#define WINDOW apr_time_from_sec(60)
#define SLOTS 64

/* 2025-01-01T00:00:00Z, the start of a 60 s window. */
static apr_time_t window0(void)
{
    return apr_time_from_sec(APR_INT64_C(1735689600));
}

static apr_time_t at(int seconds)
{
    return window0() + apr_time_from_sec(seconds);
}

static int hit(leads_rl_slot_t *slots, const char *key, apr_time_t now)
{
    return leads_rl_hit(slots, SLOTS, leads_rl_id(key), now, LIMIT, WINDOW);
}

static const leads_rl_slot_t *slot_of(const leads_rl_slot_t *slots,
                                      int nslots, const char *key)
{
    apr_uint64_t id = leads_rl_id(key);
    int i;

    for (i = 0; i < nslots; i++) {
        if (slots[i].id == id) {
            return &slots[i];
        }
    }
    return NULL;
}

static void test_id(void)
{
    ok(leads_rl_id("") == APR_UINT64_C(0xcbf29ce484222325),
       "FNV-1a 64 of the empty string");
    ok(leads_rl_id("a") == APR_UINT64_C(0xaf63dc4c8601ec8c), "FNV-1a 64 of a");
    ok(leads_rl_id("key-1") == leads_rl_id("key-1"), "stable");
    ok(leads_rl_id("key-1") != leads_rl_id("key-2"), "keys differ");
}

static void test_one_window(void)
{
    leads_rl_slot_t slots[SLOTS];
    int retry;

    memset(slots, 0, sizeof(slots));
    is_int(hit(slots, "k", at(1)), 0, "1st allowed");
    is_int(hit(slots, "k", at(2)), 0, "2nd allowed");
    is_int(hit(slots, "k", at(3)), 0, "3rd allowed");
    retry = hit(slots, "k", at(4));
    ok(retry >= 1, "4th refused with Retry-After >= 1");
    /* next window, previous = 3: 3 * (60 - e) / 60 + 1 <= 3 once e >= 20,
     * so 56 s left of this window + 20 s */
    is_int(retry, 76, "Retry-After is when the next request fits");
    hit(slots, "k", at(5));
    hit(slots, "k", at(30));
    is_int(slot_of(slots, SLOTS, "k")->current, 3, "refused hits not counted");
    ok(hit(slots, "k", at(4 + retry - 1)) > 0, "refused a second earlier");
    is_int(hit(slots, "k", at(4 + retry)), 0, "allowed after Retry-After");
}

static void test_sliding(void)
{
    leads_rl_slot_t slots[SLOTS];
    int retry;

    memset(slots, 0, sizeof(slots));
    hit(slots, "k", at(50));
    hit(slots, "k", at(51));
    hit(slots, "k", at(52));
    /* 30 s into the next window half of the previous one still counts:
     * 3 * 0.5 + 0 = 1.5, so one more fits, a second does not */
    is_int(hit(slots, "k", at(90)), 0,
           "after rollover: the weighted estimate allows one");
    retry = hit(slots, "k", at(90));
    ok(retry >= 1, "second hit refused: 1.5 + 1 + 1 > 3");
    /* 3 * (60 - e) / 60 + 1 + 1 <= 3 once e >= 40: 10 s later */
    is_int(retry, 10, "Retry-After follows the sliding estimate");
    ok(hit(slots, "k", at(99)) > 0, "still refused at 39 s");
    is_int(hit(slots, "k", at(100)), 0, "allowed at 40 s");
    is_int(hit(slots, "k", at(121)), 0, "window 3 starts from previous = 2");
    ok(hit(slots, "k", at(121)) > 0, "2 * 59/60 + 1 + 1 > 3");
    is_int(hit(slots, "k", at(240)), 0, "two windows idle: counts forgotten");
    is_int(hit(slots, "k", at(241)), 0, "second of three");
    is_int(hit(slots, "k", at(242)), 0, "third of three");
    is_int(slot_of(slots, SLOTS, "k")->previous, 0, "previous reset to 0");
}

static void test_independent_keys(void)
{
    leads_rl_slot_t slots[SLOTS];

    memset(slots, 0, sizeof(slots));
    hit(slots, "a", at(1));
    hit(slots, "a", at(1));
    hit(slots, "a", at(1));
    ok(hit(slots, "a", at(1)) > 0, "key a exhausted");
    is_int(hit(slots, "b", at(1)), 0, "key b still allowed");
    is_int(slot_of(slots, SLOTS, "b")->current, 1, "key b counted alone");
}

static void test_eviction(void)
{
    leads_rl_slot_t slots[4];
    const char *keys[] = { "k1", "k2", "k3", "k4" };
    int i, used = 0;

    memset(slots, 0, sizeof(slots));
    leads_rl_hit(slots, 4, leads_rl_id("k1"), at(1), LIMIT, WINDOW);
    for (i = 1; i < 4; i++) {
        leads_rl_hit(slots, 4, leads_rl_id(keys[i]), at(61), LIMIT, WINDOW);
    }
    for (i = 0; i < 4; i++) {
        used += slot_of(slots, 4, keys[i]) != NULL;
    }
    is_int(used, 4, "four keys fill four slots");
    is_int(leads_rl_hit(slots, 4, leads_rl_id("k5"), at(62), LIMIT, WINDOW), 0,
           "a fifth key is still served");
    ok(slot_of(slots, 4, "k5") != NULL, "and gets a slot");
    ok(slot_of(slots, 4, "k1") == NULL, "the stalest key was evicted");
    ok(slot_of(slots, 4, "k2") && slot_of(slots, 4, "k3")
       && slot_of(slots, 4, "k4"), "the others are kept");
    is_int(slot_of(slots, 4, "k5")->current, 1, "evicted slot starts afresh");
}

static void test_off(void)
{
    leads_rl_slot_t slots[SLOTS];
    int i, refused = 0;

    memset(slots, 0, sizeof(slots));
    for (i = 0; i < 10; i++) {
        refused += leads_rl_hit(slots, SLOTS, 1, at(1), 0, WINDOW) != 0;
    }
    is_int(refused, 0, "limit 0 turns limiting off");
}

int main(void)
{
    apr_pool_t *p;

    apr_initialize();
    apr_pool_create(&p, NULL);
    test_id();
    test_one_window();
    test_sliding();
    test_independent_keys();
    test_eviction();
    test_off();
    apr_pool_destroy(p);
    apr_terminate();
    return tap_done();
}
