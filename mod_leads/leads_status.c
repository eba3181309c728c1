/* A section of /server-status (and its ?auto form) when mod_status is
 * loaded: ring depth and drops, deliveries in flight, delivered / retried /
 * failed counts since the last restart. */
#include "httpd.h"
#include "http_protocol.h"
#include "mod_status.h"

#include "leads_metrics.h"
#include "leads_shm.h"
#include "leads_status.h"

/* Endpoints disabled and the deliveries they hold (SPEC §7.1), as the
 * maintenance thread last read them from the database. */
static void status_held(request_rec *r, int flags)
{
    apr_uint64_t disabled, held;

    if (!leads_metrics_outbox_held(&disabled, &held)) {
        return;
    }
    if (flags & AP_STATUS_SHORT) {
        ap_rprintf(r, "LeadsWebhookEndpointsDisabled: %" APR_UINT64_T_FMT
                   "\n", disabled);
        ap_rprintf(r, "LeadsWebhookHeld: %" APR_UINT64_T_FMT "\n", held);
        return;
    }
    ap_rprintf(r, "<dt>Endpoints disabled: %" APR_UINT64_T_FMT
               ", deliveries held by them: %" APR_UINT64_T_FMT "</dt>\n",
               disabled, held);
}

static int leads_status_hook(request_rec *r, int flags)
{
    leads_ring_stats_t ring;
    leads_wh_stats_t wh;

    if (!leads_shm_snapshot(&ring, &wh)) {
        return OK;
    }
    if (flags & AP_STATUS_SHORT) {
        ap_rprintf(r, "LeadsWebhookRingDepth: %u\n", ring.depth);
        ap_rprintf(r, "LeadsWebhookRingCapacity: %u\n", ring.capacity);
        ap_rprintf(r, "LeadsWebhookRingDropped: %" APR_UINT64_T_FMT "\n",
                   ring.dropped);
        ap_rprintf(r, "LeadsWebhookInFlight: %u\n", wh.in_flight);
        ap_rprintf(r, "LeadsWebhookQueued: %u\n", wh.queued);
        ap_rprintf(r, "LeadsWebhookDelivered: %" APR_UINT64_T_FMT "\n",
                   wh.delivered);
        ap_rprintf(r, "LeadsWebhookRetried: %" APR_UINT64_T_FMT "\n",
                   wh.retried);
        ap_rprintf(r, "LeadsWebhookFailed: %" APR_UINT64_T_FMT "\n",
                   wh.failed);
        status_held(r, flags);
        return OK;
    }
    ap_rputs("<hr />\n<h2>mod_leads webhooks</h2>\n<dl>\n", r);
    ap_rprintf(r, "<dt>Ring: %u of %u slots queued, %" APR_UINT64_T_FMT
               " wake-ups dropped (the outbox sweep sends those)</dt>\n",
               ring.depth, ring.capacity, ring.dropped);
    ap_rprintf(r, "<dt>In flight: %u, leased and queued: %u</dt>\n",
               wh.in_flight, wh.queued);
    ap_rprintf(r, "<dt>Delivered: %" APR_UINT64_T_FMT ", retried: %"
               APR_UINT64_T_FMT ", failed: %" APR_UINT64_T_FMT "</dt>\n",
               wh.delivered, wh.retried, wh.failed);
    status_held(r, flags);
    ap_rputs("</dl>\n", r);
    return OK;
}

void leads_status_register(void)
{
    APR_OPTIONAL_HOOK(ap, status_hook, leads_status_hook, NULL, NULL,
                      APR_HOOK_MIDDLE);
}
