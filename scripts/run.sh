#!/bin/sh
# `make run`: mod_leads in the foreground on 127.0.0.1:$PORT with the
# embedded SQLite database under var/, a demo firm and a fresh API key.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
var="$top/var"

# httpd drops root for www-data, which must reach the database and its
# directory: a checkout it cannot enter (under /root, any 0700 directory)
# keeps the demo's files in a directory of their own under /var/lib.
if [ "$(id -u)" -eq 0 ] &&
   ! runuser -u www-data -- test -x "$top" 2>/dev/null; then
    var="/var/lib/mod_leads-run/$(printf %s "$top" | sha256sum | cut -c1-12)"
    echo "www-data cannot enter $top: the demo database lives in $var"
fi
db="$var/leads.db"
port="${PORT:-8080}"
ctl="$top/build/leadsctl"
module="$top/mod_leads/.libs/mod_leads.so"
httpd=$(command -v apache2 || command -v httpd || echo /usr/sbin/apache2)

export LEADS_DBD_DRIVER=sqlite3 LEADS_DBD_PARAMS="$db"
mkdir -p "$var/run"
"$ctl" init >/dev/null

# The demo firm is made once; later runs reuse it and its leads.
firm=$(cat "$var/demo-firm" 2>/dev/null || true)
if [ -z "$firm" ]; then
    firm=$("$ctl" firm add --name "Demo Law Firm")
    "$ctl" stage add --firm "$firm" --key new --name New --position 0 >/dev/null
    "$ctl" stage add --firm "$firm" --key contacted --name Contacted --position 1 >/dev/null
    "$ctl" stage add --firm "$firm" --key won --name Won --position 2 --closed >/dev/null
    "$ctl" stage add --firm "$firm" --key lost --name Lost --position 3 --closed >/dev/null
    "$ctl" field add --firm "$firm" --name caseType --type choice \
        --choices Family,Criminal,Immigration >/dev/null
    "$ctl" member add --firm "$firm" --name "Demo Attorney" \
        --email attorney@example.com > "$var/demo-member"
    echo "$firm" > "$var/demo-firm"
fi
key=$("$ctl" key add --firm "$firm" --scopes leads:write --name "make run")
member=$(cat "$var/demo-member" 2>/dev/null || true)

user=""
if [ "$(id -u)" -eq 0 ]; then
    user="User www-data
Group www-data"
    chown -R www-data:www-data "$var"
fi
sed -e "s|@VAR@|$var|g" -e "s|@PORT@|$port|g" -e "s|@MODULE@|$module|g" \
    -e "s|@DB@|$db|g" "$top/conf/run.conf.in" |
    awk -v user="$user" '{ if ($0 == "@USER@") print user; else print }' \
    > "$var/httpd.conf"
"$httpd" -t -f "$var/httpd.conf" >/dev/null

cat <<MSG

mod_leads is serving http://127.0.0.1:$port/api/leads (SQLite: $db)
Demo firm $firm (stages New, Contacted, Won, Lost; field caseType;
member $member). A new API key for it, shown once:

    $key

Try the seed's example:

curl -i http://127.0.0.1:$port/api/leads \\
  -H "Authorization: Bearer $key" \\
  -H "Content-Type: application/json" \\
  -H "Idempotency-Key: \$(cat /proc/sys/kernel/random/uuid)" \\
  -d '{
"first_name": "Ada",
"last_name": "Lovelace",
"email": "ada@example.com",
"source": "partner_referral",
"data": { "caseType": "Family" }
}'

Stop with Ctrl-C.

MSG
exec "$httpd" -f "$var/httpd.conf" -DFOREGROUND
