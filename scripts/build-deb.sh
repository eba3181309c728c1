#!/bin/sh
# `make deb`: libapache2-mod-leads_<version>_<arch>.deb into DIST (the
# first argument), built by dpkg-buildpackage from debian/ in a copy of the
# tree. The checkout is never built in: its build/ and mod_leads/.libs stay
# as they are (tests may be using them), and `debian/rules clean` runs
# `make clean` in the copy only.
#
# LEADS_VERSION (from mod_leads.h, passed by the Makefile) must begin
# debian/changelog's version: 0.1.0, or 0.1.0 followed by - + or ~.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
dist=${1:-dist}
pkg=libapache2-mod-leads
cd "$top"

if [ -z "${LEADS_VERSION:-}" ]; then
    echo "make deb: LEADS_VERSION is not set (run it through make)" >&2
    exit 1
fi
changelog=$(dpkg-parsechangelog -l debian/changelog -S Version)
case "$changelog" in
    "$LEADS_VERSION" | "$LEADS_VERSION"[-+~]*) ;;
    *)
        echo "make deb: debian/changelog is at $changelog but LEADS_VERSION" \
             "(mod_leads.h) is $LEADS_VERSION: add a changelog entry" \
             "(dch -v $LEADS_VERSION)" >&2
        exit 1 ;;
esac

mkdir -p "$dist"
dist=$(cd "$dist" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/leads-deb.XXXXXX")
trap 'rm -rf "$work"' EXIT
src="$work/$pkg-$LEADS_VERSION"
mkdir "$src"

# The tree as it is, without build outputs: what git tracks plus new files
# it does not ignore (uncommitted edits included); outside git, all but the
# output directories.
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    git ls-files -z --cached --others --exclude-standard |
        xargs -0 sh -c 'for f; do [ -e "$f" ] && printf "%s\n" "$f"; done' sh |
        tar -cf - -T - | tar -xf - -C "$src"
else
    tar -cf - --exclude=./build --exclude=./var --exclude=./dist \
        --exclude="./$(basename "$dist")" --exclude=./.git . | tar -xf - -C "$src"
fi

echo "make deb: dpkg-buildpackage in $src"
(cd "$src" && dpkg-buildpackage -us -uc -b)
for f in "$work"/*.deb "$work"/*.buildinfo "$work"/*.changes; do
    [ -e "$f" ] && mv -f "$f" "$dist/"
done
ls "$dist"/${pkg}_"$changelog"_*.deb
