/* The webhook wake-up ring: FIFO of delivery ids in a fixed block. */
#include <stdio.h>
#include <string.h>

#include <apr_general.h>
#include <apr_pools.h>

#include "leads_ring.h"
#include "tap.h"

#define GUARD_BYTES 64
#define GUARD_BYTE  0xA5

/* A block of exactly leads_ring_size(n) bytes followed by guard bytes, so
 * a write past the end shows. apr_palloc memory is 8-byte aligned, like
 * an apr_shm segment. */
static void *block_for(apr_pool_t *p, apr_uint32_t n)
{
    apr_size_t size = leads_ring_size(n);
    unsigned char *mem = apr_palloc(p, size + GUARD_BYTES);

    memset(mem, 0xEE, size);
    memset(mem + size, GUARD_BYTE, GUARD_BYTES);
    return mem;
}

static int guard_intact(const void *mem, apr_uint32_t n)
{
    const unsigned char *g = (const unsigned char *)mem + leads_ring_size(n);
    int i;

    for (i = 0; i < GUARD_BYTES; i++) {
        if (g[i] != GUARD_BYTE) {
            return 0;
        }
    }
    return 1;
}

/* A UUID-shaped id numbered `seq`. */
static const char *id_of(char buf[LEADS_RING_ID_SIZE], unsigned long seq)
{
    snprintf(buf, LEADS_RING_ID_SIZE, "0190a1b2-c3d4-7e5f-8a6b-%012lu", seq);
    return buf;
}

static leads_ring_t *new_ring(apr_pool_t *p, apr_uint32_t n, void **mem)
{
    leads_ring_t *ring = NULL;

    *mem = block_for(p, n);
    leads_ring_init(*mem, leads_ring_size(n), n, &ring);
    return ring;
}

static void test_size(void)
{
    is_int(leads_ring_size(0), 0, "size of 0 slots: refused (0)");
    is_int(leads_ring_size(LEADS_RING_MAX_SLOTS + 1), 0,
           "size above the maximum: refused (0)");
    ok(leads_ring_size(LEADS_RING_MAX_SLOTS) > 0, "maximum is allowed");
    is_int(leads_ring_size(8) - leads_ring_size(1), 7 * LEADS_RING_ID_SIZE,
           "each slot adds 37 bytes");
    ok(leads_ring_size(1) > LEADS_RING_ID_SIZE, "room for the header");
    is_int(LEADS_RING_ID_SIZE, 37, "slots hold 36 characters and a NUL");
}

static void test_init(apr_pool_t *p)
{
    void *mem = block_for(p, 4);
    leads_ring_t *ring = NULL;
    leads_ring_stats_t st;

    is_int(leads_ring_init(mem, leads_ring_size(4) - 1, 4, &ring),
           APR_EINVAL, "block one byte short: refused");
    is_int(leads_ring_init(mem, leads_ring_size(4), 0, &ring), APR_EINVAL,
           "0 slots: refused");
    is_int(leads_ring_init(NULL, 1000, 4, &ring), APR_EINVAL,
           "no block: refused");
    ok(ring == NULL, "ring left unset on failure");
    is_int(leads_ring_init(mem, leads_ring_size(4), 4, &ring), APR_SUCCESS,
           "exact size: laid out");
    ok((void *)ring == mem, "the ring is the block itself");
    leads_ring_stats(ring, &st);
    ok(st.capacity == 4 && st.depth == 0 && st.pushed == 0 && st.popped == 0
       && st.dropped == 0, "new ring: empty, counters zero");
    ok(guard_intact(mem, 4), "init writes nothing past the block");
}

static void test_capacity_one(apr_pool_t *p)
{
    char a[LEADS_RING_ID_SIZE], b[LEADS_RING_ID_SIZE];
    char out[LEADS_RING_ID_SIZE];
    void *mem;
    leads_ring_t *ring = new_ring(p, 1, &mem);
    leads_ring_stats_t st;

    is_int(leads_ring_capacity(ring), 1, "capacity 1");
    is_int(leads_ring_pop(ring, out), APR_EAGAIN, "empty pop: EAGAIN");
    is_int(leads_ring_push(ring, id_of(a, 1)), APR_SUCCESS, "push into 1");
    is_int(leads_ring_depth(ring), 1, "depth 1");
    is_int(leads_ring_push(ring, id_of(b, 2)), APR_ENOSPC,
           "second push: full");
    is_int(leads_ring_pop(ring, out), APR_SUCCESS, "pop");
    is_str(out, a, "the first id, not the dropped one");
    is_int(leads_ring_pop(ring, out), APR_EAGAIN, "empty again");
    is_int(leads_ring_push(ring, b), APR_SUCCESS, "room again after pop");
    leads_ring_pop(ring, out);
    is_str(out, b, "same slot reused");
    leads_ring_stats(ring, &st);
    ok(st.pushed == 2 && st.popped == 2 && st.dropped == 1 && st.depth == 0,
       "counters: 2 pushed, 2 popped, 1 dropped");
    ok(guard_intact(mem, 1), "nothing written past the block");
}

static void test_fifo_and_wrap(apr_pool_t *p)
{
    char id[LEADS_RING_ID_SIZE], out[LEADS_RING_ID_SIZE];
    void *mem;
    leads_ring_t *ring = new_ring(p, 8, &mem);
    leads_ring_stats_t st;
    int i, in_order = 1, all_in = 1;

    for (i = 0; i < 5; i++) {
        leads_ring_push(ring, id_of(id, i));
    }
    for (i = 0; i < 5; i++) {
        leads_ring_pop(ring, out);
        in_order &= strcmp(out, id_of(id, i)) == 0;
    }
    ok(in_order, "FIFO order");
    /* head is now at slot 5: these 8 wrap past the end of the slots */
    for (i = 100; i < 108; i++) {
        all_in &= leads_ring_push(ring, id_of(id, i)) == APR_SUCCESS;
    }
    ok(all_in, "8 pushes fill 8 slots across the wrap");
    is_int(leads_ring_depth(ring), 8, "depth 8: full");
    is_int(leads_ring_push(ring, id_of(id, 999)), APR_ENOSPC,
           "full: ENOSPC");
    is_int(leads_ring_push(ring, id_of(id, 998)), APR_ENOSPC,
           "still full");
    leads_ring_stats(ring, &st);
    is_int(st.dropped, 2, "both drops counted");
    is_int(st.pushed, 13, "drops are not counted as pushed");
    in_order = 1;
    for (i = 100; i < 108; i++) {
        in_order &= leads_ring_pop(ring, out) == APR_SUCCESS
                    && strcmp(out, id_of(id, i)) == 0;
    }
    ok(in_order, "FIFO order across the wrap, drops absent");
    is_int(leads_ring_pop(ring, out), APR_EAGAIN, "drained");
    leads_ring_stats(ring, &st);
    ok(st.pushed == 13 && st.popped == 13 && st.depth == 0,
       "pushed = popped + depth");
    ok(guard_intact(mem, 8), "nothing written past the block");
}

static void test_ids(apr_pool_t *p)
{
    char out[LEADS_RING_ID_SIZE];
    void *mem;
    leads_ring_t *ring = new_ring(p, 4, &mem);
    const char *uuid = "0190a1b2-c3d4-7e5f-8a6b-0123456789ab";
    leads_ring_stats_t st;

    is_int(leads_ring_push(ring, uuid), APR_SUCCESS, "36 characters fit");
    is_int(leads_ring_push(ring, "0190a1b2-c3d4-7e5f-8a6b-0123456789abc"),
           APR_EINVAL, "37 characters: EINVAL");
    is_int(leads_ring_push(ring, ""), APR_EINVAL, "empty id: EINVAL");
    is_int(leads_ring_push(ring, NULL), APR_EINVAL, "NULL id: EINVAL");
    is_int(leads_ring_push(ring, "short"), APR_SUCCESS, "short id");
    leads_ring_stats(ring, &st);
    ok(st.pushed == 2 && st.dropped == 0, "refused ids are not drops");
    leads_ring_pop(ring, out);
    is_str(out, uuid, "UUID comes back whole");
    leads_ring_pop(ring, out);
    is_str(out, "short", "short id comes back as pushed");

    ring = new_ring(p, 1, &mem);
    leads_ring_push(ring, uuid);
    leads_ring_pop(ring, out);
    leads_ring_push(ring, "abc");
    memset(out, 'x', sizeof(out));
    leads_ring_pop(ring, out);
    is_str(out, "abc", "short id in a slot that held a UUID");
}

/* The block holds no pointers: a copy at another address is the same
 * ring, as a named segment attached elsewhere in another process is. */
static void test_attach(apr_pool_t *p)
{
    char id[LEADS_RING_ID_SIZE], out[LEADS_RING_ID_SIZE];
    apr_size_t size = leads_ring_size(3);
    void *mem, *copy = apr_palloc(p, size);
    leads_ring_t *ring = new_ring(p, 3, &mem), *moved = NULL;
    leads_ring_stats_t st;

    leads_ring_push(ring, id_of(id, 1));
    leads_ring_push(ring, id_of(id, 2));
    leads_ring_pop(ring, out);
    leads_ring_push(ring, id_of(id, 3));
    leads_ring_push(ring, id_of(id, 4));          /* wraps */
    memcpy(copy, mem, size);
    is_int(leads_ring_attach(copy, size, &moved), APR_SUCCESS,
           "attach a copy at another address");
    leads_ring_stats(moved, &st);
    ok(st.capacity == 3 && st.depth == 3 && st.pushed == 4 && st.popped == 1,
       "counters travel with the block");
    leads_ring_pop(moved, out);
    is_str(out, id_of(id, 2), "oldest first in the copy");
    leads_ring_pop(moved, out);
    is_str(out, id_of(id, 3), "then the next");
    leads_ring_pop(moved, out);
    is_str(out, id_of(id, 4), "then the wrapped one");
    is_int(leads_ring_depth(ring), 3, "the original is untouched");

    is_int(leads_ring_attach(copy, size - 1, &moved), APR_EINVAL,
           "attach: block too small for its capacity");
    memset(copy, 0, size);
    is_int(leads_ring_attach(copy, size, &moved), APR_EINVAL,
           "attach: not a ring (zeroed block)");
    is_int(leads_ring_attach(NULL, size, &moved), APR_EINVAL,
           "attach: no block");
}

/* xorshift32: a fixed sequence on every platform, unlike rand(). */
static apr_uint32_t next_rand(apr_uint32_t *state)
{
    apr_uint32_t x = *state;

    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *state = x;
}

/* 10000 random pushes and pops checked against the simplest possible
 * model: an array with a read and a write index that only grow. */
static void test_against_model(apr_pool_t *p, apr_uint32_t n)
{
    enum { OPS = 10000 };
    static unsigned long model[OPS];
    unsigned long rd = 0, wr = 0, seq = 0, dropped = 0, empty = 0;
    char id[LEADS_RING_ID_SIZE], out[LEADS_RING_ID_SIZE];
    apr_uint32_t state = 2463534242u + n;
    void *mem;
    leads_ring_t *ring = new_ring(p, n, &mem);
    leads_ring_stats_t st;
    apr_status_t rv;
    int i, agree = 1;
    char name[64];

    for (i = 0; i < OPS && agree; i++) {
        /* pushes slightly more likely, so the ring fills and drains */
        if (next_rand(&state) % 100 < 55) {
            rv = leads_ring_push(ring, id_of(id, ++seq));
            if (wr - rd < n) {
                agree &= rv == APR_SUCCESS;
                model[wr++] = seq;
            }
            else {
                agree &= rv == APR_ENOSPC;
                dropped++;
            }
        }
        else {
            rv = leads_ring_pop(ring, out);
            if (rd < wr) {
                agree &= rv == APR_SUCCESS
                         && strcmp(out, id_of(id, model[rd++])) == 0;
            }
            else {
                agree &= rv == APR_EAGAIN;
                empty++;
            }
        }
        leads_ring_stats(ring, &st);
        agree &= st.depth == wr - rd && st.pushed == wr && st.popped == rd
                 && st.dropped == dropped;
    }
    snprintf(name, sizeof(name),
             "capacity %u: 10000 random operations match the model",
             (unsigned)n);
    ok(agree, name);
    if (!agree) {
        printf("#   diverged at operation %d\n", i);
    }
    snprintf(name, sizeof(name), "capacity %u: some drops and empty pops",
             (unsigned)n);
    ok(dropped > 0 && empty > 0, name);
    snprintf(name, sizeof(name), "capacity %u: guard bytes intact",
             (unsigned)n);
    ok(guard_intact(mem, n), name);
}

int main(void)
{
    apr_pool_t *p;

    apr_initialize();
    apr_pool_create(&p, NULL);
    test_size();
    test_init(p);
    test_capacity_one(p);
    test_fifo_and_wrap(p);
    test_ids(p);
    test_attach(p);
    test_against_model(p, 1);
    test_against_model(p, 8);
    test_against_model(p, 5);
    apr_pool_destroy(p);
    apr_terminate();
    return tap_done();
}
