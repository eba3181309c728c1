# Build rules for mod_leads.so (with apxs) and leadsctl, included by Makefile.
#
# The folders say what each file is, and the lists below come from them:
#   mod_leads/core/  plain C, no httpd types: build/libleads_core.a, linked
#                    by the module, leadsctl, the unit tests (and, built
#                    again with libFuzzer's instrumentation, the fuzzers)
#   mod_leads/       the httpd glue: mod_leads.so
#   support/         leadsctl
# Each is compiled with only its own folder and the core's on the include
# path, so the core cannot reach a glue or httpd header by mistake.

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
CORE      := $(SRC)/core
CTL       := support
BUILD     := build

CORE_SRC  := $(sort $(wildcard $(CORE)/*.c))
CORE_HDR  := $(wildcard $(CORE)/*.h)
CORE_OBJ  := $(patsubst $(CORE)/%.c,$(BUILD)/core/%.o,$(CORE_SRC))
CORE_LIB  := $(BUILD)/libleads_core.a

MOD_SRC   := $(sort $(wildcard $(SRC)/*.c))
MOD_HDR   := $(wildcard $(SRC)/*.h)

CTL_SRC   := $(sort $(wildcard $(CTL)/*.c)) $(BUILD)/leads_schema.c
CTL_HDR   := $(wildcard $(CTL)/*.h)

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

# The core, compiled once, position-independent so that the module (a
# shared object) can link it too. No httpd include directory here.
$(BUILD)/core/%.o: $(CORE)/%.c $(CORE_HDR) $(FLAGS_STAMP)
	@mkdir -p $(BUILD)/core
	$(CC) $(WARN) -g -O2 -fPIC -I$(CORE) $(APR_CFLAGS) -c -o $@ $<

$(CORE_LIB): $(CORE_OBJ)
	rm -f $@
	ar rcs $@ $(CORE_OBJ)

# The libraries follow the core's archive (apxs passes the words after the
# sources on in order), so the linker sees what the core uses of them.
# libtool warns that linking a static archive into a shared object is not
# portable: it is on every platform httpd's apxs builds for, as the archive
# is compiled -fPIC.
$(MODULE): $(MOD_SRC) $(MOD_HDR) $(CORE_HDR) $(CORE_LIB) $(FLAGS_STAMP)
	cd $(SRC) && $(APXS) -c -o mod_leads.so -I core \
	    $(foreach f,$(WARN),-Wc,$(f)) \
	    $(notdir $(MOD_SRC)) $(abspath $(CORE_LIB)) \
	    $(LEADS_LIBS) -lcurl -lsqlite3

# The schema files are compiled into leadsctl so `leadsctl init` needs no
# data directory.
$(BUILD)/leads_schema.c: $(SQL_FILES) scripts/embed-sql.sh
	@mkdir -p $(BUILD)
	sh scripts/embed-sql.sh $(SQL_FILES) > $@.tmp && mv $@.tmp $@

# CPPFLAGS, CFLAGS and LDFLAGS from the environment are honoured (the Debian
# package build passes dpkg-buildflags' hardening this way; apxs has its own).
$(LEADSCTL): $(CTL_SRC) $(CTL_HDR) $(CORE_HDR) $(CORE_LIB) $(FLAGS_STAMP)
	@mkdir -p $(BUILD)
	$(if $(LEADS_VERSION),,$(error no LEADS_VERSION in $(SRC)/mod_leads.h))
	$(CC) $(WARN) -g -O2 $(CPPFLAGS) $(CFLAGS) -I$(CTL) -I$(CORE) $(APR_CFLAGS) \
	    '-DLEADS_VERSION="$(LEADS_VERSION)"' $(LDFLAGS) -o $@ $(CTL_SRC) \
	    $(CORE_LIB) $(APR_LIBS) $(LEADS_LIBS)

# Unit tests of the core: one TAP program per t/unit/*.c.
UNIT_SRC  := $(wildcard t/unit/*.c)
UNIT_BIN  := $(patsubst t/unit/%.c,$(BUILD)/unit/%,$(UNIT_SRC))

$(BUILD)/unit/%: t/unit/%.c $(CORE_HDR) $(CORE_LIB) t/unit/tap.h
	@mkdir -p $(BUILD)/unit
	$(CC) $(WARN) -g -O1 -I$(CORE) -It/unit $(APR_CFLAGS) -o $@ $< \
	    $(CORE_LIB) $(APR_LIBS) $(LEADS_LIBS)
