#!/usr/bin/env bash
# Install the Debian packages that some tests need, when this machine lets us (root + apt-get).
# Without them those tests skip with a message naming what is missing; nothing else depends
# on them. Usage: scripts/system-deps.sh [PACKAGE…]   (default: what the tests use)
set -u
want=("$@")
[ ${#want[@]} -gt 0 ] || want=(chromium espeak-ng sox fonts-dejavu-core)
missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  echo "system-deps: not root or no apt-get; missing: ${missing[*]} (the tests that need them skip)"
  exit 0
fi
echo "system-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null 2>&1 || true
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1 \
  || echo "system-deps: could not install ${missing[*]} (the tests that need them skip)"
exit 0
