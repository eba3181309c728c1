/* Phone rules and E.164 normalisation (docs/api.md §4.2). */
#include <string.h>
#include <strings.h>

#include <apr_lib.h>
#include <apr_strings.h>

#include "leads_phone.h"
#include "leads_text.h"

#define PHONE_MAX_CHARS 32
#define PHONE_MIN_DIGITS 7
#define PHONE_MAX_DIGITS 15
#define E164_MIN_DIGITS 8
#define E164_MAX_DIGITS 15

/* How a region writes numbers. `trunk` is the national prefix dialled
 * before the area code and dropped in E.164 ("" where the leading digit
 * belongs to the number, as in Italy); `intl` is the prefix for dialling
 * abroad; `nsn_len` is the fixed length of a national number, 0 when it
 * varies. */
typedef struct {
    const char *region;
    const char *cc;
    const char *trunk;
    const char *intl;
    apr_size_t nsn_len;
} phone_region_t;

static const phone_region_t phone_regions[] = {
    /* North American Numbering Plan */
    { "US", "1", "1", "011", 10 },
    { "CA", "1", "1", "011", 10 },
    { "PR", "1", "1", "011", 10 },
    { "DO", "1", "1", "011", 10 },
    { "JM", "1", "1", "011", 10 },
    { "TT", "1", "1", "011", 10 },
    { "BS", "1", "1", "011", 10 },
    { "BB", "1", "1", "011", 10 },
    /* Europe */
    { "GB", "44", "0", "00", 0 },
    { "IE", "353", "0", "00", 0 },
    { "DE", "49", "0", "00", 0 },
    { "FR", "33", "0", "00", 0 },
    { "ES", "34", "", "00", 0 },
    { "IT", "39", "", "00", 0 },
    { "NL", "31", "0", "00", 0 },
    { "BE", "32", "0", "00", 0 },
    { "LU", "352", "", "00", 0 },
    { "CH", "41", "0", "00", 0 },
    { "AT", "43", "0", "00", 0 },
    { "SE", "46", "0", "00", 0 },
    { "NO", "47", "", "00", 0 },
    { "DK", "45", "", "00", 0 },
    { "FI", "358", "0", "00", 0 },
    { "IS", "354", "", "00", 0 },
    { "PL", "48", "", "00", 0 },
    { "PT", "351", "", "00", 0 },
    { "GR", "30", "", "00", 0 },
    { "CZ", "420", "", "00", 0 },
    { "SK", "421", "0", "00", 0 },
    { "HU", "36", "06", "00", 0 },
    { "RO", "40", "0", "00", 0 },
    { "BG", "359", "0", "00", 0 },
    { "HR", "385", "0", "00", 0 },
    { "SI", "386", "0", "00", 0 },
    { "RS", "381", "0", "00", 0 },
    { "EE", "372", "", "00", 0 },
    { "LV", "371", "", "00", 0 },
    { "MT", "356", "", "00", 0 },
    { "CY", "357", "", "00", 0 },
    { "UA", "380", "0", "00", 0 },
    { "TR", "90", "0", "00", 0 },
    { "RU", "7", "8", "810", 10 },
    { "KZ", "7", "8", "810", 10 },
    /* Latin America */
    { "MX", "52", "", "00", 10 },
    { "BR", "55", "0", "00", 0 },
    { "AR", "54", "0", "00", 0 },
    { "CL", "56", "", "00", 0 },
    { "CO", "57", "", "00", 0 },
    { "PE", "51", "0", "00", 0 },
    { "VE", "58", "0", "00", 0 },
    { "UY", "598", "", "00", 0 },
    { "EC", "593", "0", "00", 0 },
    { "CR", "506", "", "00", 0 },
    { "PA", "507", "", "00", 0 },
    /* Asia */
    { "IN", "91", "0", "00", 0 },
    { "CN", "86", "0", "00", 0 },
    { "JP", "81", "0", "010", 0 },
    { "KR", "82", "0", "001", 0 },
    { "TW", "886", "0", "002", 0 },
    { "HK", "852", "", "00", 0 },
    { "SG", "65", "", "00", 0 },
    { "MY", "60", "0", "00", 0 },
    { "TH", "66", "0", "001", 0 },
    { "ID", "62", "0", "001", 0 },
    { "PH", "63", "0", "00", 0 },
    { "VN", "84", "0", "00", 0 },
    { "PK", "92", "0", "00", 0 },
    { "BD", "880", "0", "00", 0 },
    { "LK", "94", "0", "00", 0 },
    /* Middle East */
    { "IL", "972", "0", "00", 0 },
    { "AE", "971", "0", "00", 0 },
    { "SA", "966", "0", "00", 0 },
    { "QA", "974", "", "00", 0 },
    { "KW", "965", "", "00", 0 },
    { "JO", "962", "0", "00", 0 },
    { "EG", "20", "0", "00", 0 },
    /* Africa */
    { "ZA", "27", "0", "00", 0 },
    { "NG", "234", "0", "009", 0 },
    { "KE", "254", "0", "000", 0 },
    { "GH", "233", "0", "00", 0 },
    { "MA", "212", "0", "00", 0 },
    { "UG", "256", "0", "000", 0 },
    { "TZ", "255", "0", "000", 0 },
    /* Oceania */
    { "AU", "61", "0", "0011", 0 },
    { "NZ", "64", "0", "00", 0 },
};

#define PHONE_REGION_COUNT (sizeof(phone_regions) / sizeof(phone_regions[0]))

static const phone_region_t *phone_region_find(const char *region)
{
    apr_size_t i;

    for (i = 0; region != NULL && i < PHONE_REGION_COUNT; i++) {
        if (strcasecmp(phone_regions[i].region, region) == 0) {
            return &phone_regions[i];
        }
    }
    return NULL;
}

const char *leads_phone_region_code(const char *region)
{
    const phone_region_t *r = phone_region_find(region);

    return r != NULL ? r->cc : NULL;
}

static int phone_punctuation(char c)
{
    return c == ' ' || c == '-' || c == '(' || c == ')' || c == '.';
}

/* Checks the characters of `phone` and collects its digits into
 * `digits` (at least strlen(phone) + 1 bytes). Returns the issue or NULL. */
static const char *phone_collect_digits(const char *phone, char *digits)
{
    const char *c;
    apr_size_t n = 0;

    if (leads_text_length(phone) > PHONE_MAX_CHARS) {
        return "must be at most 32 characters";
    }
    for (c = phone; *c; c++) {
        if (apr_isdigit(*c)) {
            digits[n++] = *c;
        }
        else if (!phone_punctuation(*c) && !(*c == '+' && c == phone)) {
            return "must be a valid phone number";
        }
    }
    digits[n] = '\0';
    if (n < PHONE_MIN_DIGITS || n > PHONE_MAX_DIGITS) {
        return "must have 7 to 15 digits";
    }
    return NULL;
}

static int has_prefix(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* "+<cc><national>", or NULL when the digit count cannot be E.164:
 * a number that does not fit is better kept as the client wrote it. */
static const char *e164_join(apr_pool_t *p, const char *cc,
                             const char *national)
{
    apr_size_t n = strlen(cc) + strlen(national);

    if (n < E164_MIN_DIGITS || n > E164_MAX_DIGITS) {
        return NULL;
    }
    return apr_pstrcat(p, "+", cc, national, NULL);
}

/* Places a national (or internationally dialled) number of region `r`
 * in E.164; NULL when it does not look like one of the region's numbers.
 * The trunk prefix is dropped once, and only when what remains has the
 * region's fixed length (a Russian "812…" is an area code, not a trunk). */
static const char *phone_place_national(apr_pool_t *p,
                                        const phone_region_t *r,
                                        const char *digits)
{
    apr_size_t len = strlen(digits);
    apr_size_t trunk_len = strlen(r->trunk);

    if (has_prefix(digits, r->intl)) {
        return e164_join(p, "", digits + strlen(r->intl));
    }
    if (trunk_len > 0 && has_prefix(digits, r->trunk)
        && (r->nsn_len == 0 || len - trunk_len == r->nsn_len)) {
        digits += trunk_len;
        len -= trunk_len;
    }
    if (r->nsn_len != 0 && len != r->nsn_len) {
        return NULL;
    }
    return e164_join(p, r->cc, digits);
}

const char *leads_phone_normalize(apr_pool_t *p, const char *phone,
                                  const char *region, const char **normalized)
{
    char *digits = apr_palloc(p, strlen(phone) + 1);
    const char *issue = phone_collect_digits(phone, digits);
    const phone_region_t *r;
    const char *placed = NULL;

    if (issue != NULL) {
        return issue;
    }
    if (phone[0] == '+') {
        *normalized = apr_pstrcat(p, "+", digits, NULL);
        return NULL;
    }
    r = phone_region_find(region);
    if (r != NULL) {
        placed = phone_place_national(p, r, digits);
    }
    *normalized = placed != NULL ? placed : phone;
    return NULL;
}
