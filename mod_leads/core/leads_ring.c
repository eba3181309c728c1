/* The webhook wake-up ring: a header followed by fixed-size slots, all
 * addressed from the block's own start. */
#include <string.h>

#include "leads_ring.h"

/* "LRNG": tells leads_ring_attach() the block was laid out by init. */
#define RING_MAGIC 0x4c524e47u

/* The header at the start of the block; the slots follow it. The counters
 * are 64-bit so they never wrap in a server's lifetime. */
struct leads_ring_t {
    apr_uint32_t magic;
    apr_uint32_t capacity;      /* slots */
    apr_uint32_t head;          /* slot of the oldest id */
    apr_uint32_t depth;         /* ids queued */
    apr_uint64_t pushed;
    apr_uint64_t popped;
    apr_uint64_t dropped;
};

/* Slot `i`, found by offset: nothing in the block points anywhere. */
static char *ring_slot(const leads_ring_t *ring, apr_uint32_t i)
{
    return (char *)ring + sizeof(*ring) + (apr_size_t)i * LEADS_RING_ID_SIZE;
}

apr_size_t leads_ring_size(apr_uint32_t nslots)
{
    if (nslots == 0 || nslots > LEADS_RING_MAX_SLOTS) {
        return 0;
    }
    return sizeof(leads_ring_t) + (apr_size_t)nslots * LEADS_RING_ID_SIZE;
}

apr_status_t leads_ring_init(void *mem, apr_size_t memsize,
                             apr_uint32_t nslots, leads_ring_t **ring)
{
    apr_size_t need = leads_ring_size(nslots);
    leads_ring_t *r = mem;

    if (mem == NULL || need == 0 || memsize < need) {
        return APR_EINVAL;
    }
    memset(mem, 0, need);
    r->magic = RING_MAGIC;
    r->capacity = nslots;
    *ring = r;
    return APR_SUCCESS;
}

apr_status_t leads_ring_attach(void *mem, apr_size_t memsize,
                               leads_ring_t **ring)
{
    leads_ring_t *r = mem;
    apr_size_t need;

    if (mem == NULL || memsize < sizeof(*r) || r->magic != RING_MAGIC) {
        return APR_EINVAL;
    }
    need = leads_ring_size(r->capacity);
    if (need == 0 || memsize < need || r->head >= r->capacity
        || r->depth > r->capacity) {
        return APR_EINVAL;
    }
    *ring = r;
    return APR_SUCCESS;
}

apr_status_t leads_ring_push(leads_ring_t *ring, const char *id)
{
    apr_size_t len = id != NULL ? strnlen(id, LEADS_RING_ID_SIZE) : 0;
    char *slot;

    if (len == 0 || len >= LEADS_RING_ID_SIZE) {
        return APR_EINVAL;
    }
    if (ring->depth == ring->capacity) {
        ring->dropped++;
        return APR_ENOSPC;
    }
    /* head + depth < 2 * LEADS_RING_MAX_SLOTS: no overflow */
    slot = ring_slot(ring, (ring->head + ring->depth) % ring->capacity);
    memset(slot, 0, LEADS_RING_ID_SIZE);
    memcpy(slot, id, len);
    ring->depth++;
    ring->pushed++;
    return APR_SUCCESS;
}

apr_status_t leads_ring_pop(leads_ring_t *ring, char id[LEADS_RING_ID_SIZE])
{
    if (ring->depth == 0) {
        return APR_EAGAIN;
    }
    memcpy(id, ring_slot(ring, ring->head), LEADS_RING_ID_SIZE);
    id[LEADS_RING_ID_SIZE - 1] = '\0';
    ring->head = (ring->head + 1) % ring->capacity;
    ring->depth--;
    ring->popped++;
    return APR_SUCCESS;
}

apr_uint32_t leads_ring_depth(const leads_ring_t *ring)
{
    return ring->depth;
}

apr_uint32_t leads_ring_capacity(const leads_ring_t *ring)
{
    return ring->capacity;
}

void leads_ring_stats(const leads_ring_t *ring, leads_ring_stats_t *stats)
{
    stats->capacity = ring->capacity;
    stats->depth = ring->depth;
    stats->pushed = ring->pushed;
    stats->popped = ring->popped;
    stats->dropped = ring->dropped;
}
