# Build rules for mod_leads.so (with apxs) and leadsctl, included by Makefile.

APXS      ?= apxs
APR_CONF  ?= apr-1-config
APU_CONF  ?= apu-1-config
CC        ?= cc

WARN      := -std=c99 -D_GNU_SOURCE -Wall -Wextra -Werror
LEADS_LIBS := -ljansson -lcrypto

# `make test SANITIZE=1`: the module and leadsctl under ASan and UBSan;
# the tests preload the runtimes into httpd (see t/run-tests.sh).
SANITIZE  ?= 0
ifeq ($(SANITIZE),1)
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer
WARN      += $(SAN_FLAGS)
endif

SRC       := mod_leads
BUILD     := build

# Plain C shared by the module, leadsctl and the unit tests: no httpd types.
CORE_SRC  := $(addprefix $(SRC)/, leads_text.c leads_contact.c leads_phone.c \
               leads_validate.c leads_uuid.c leads_time.c leads_key.c \
               leads_ratelimit.c leads_dialect.c leads_sign.c leads_ring.c leads_addr.c leads_schedule.c \
               leads_form.c leads_mapping.c leads_headers.c)

# The module: httpd glue around the core.
MOD_SRC   := $(addprefix $(SRC)/, mod_leads.c leads_config.c leads_handler.c leads_body.c \
               leads_idempotency.c leads_ingest.c \
               leads_respond.c leads_db.c leads_store.c leads_profile.c leads_shm.c \
               leads_maint.c leads_outbox.c leads_deliver.c leads_status.c \
               leads_redact.c leads_conftree.c leads_db_gate.c leads_check.c) \
             $(CORE_SRC)

CTL_SRC   := $(addprefix $(SRC)/, leadsctl.c leadsctl_db.c leadsctl_out.c leadsctl_firm.c leadsctl_key.c leadsctl_source.c leadsctl_webhook.c) $(CORE_SRC) \
             $(BUILD)/leads_schema.c

SQL_FILES := $(sort $(wildcard sql/*/*.sql))

MODULE    := $(SRC)/.libs/mod_leads.so
LEADSCTL  := $(BUILD)/leadsctl

# The version has one home, LEADS_VERSION in mod_leads.h: leadsctl is given
# it at build time (it includes no httpd header) and `make deb` checks
# debian/changelog against it. Read when used, not when make starts.
LEADS_VERSION = $(shell sed -n 's/^.define[[:space:]]*LEADS_VERSION[[:space:]]*"\([^"]*\)".*/\1/p' $(SRC)/mod_leads.h)

# Read when a recipe runs, not when make starts: on a fresh machine
# `make deps` installs apr-1-config during this very make.
APR_CFLAGS  = $(shell $(APR_CONF) --cflags --cppflags --includes 2>/dev/null) \
              $(shell $(APU_CONF) --includes 2>/dev/null)
APR_LIBS    = $(shell $(APU_CONF) --link-ld --libs 2>/dev/null) \
              $(shell $(APR_CONF) --link-ld --libs 2>/dev/null)

# A build with other SANITIZE flags is rebuilt, not reused.
FLAGS_STAMP := $(BUILD)/.sanitize-$(SANITIZE)

$(FLAGS_STAMP):
	@mkdir -p $(BUILD)
	@rm -f $(BUILD)/.sanitize-*
	@touch $@

$(MODULE): $(MOD_SRC) $(wildcard $(SRC)/*.h) $(FLAGS_STAMP)
	cd $(SRC) && $(APXS) -c -o mod_leads.so \
	    $(foreach f,$(WARN),-Wc,$(f)) $(LEADS_LIBS) -lcurl -lsqlite3 \
	    $(notdir $(MOD_SRC))

# The schema files are compiled into leadsctl so `leadsctl init` needs no
# data directory.
$(BUILD)/leads_schema.c: $(SQL_FILES) scripts/embed-sql.sh
	@mkdir -p $(BUILD)
	sh scripts/embed-sql.sh $(SQL_FILES) > $@.tmp && mv $@.tmp $@

# CPPFLAGS, CFLAGS and LDFLAGS from the environment are honoured (the Debian
# package build passes dpkg-buildflags' hardening this way; apxs has its own).
$(LEADSCTL): $(CTL_SRC) $(wildcard $(SRC)/*.h) $(FLAGS_STAMP)
	@mkdir -p $(BUILD)
	$(if $(LEADS_VERSION),,$(error no LEADS_VERSION in $(SRC)/mod_leads.h))
	$(CC) $(WARN) -g -O2 $(CPPFLAGS) $(CFLAGS) -I$(SRC) $(APR_CFLAGS) \
	    '-DLEADS_VERSION="$(LEADS_VERSION)"' $(LDFLAGS) -o $@ $(CTL_SRC) \
	    $(APR_LIBS) $(LEADS_LIBS)

# Unit tests of the core: one TAP program per t/unit/*.c.
UNIT_SRC  := $(wildcard t/unit/*.c)
UNIT_BIN  := $(patsubst t/unit/%.c,$(BUILD)/unit/%,$(UNIT_SRC))

$(BUILD)/unit/%: t/unit/%.c $(CORE_SRC) $(wildcard $(SRC)/*.h) t/unit/tap.h
	@mkdir -p $(BUILD)/unit
	$(CC) $(WARN) -g -O1 -I$(SRC) -It/unit $(APR_CFLAGS) -o $@ $< $(CORE_SRC) \
	    $(APR_LIBS) $(LEADS_LIBS)
