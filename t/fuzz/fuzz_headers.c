/* Short untrusted text: the Authorization header (leads_bearer_token()),
 * Idempotency-Key and Content-Type (leads_headers.h),
 * and the one-string rules the validator applies (email, phone with and
 * without a region, date, UUID), plus the parsers of configured text
 * (retry schedule, webhook secret) and the SSRF guard's address
 * classification over the same bytes. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <netinet/in.h>

#include <apr_strings.h>

#include "harness.h"
#include "leads_addr.h"
#include "leads_contact.h"
#include "leads_headers.h"
#include "leads_key.h"
#include "leads_phone.h"
#include "leads_schedule.h"
#include "leads_sign.h"
#include "leads_text.h"
#include "leads_time.h"
#include "leads_uuid.h"

/* US: fixed length; GB: trunk 0; RU: trunk 8, fixed length; HU: two-digit
 * trunk; AU: four-digit international prefix; IT: no trunk. */
static const char *const phone_regions[] = {
    "US", "GB", "RU", "HU", "AU", "IT", "us", "XX"
};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_init();
    return 0;
}

static void check_bearer(const char *authorization)
{
    const char *token = leads_bearer_token(fuzz_pool, authorization);

    fuzz_check(token == NULL
               || (*token != '\0'
                   && strpbrk(token, " \t\r\n\f\v") == NULL
                   && strstr(authorization, token) != NULL),
               "a bearer token is a non-empty part of the header, "
               "no white space");
}

/* Normalising a normalised phone changes nothing. */
static void check_phone(const char *s, const char *region)
{
    const char *normalized, *again;

    if (leads_phone_normalize(fuzz_pool, s, region, &normalized) == NULL) {
        fuzz_check(leads_phone_normalize(fuzz_pool, normalized, region,
                                         &again) == NULL
                   && strcmp(again, normalized) == 0,
                   "phone normalisation is idempotent");
    }
}

static void check_contact(const char *text)
{
    const char *s = leads_text_trim(fuzz_pool, text);
    const char *normalized, *again;
    size_t i;

    /* as the validator calls them: trimmed, non-empty */
    if (*s == '\0') {
        return;
    }
    if (leads_email_normalize(fuzz_pool, s, &normalized) == NULL) {
        fuzz_check(leads_email_normalize(fuzz_pool, normalized, &again)
                   == NULL && strcmp(again, normalized) == 0,
                   "email normalisation is idempotent");
    }
    check_phone(s, NULL);
    for (i = 0; i < sizeof(phone_regions) / sizeof(phone_regions[0]); i++) {
        check_phone(s, phone_regions[i]);
    }
}

static void check_schedule(const char *text)
{
    leads_schedule_t *schedule = NULL;
    apr_interval_time_t delay;
    int k;

    if (leads_delay_parse(fuzz_pool, text, &delay) == NULL) {
        fuzz_check(delay > 0 && delay <= LEADS_SCHEDULE_MAX_DELAY,
                   "a delay is more than 0 and at most 7 days");
    }
    if (leads_schedule_parse(fuzz_pool, text, &schedule) == NULL) {
        fuzz_check(schedule->count >= 1
                   && schedule->count <= LEADS_SCHEDULE_MAX_DELAYS,
                   "a schedule has 1..50 delays");
        for (k = 0; k <= leads_schedule_attempts(schedule); k++) {
            fuzz_check(leads_schedule_delay(schedule, k, &delay)
                       == (k >= 1 && k <= schedule->count),
                       "retries 1..count have a delay");
        }
    }
}

static void check_secret(const char *text, size_t len)
{
    const char *header;

    (void)leads_whsec_check(text);
    (void)leads_sign_lawfficient(fuzz_pool, text, 1, text, len, &header);
    (void)leads_sign_standard(fuzz_pool, text, "msg", 1, text, len, &header);
}

/* The bytes as an IPv4 and an IPv6 socket address. */
static void check_address(const uint8_t *data, size_t size)
{
    struct sockaddr_in sin;
    struct sockaddr_in6 sin6;
    socklen_t salen;
    const char *s;

    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    memcpy(&sin.sin_addr, data, size < 4 ? size : 4);
    (void)leads_addr_refusal((struct sockaddr *)&sin, sizeof(sin), 0);
    s = leads_addr_text(fuzz_pool, (struct sockaddr *)&sin, sizeof(sin));
    memset(&sin6, 0, sizeof(sin6));
    sin6.sin6_family = AF_INET6;
    memcpy(&sin6.sin6_addr, data, size < 16 ? size : 16);
    (void)leads_addr_refusal((struct sockaddr *)&sin6, sizeof(sin6), 1);
    s = leads_addr_text(fuzz_pool, (struct sockaddr *)&sin6, sizeof(sin6));
    (void)s;
    /* a buffer of salen bytes exactly, often too short for its family */
    salen = (socklen_t)(size % (sizeof(sin6) + 1));
    (void)leads_addr_classify(apr_pmemdup(fuzz_pool, &sin6, salen), salen);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = fuzz_text(data, size);
    const char *uuid;

    check_bearer(text);
    fuzz_check(!leads_idempotency_key_valid(text)
               || (strlen(text) >= 1 && strlen(text) <= 255),
               "a valid Idempotency-Key is 1..255 characters");
    leads_media_type_is(text, "application/json");
    leads_media_type_is(text, "application/x-www-form-urlencoded");
    check_contact(text);
    fuzz_check(!leads_date_valid(text) || strlen(text) == 10,
               "a valid date is YYYY-MM-DD");
    if (leads_uuid_parse(fuzz_pool, text, &uuid)) {
        fuzz_check(strlen(uuid) == LEADS_UUID_LEN
                   && strcasecmp(uuid, text) == 0
                   && strspn(uuid, "0123456789abcdef-") == LEADS_UUID_LEN,
                   "a parsed UUID is its lowercase 8-4-4-4-12 form");
    }
    check_schedule(text);
    check_secret(text, strlen(text));
    check_address(data, size);
    fuzz_input_done();
    return 0;
}
