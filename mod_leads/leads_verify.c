/* See leads_verify.h. An easy handle per verification: a form post is
 * rare next to the cost of the provider's round trip, and the handle then
 * needs no sharing between threads. The answer is read into a small
 * bounded buffer; a verifier's answer is a few hundred bytes. */
#include <string.h>

#include <curl/curl.h>

#include "httpd.h"
#include "apr_strings.h"
#include "http_log.h"

#include "leads_captcha.h"
#include "leads_verify.h"
#include "mod_leads.h"

APLOG_USE_MODULE(leads);

#define ANSWER_MAX 8192

typedef struct {
    char buf[ANSWER_MAX];
    apr_size_t len;
} answer_t;

/* Keep up to ANSWER_MAX bytes; a longer answer fails the transfer. */
static size_t keep_answer(char *data, size_t size, size_t n, void *baton)
{
    answer_t *a = baton;
    size_t bytes = size * n;

    if (bytes > ANSWER_MAX - a->len) {
        return 0;
    }
    memcpy(a->buf + a->len, data, bytes);
    a->len += bytes;
    return bytes;
}

apr_status_t leads_verify_captcha(request_rec *r, const char *url,
                                  const char *body, int *verdict)
{
    CURL *e = curl_easy_init();
    answer_t *a = apr_pcalloc(r->pool, sizeof(*a));
    char errbuf[CURL_ERROR_SIZE] = "";
    long status = 0;
    CURLcode rc;

    if (!e) {
        return APR_EGENERAL;
    }
    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    curl_easy_setopt(e, CURLOPT_USERAGENT, "mod_leads/" LEADS_VERSION);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, LEADS_VERIFY_TIMEOUT_MS);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
                     LEADS_VERIFY_CONNECT_TIMEOUT_MS);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, keep_answer);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, a);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, errbuf);
    rc = curl_easy_perform(e);
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(e);
    *verdict = rc == CURLE_OK && status / 100 == 2
               ? leads_captcha_verdict(a->buf, a->len) : -1;
    if (*verdict < 0) {
        /* the URL, never the body: it holds the secret */
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, LEADSLOGNO(00102)
                      "captcha verifier %s: %s (HTTP %ld), answering 503",
                      url, rc != CURLE_OK ? (*errbuf ? errbuf
                                             : curl_easy_strerror(rc))
                                          : "no usable answer", status);
        return APR_EGENERAL;
    }
    return APR_SUCCESS;
}
