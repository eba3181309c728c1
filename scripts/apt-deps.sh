#!/bin/sh
# Install the Debian packages named on the command line that are missing.
set -eu
missing=""
for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' ||
        missing="$missing $pkg"
done
[ -z "$missing" ] && exit 0
echo "installing:$missing"
if [ "$(id -u)" -ne 0 ]; then
    echo "run as root (or install these packages yourself):$missing" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# Debian would start the servers it installs; tests run their own.
printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d.leads
if [ ! -e /usr/sbin/policy-rc.d ]; then
    mv /usr/sbin/policy-rc.d.leads /usr/sbin/policy-rc.d
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
else
    rm -f /usr/sbin/policy-rc.d.leads
fi
apt-get install -y -q --no-install-recommends $missing
