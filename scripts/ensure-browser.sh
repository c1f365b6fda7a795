#!/usr/bin/env bash
# Makes sure the console's browser tests have a browser: Debian's Chromium (driven by playwright-core, which
# downloads nothing) and CJK fonts so the Chinese screens and their screenshots render. Installs both with apt-get
# when run as root on Debian/Ubuntu; otherwise says what to run. CHROMIUM_PATH overrides /usr/bin/chromium.
set -euo pipefail
CHROMIUM="${CHROMIUM_PATH:-/usr/bin/chromium}"
have_fonts() { fc-list 2>/dev/null | grep -qi 'Noto Sans CJK' || [ -d /usr/share/fonts/opentype/noto ]; }
if [ -x "$CHROMIUM" ] && have_fonts; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "[browser] installing chromium and fonts-noto-cjk with apt-get (console browser tests)"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null
  exit 0
fi
cat >&2 <<MSG
[browser] the console's browser tests need Chromium at $CHROMIUM and CJK fonts:
  as root on Debian/Ubuntu:  apt-get install -y chromium fonts-noto-cjk
  or set CHROMIUM_PATH to a Chromium/Chrome executable.
MSG
exit 1
