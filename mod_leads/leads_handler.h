/* The `leads` handler: POST /api/leads. */
#ifndef LEADS_HANDLER_H
#define LEADS_HANDLER_H

#include "httpd.h"

int leads_handler(request_rec *r);

#endif
