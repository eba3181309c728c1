/* Shared by the module's glue files. */
#ifndef MOD_LEADS_H
#define MOD_LEADS_H

#include "httpd.h"
#include "http_config.h"

#define LEADS_VERSION       "0.1.0"
#define LEADS_API_VERSION   "2026-07-01"

/* The schema this module's statements need: the highest NNN of
 * sql/<driver>/NNN_*.sql (t/schema.t keeps them equal). */
#define LEADS_SCHEMA_VERSION 9

/* Stable message numbers in the error log, like httpd's APLOGNO():
 * grep for "LEADS00012" finds the one place that logs it. */
#define LEADSLOGNO(n)       "LEADS" #n ": "

extern module AP_MODULE_DECLARE_DATA leads_module;

#endif
