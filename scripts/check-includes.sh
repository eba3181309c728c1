#!/bin/sh
# The source tree's layout rules, checked from the #include lines alone
# (nothing is built); exits 1 and names each breach.
#
#   sh scripts/check-includes.sh [ROOT]      (default: this checkout)
#
# 1. The core (mod_leads/core/) includes no httpd header (httpd.h, http_*,
#    ap_*, util_*, mod_*) and no apr_dbd.h, and no header of the module's
#    glue (mod_leads/) or of leadsctl (support/); leadsctl includes none of
#    the glue's, nor the glue any of leadsctl's.
# 2. Every .c file has a header of its own name, but a program's main
#    (leadsctl.c), and a header that declares functions has a .c of its
#    own name: what a file defines for others is declared in its own
#    header, so "includes X.h" means "uses X.c".
# 3. No include cycles between the project's files: A depends on B when
#    A.c or A.h includes B.h (a header without a .c of its name, such as
#    one of only types, passes its own includes on). A cycle, such as
#    A.c including B.h while B.c includes A.h, fails the check: the
#    handler calls its steps and the steps the request context, never
#    back; leadsctl's main calls the commands and the commands the
#    helpers, never back. The module's own file is the one exception it
#    makes: mod_leads.c registers every hook, and every glue file includes
#    mod_leads.h for the module record (leads_module), the version and
#    LEADSLOGNO, as httpd's modules do; that header declares no function.
set -eu

root=${1:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$root"

files=
for d in mod_leads/core mod_leads support; do
    for f in "$d"/*.c "$d"/*.h; do
        [ -f "$f" ] && files="$files $f"
    done
done

# One awk over every file: the #include lines, which .c holds a main, which
# header declares functions; the rules at the end.
# shellcheck disable=SC2086
awk '
function base(path,    b) {
    b = path
    sub(/^.*\//, "", b)
    sub(/\.[ch]$/, "", b)
    return b
}
function dir(path,    d) {
    d = path
    sub(/\/[^\/]*$/, "", d)
    return d
}
function part(d) {
    return d == "mod_leads/core" ? "core" : d == "mod_leads" ? "glue" : "leadsctl"
}
function fail(msg) {
    print "check-includes: " msg
    failed = 1
}
# The nodes B that `file` depends on, through headers without a .c.
function deps_of(file, self, seen,    i, name, b) {
    for (i = 1; i <= ninc[file]; i++) {
        name = inc[file, i]
        if (!(name in hfile)) {
            continue                    # a system or library header
        }
        b = base(name)
        if (b == "mod_leads") {
            continue                    # the module record: see above
        }
        if (b in hasc) {
            if (b != self) {
                edge[self, b] = 1
            }
        }
        else if (!((self, name) in seen)) {
            seen[self, name] = 1
            deps_of(hfile[name], self, seen)
        }
    }
}
# "m -> ... -> m" out of the search path that came back to m.
function cycle_from(path, m,    parts, n, i, s) {
    n = split(path, parts, / -> /)
    for (i = 1; i <= n && parts[i] != m; i++) {
    }
    s = m
    for (i++; i <= n; i++) {
        s = s " -> " parts[i]
    }
    return s " -> " m
}
# Depth-first search; `path` is the chain from the root, for the message.
function visit(n, path,    m, k) {
    state[n] = 1
    for (k = 1; k <= nnode; k++) {
        m = node[k]
        if (!((n, m) in edge)) {
            continue
        }
        if (state[m] == 1) {
            fail("include cycle: " cycle_from(path, m))
        }
        else if (state[m] == 0) {
            visit(m, path " -> " m)
        }
    }
    state[n] = 2
}
BEGIN {
    for (i = 1; i < ARGC; i++) {
        f = ARGV[i]
        files[++nfile] = f
        if (f ~ /\.h$/) {
            name = f
            sub(/^.*\//, "", name)
            if (name in hfile) {
                fail(name " is both " hfile[name] " and " f)
            }
            hfile[name] = f
        }
        else {
            hasc[base(f)] = f
        }
    }
}
/^[ \t]*#[ \t]*include[ \t]*["<]/ {
    line = $0
    sub(/^[ \t]*#[ \t]*include[ \t]*/, "", line)
    d = substr(line, 1, 1)
    line = substr(line, 2)
    sub(/[">].*$/, "", line)
    n = ++ninc[FILENAME]
    inc[FILENAME, n] = line
    delim[FILENAME, n] = d
    next
}
/^(int[ \t]+)?main[ \t]*\(/ {
    program[FILENAME] = 1
}
/^[A-Za-z_][A-Za-z0-9_ *]*[ *][A-Za-z_][A-Za-z0-9_]*[ \t]*\(/ && !/^typedef/ {
    declares[FILENAME] = 1
}
END {
    for (i = 1; i <= nfile; i++) {
        f = files[i]
        from = part(dir(f))
        for (j = 1; j <= ninc[f]; j++) {
            name = inc[f, j]
            if (from == "core" && (name ~ /^(httpd|apr_dbd)\.h$/ \
                                   || name ~ /^(http|ap|util|mod)_.*\.h$/)) {
                fail(f " (core) includes " name)
            }
            if (delim[f, j] != "\"" || !(name in hfile)) {
                continue
            }
            to = part(dir(hfile[name]))
            if (to != from && (from == "core" || to != "core")) {
                fail(f " (" from ") includes " hfile[name] " (" to ")")
            }
        }
        if (f ~ /\.h$/ && (f in declares) && !((base(f)) in hasc \
                                              && dir(hasc[base(f)]) == dir(f))) {
            fail(f " declares functions but there is no " base(f) ".c")
        }
        if (f == "mod_leads/mod_leads.h" && (f in declares)) {
            fail(f " declares functions: every glue file includes it")
        }
        if (f ~ /\.c$/ && !(f in program)) {
            h = base(f) ".h"
            if (!(h in hfile) || dir(hfile[h]) != dir(f)) {
                fail(f " has no header of its own name (" dir(f) "/" h ")")
            }
        }
    }
    for (b in hasc) {
        node[++nnode] = b
    }
    for (k = 1; k <= nnode; k++) {
        b = node[k]
        deps_of(hasc[b], b, seen)
        if ((b ".h") in hfile) {
            deps_of(hfile[b ".h"], b, seen)
        }
    }
    for (k = 1; k <= nnode; k++) {
        if (state[node[k]] == 0) {
            visit(node[k], node[k])
        }
    }
    if (failed) {
        exit 1
    }
    printf "check-includes: %d files, layout kept, no include cycles\n", nfile
}' $files
