/* Web forms' captcha tokens verified server to server (docs/api.md §10):
 * one blocking libcurl POST to the provider's verify URL (or
 * LeadsCaptchaVerifyURL's), under a short timeout. The caller holds no
 * pooled database connection while it waits. */
#ifndef LEADS_VERIFY_H
#define LEADS_VERIFY_H

#include "httpd.h"

/* Whole-request and connect timeouts of one verification. */
#define LEADS_VERIFY_TIMEOUT_MS          5000L
#define LEADS_VERIFY_CONNECT_TIMEOUT_MS  3000L

/* POST `body` (application/x-www-form-urlencoded) to `url`. APR_SUCCESS
 * with *verdict 1 (accepted) or 0 (refused); APR_EGENERAL when the
 * verifier could not be reached or gave no usable answer (logged). */
apr_status_t leads_verify_captcha(request_rec *r, const char *url,
                                  const char *body, int *verdict);

#endif
