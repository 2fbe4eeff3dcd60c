#!/bin/sh
# A browser "elsewhere" for CORSGATE_BROWSER_CMD, run here: starts the local
# Chromium with the flags corsgate appends, a DevTools port and a profile of
# its own, and passes on Chrome's "DevTools listening on ws://..." line.
# The self-test uses it to drive the remote-browser path end to end; it is
# also the template for a container or another host (docs/remote-browser.md).
#
#   CORSGATE_BROWSER_CMD=scripts/chromium-devtools.sh make check
set -eu
chrome="${CHROME_PATH:-/usr/bin/chromium}"
dir="$(mktemp -d "${TMPDIR:-/tmp}/corsgate-remote-XXXXXX")"
sandbox=""
[ "$(id -u)" = 0 ] && sandbox="--no-sandbox"
"$chrome" $sandbox --remote-debugging-port=0 --remote-debugging-address=127.0.0.1 \
	--user-data-dir="$dir" "$@" &
pid=$!
cleanup() {
	kill "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	# Chrome's helper processes can still write for a moment after it exits.
	for _ in 1 2 3 4 5; do rm -rf "$dir" 2>/dev/null && [ ! -e "$dir" ] && break; sleep 0.2; done
}
trap 'cleanup; exit 0' TERM INT
wait "$pid" || true
cleanup
