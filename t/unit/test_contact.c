/* Email and phone rules and normalisation (docs/api.md §4.2). */
#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>

#include "leads_contact.h"
#include "leads_phone.h"
#include "tap.h"

static const char email_invalid[] = "must be a valid email address";

/* The stored form of an acceptable email, or "ERR: <issue>". */
static const char *email(apr_pool_t *p, const char *in)
{
    const char *out = NULL;
    const char *issue = leads_email_normalize(p, in, &out);

    return issue != NULL ? apr_pstrcat(p, "ERR: ", issue, NULL) : out;
}

static const char *phone(apr_pool_t *p, const char *in, const char *region)
{
    const char *out = NULL;
    const char *issue = leads_phone_normalize(p, in, region, &out);

    return issue != NULL ? apr_pstrcat(p, "ERR: ", issue, NULL) : out;
}

static const char *err(apr_pool_t *p, const char *issue)
{
    return apr_pstrcat(p, "ERR: ", issue, NULL);
}

static void test_email_accepted(apr_pool_t *p)
{
    is_str(email(p, "ada@example.com"), "ada@example.com", "plain address");
    is_str(email(p, "Ada.Lovelace@Example.COM"), "ada.lovelace@example.com",
           "stored lowercased");
    is_str(email(p, "a+tag@sub.example.co.uk"), "a+tag@sub.example.co.uk",
           "plus tag and subdomains");
    is_str(email(p, "ZOË@bücher.DE"), "zoË@bücher.de",
           "only ASCII letters are lowercased");
}

static void test_email_refused(apr_pool_t *p)
{
    const char *local65 = apr_psprintf(p, "%065d@example.com", 0);
    const char *local64 = apr_psprintf(p, "%064d@example.com", 0);
    const char *long255 = apr_psprintf(p, "a@%0249d.com", 0);
    const char *long254 = apr_psprintf(p, "a@%0248d.com", 0);

    is_str(email(p, "ada.example.com"), err(p, email_invalid), "no @");
    is_str(email(p, "ada@b@example.com"), err(p, email_invalid), "two @");
    is_str(email(p, "@example.com"), err(p, email_invalid), "empty local");
    is_str(email(p, "ada@localhost"), err(p, email_invalid), "domain w/o dot");
    is_str(email(p, "ada@.example.com"), err(p, email_invalid),
           "domain starts with dot");
    is_str(email(p, "ada@example.com."), err(p, email_invalid),
           "domain ends with dot");
    is_str(email(p, "ada@example..com"), err(p, email_invalid),
           "empty domain label");
    is_str(email(p, "ada@"), err(p, email_invalid), "empty domain");
    is_str(email(p, "ada lovelace@example.com"), err(p, email_invalid),
           "space inside");
    is_str(email(p, "ada@exa\tmple.com"), err(p, email_invalid), "tab inside");
    is_str(email(p, "ada\x7F@example.com"), err(p, email_invalid), "DEL");
    is_str(email(p, "ada\xC2\x85@example.com"), err(p, email_invalid),
           "C1 control");
    is_str(email(p, local65), err(p, email_invalid), "local part of 65");
    is_str(email(p, local64), local64, "local part of 64 is fine");
    is_str(email(p, long255), err(p, "must be at most 254 characters"),
           "255 characters too long");
    is_str(email(p, long254), long254, "254 characters fine");
}

static void test_phone_shape(apr_pool_t *p)
{
    is_str(phone(p, "555-0100 12", NULL), "555-0100 12",
           "no region, no +: kept as given");
    is_str(phone(p, "+1 (212) 555-0100", NULL), "+12125550100",
           "+ form brought to E.164 without region");
    is_str(phone(p, "+44 20.7946.0958", "US"), "+442079460958",
           "+ wins over the region");
    is_str(phone(p, "123456", NULL), err(p, "must have 7 to 15 digits"),
           "6 digits too few");
    is_str(phone(p, "1234567", NULL), "1234567", "7 digits fine");
    is_str(phone(p, "+1234567890123456", NULL),
           err(p, "must have 7 to 15 digits"), "16 digits too many");
    is_str(phone(p, "212 555 0100 ext 5", NULL),
           err(p, "must be a valid phone number"), "letters refused");
    is_str(phone(p, "212+5550100", NULL),
           err(p, "must be a valid phone number"), "+ only first");
    is_str(phone(p, "++12125550100", NULL),
           err(p, "must be a valid phone number"), "double +");
    is_str(phone(p, "1-2-3-4-5-6-7-8-9-0-1-2-3-4-5-6-7", NULL),
           err(p, "must be at most 32 characters"), "33 characters");
    is_str(phone(p, "２１２５５５０１００", NULL),
           err(p, "must be a valid phone number"), "full-width digits");
}

static void test_phone_regions(apr_pool_t *p)
{
    is_str(leads_phone_region_code("US"), "1", "US calling code");
    is_str(leads_phone_region_code("gb"), "44", "region is case-insensitive");
    is_str(leads_phone_region_code("De"), "49", "DE calling code");
    ok(leads_phone_region_code("XX") == NULL, "unknown region");
    ok(leads_phone_region_code("") == NULL, "empty region");

    is_str(phone(p, "(212) 555-0100", "US"), "+12125550100",
           "US 10 digits");
    is_str(phone(p, "1 212 555 0100", "us"), "+12125550100",
           "US 11 digits with 1");
    is_str(phone(p, "011 44 20 7946 0958", "US"), "+442079460958",
           "US international prefix 011");
    is_str(phone(p, "555 0100 12", "US"), "555 0100 12",
           "US 9 digits kept as given");
    is_str(phone(p, "2 212 555 0100", "US"), "2 212 555 0100",
           "US 11 digits not starting with 1 kept");
    is_str(phone(p, "020 7946 0958", "GB"), "+442079460958",
           "GB trunk 0 stripped");
    is_str(phone(p, "07700 900123", "GB"), "+447700900123", "GB mobile");
    is_str(phone(p, "0044 20 7946 0958", "GB"), "+442079460958",
           "GB 00 international prefix");
    is_str(phone(p, "030 1234567", "DE"), "+49301234567", "DE Berlin");
    is_str(phone(p, "0151 23456789", "DE"), "+4915123456789", "DE mobile");
    is_str(phone(p, "0049 30 1234567", "DE"), "+49301234567",
           "DE 00 international prefix");
    is_str(phone(p, "001 212 555 0100", "DE"), "+12125550100",
           "DE dialling the US");
    is_str(phone(p, "0041 2345", "DE"), "0041 2345",
           "too short after 00: kept as given");
    is_str(phone(p, "06 1234 5678", "IT"), "+390612345678",
           "IT keeps its leading 0");
    is_str(phone(p, "0 1234 5678 9012 34", "DE"), "0 1234 5678 9012 34",
           "more than 15 digits with the code: kept as given");
    is_str(phone(p, "8 812 123 4567", "RU"), "+78121234567",
           "RU trunk 8 stripped");
    is_str(phone(p, "812 123 4567", "RU"), "+78121234567",
           "RU 812 area code is not a trunk");
    is_str(phone(p, "0011 61 2 9876 5432", "AU"), "+61298765432",
           "AU international prefix 0011");
    is_str(phone(p, "212 555 0100", "XX"), "212 555 0100",
           "unknown region: kept as given");
}

int main(void)
{
    apr_pool_t *p;

    apr_initialize();
    apr_pool_create(&p, NULL);
    test_email_accepted(p);
    test_email_refused(p);
    test_phone_shape(p);
    test_phone_regions(p);
    apr_pool_destroy(p);
    apr_terminate();
    return tap_done();
}
