# mod_leads: `make run` for a first look, `make test` for the whole suite.
# The build rules themselves are in apxs.mk.

PORT      ?= 8080
PREFIX    ?= /usr/local

.DEFAULT_GOAL := all

include apxs.mk
include fuzz.mk

# Debian packages: what building and `make run` need, and what tests add.
DEPS_RUN  := apache2 apache2-dev libapr1-dev libaprutil1-dev \
             libaprutil1-dbd-sqlite3 libaprutil1-dbd-pgsql libaprutil1-dbd-mysql \
             libjansson-dev libssl-dev libcurl4-openssl-dev libsqlite3-dev sqlite3 \
             gcc make
DEPS_TEST := $(DEPS_RUN) postgresql mariadb-server mariadb-client \
             perl libjson-pp-perl curl wrk nodejs

.PHONY: all build deps deps-test run test unit install clean bench fuzz

all: build

build: $(MODULE) $(LEADSCTL)

unit: $(UNIT_BIN)

# What installs packages (t/make-run.t swaps it to prove the build reads
# nothing before it has run).
APT_DEPS  ?= sh scripts/apt-deps.sh

deps:
	@$(APT_DEPS) $(DEPS_RUN)

# npm: Debian's package, unless the installed Node.js brings its own.
deps-test:
	@$(APT_DEPS) $(DEPS_TEST)
	@command -v npm >/dev/null 2>&1 || $(APT_DEPS) npm
	@$(MAKE) -s --no-print-directory $(OPENAPI_DEPS)

# t/openapi.t's validator (docs/openapi.yaml), from the npm registry at the
# versions of t/openapi/package-lock.json; again only when the lock changes.
OPENAPI_DEPS := t/openapi/node_modules/.installed
$(OPENAPI_DEPS): t/openapi/package.json t/openapi/package-lock.json
	cd t/openapi && npm ci --no-audit --no-fund
	@touch $@

# The build runs in a make started after the packages are in: nothing it
# reads (apr-1-config, apxs, headers) is looked at before they exist.
run: deps
	@$(MAKE) --no-print-directory build
	@PORT=$(PORT) sh scripts/run.sh

test: deps-test
	@$(MAKE) --no-print-directory build unit
	@SANITIZE=$(SANITIZE) sh t/run-tests.sh

bench: deps-test
	@$(MAKE) --no-print-directory build
	@sh t/bench/run.sh

install: build
	$(APXS) -i -n leads $(MODULE)
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 755 $(LEADSCTL) $(DESTDIR)$(PREFIX)/bin/leadsctl
	@if [ -d /etc/apache2/mods-available ]; then \
	    install -m 644 conf/leads.load /etc/apache2/mods-available/leads.load; \
	    [ -e /etc/apache2/mods-available/leads.conf ] || \
	        install -m 644 conf/leads.conf /etc/apache2/mods-available/leads.conf; \
	    echo "installed: a2enmod leads (edit /etc/apache2/mods-available/leads.conf first)"; \
	fi

clean:
	rm -rf $(BUILD) $(SRC)/.libs $(SRC)/*.o $(SRC)/*.lo $(SRC)/*.la $(SRC)/*.slo
