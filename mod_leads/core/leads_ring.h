/* The webhook wake-up ring: a fixed-size FIFO of delivery ids (UUID
 * strings) in a caller-provided block, placed in shared memory by the
 * module (docs/api.md §9.4). The outbox table is the truth; the ring only lets the
 * deliverer start at once instead of at the next sweep, so a full ring
 * drops the id (and counts it) rather than waiting.
 *
 * Plain C, no locking: the caller holds the global mutex around every
 * call. The block stores no pointers, only sizes and indexes, so it works
 * wherever each process maps the segment. */
#ifndef LEADS_RING_H
#define LEADS_RING_H

#include <apr.h>
#include <apr_errno.h>

#include "leads_uuid.h"

/* A slot holds an id of up to 36 characters and its NUL. */
#define LEADS_RING_ID_SIZE   (LEADS_UUID_LEN + 1)
/* The most slots one ring may have (a 37 MiB block), so sizes stay sane. */
#define LEADS_RING_MAX_SLOTS (1024 * 1024)

typedef struct leads_ring_t leads_ring_t;

/* What mod_status shows; a copy taken under the caller's mutex. */
typedef struct {
    apr_uint32_t capacity;
    apr_uint32_t depth;
    apr_uint64_t pushed;        /* ids accepted since init */
    apr_uint64_t popped;
    apr_uint64_t dropped;       /* pushes refused because the ring was full */
} leads_ring_stats_t;

/* Bytes of the block for a ring of `nslots` (header and slots), or 0 when
 * nslots is 0 or above LEADS_RING_MAX_SLOTS. */
apr_size_t leads_ring_size(apr_uint32_t nslots);

/* Lays out an empty ring of `nslots` in `mem` (`memsize` bytes, suitably
 * aligned for 64-bit counters, as apr_shm memory is). APR_EINVAL when the
 * block is too small or nslots is out of range. */
apr_status_t leads_ring_init(void *mem, apr_size_t memsize,
                             apr_uint32_t nslots, leads_ring_t **ring);

/* The ring already laid out in `mem` by leads_ring_init(), e.g. after a
 * named segment is attached at another address. APR_EINVAL when the block
 * does not hold a consistent ring of a size that fits. */
apr_status_t leads_ring_attach(void *mem, apr_size_t memsize,
                               leads_ring_t **ring);

/* Appends `id` (1 to 36 characters). APR_ENOSPC when the ring is full:
 * the id is dropped and counted. APR_EINVAL for an empty or longer id,
 * which is not counted. */
apr_status_t leads_ring_push(leads_ring_t *ring, const char *id);

/* Takes the oldest id into `id` (NUL-terminated). APR_EAGAIN when the
 * ring is empty, as apr_queue_trypop() says it. */
apr_status_t leads_ring_pop(leads_ring_t *ring, char id[LEADS_RING_ID_SIZE]);

apr_uint32_t leads_ring_depth(const leads_ring_t *ring);
apr_uint32_t leads_ring_capacity(const leads_ring_t *ring);
void leads_ring_stats(const leads_ring_t *ring, leads_ring_stats_t *stats);

#endif
