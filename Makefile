# mod_leads: `make run` for a first look, `make test` for the whole suite.
# The build rules themselves are in apxs.mk.

PORT      ?= 8080
PREFIX    ?= /usr/local
DIST      ?= dist

.DEFAULT_GOAL := all

include apxs.mk
include fuzz.mk

# Debian packages: what building and `make run` need, and what tests add.
DEPS_RUN  := apache2 apache2-dev libapr1-dev libaprutil1-dev \
             libaprutil1-dbd-sqlite3 libaprutil1-dbd-pgsql libaprutil1-dbd-mysql \
             libjansson-dev libssl-dev libcurl4-openssl-dev libsqlite3-dev sqlite3 \
             gcc make
DEPS_DEB  := $(DEPS_RUN) build-essential debhelper dpkg-dev
DEPS_TEST := $(DEPS_DEB) postgresql mariadb-server mariadb-client galera-4 rsync \
             perl libjson-pp-perl curl wrk nodejs lintian prometheus chromium

# Where install-files puts things, under DESTDIR.
MODDIR     = $(shell $(APXS) -q LIBEXECDIR)
BINDIR    ?= $(PREFIX)/bin
MANDIR    ?= $(PREFIX)/share/man
MANPAGE   := docs/leadsctl.1

.PHONY: all build deps deps-test deps-deb run test unit install install-files \
        deb clean bench fuzz

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

deps-deb:
	@$(APT_DEPS) $(DEPS_DEB)

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

# The module, leadsctl and its man page, under DESTDIR: what `make install`
# and the Debian package (debian/rules) both install.
install-files: build
	install -d $(DESTDIR)$(MODDIR) $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1
	$(APXS) -i -S LIBEXECDIR=$(DESTDIR)$(MODDIR) -n leads $(MODULE)
	install -m 755 $(LEADSCTL) $(DESTDIR)$(BINDIR)/leadsctl
	install -m 644 $(MANPAGE) $(DESTDIR)$(MANDIR)/man1/leadsctl.1

install: install-files
	@if [ -d /etc/apache2/mods-available ]; then \
	    install -m 644 conf/leads.load /etc/apache2/mods-available/leads.load; \
	    [ -e /etc/apache2/mods-available/leads.conf ] || \
	        install -m 644 conf/leads.conf /etc/apache2/mods-available/leads.conf; \
	    echo "installed: a2enmod leads (edit /etc/apache2/mods-available/leads.conf first)"; \
	fi

# libapache2-mod-leads_<version>_<arch>.deb into $(DIST)/, built by
# dpkg-buildpackage in a copy of the tree: the checkout's own build is left
# as it is. Fails when debian/changelog is not at LEADS_VERSION.
deb: deps-deb
	@LEADS_VERSION="$(LEADS_VERSION)" sh scripts/build-deb.sh "$(DIST)"

clean:
	rm -rf $(BUILD) $(SRC)/.libs $(SRC)/*.o $(SRC)/*.lo $(SRC)/*.la $(SRC)/*.slo
