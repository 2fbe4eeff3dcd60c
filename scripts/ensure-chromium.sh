#!/bin/sh
# Makes sure a Chromium is available for the browser tests. Uses CHROME_PATH
# when set; otherwise Debian's chromium package at /usr/bin/chromium,
# installing it with apt-get when missing and running as root. Otherwise it
# prints the one command to run and fails. It never downloads a browser build
# of its own.
set -eu

if [ -n "${CHROME_PATH:-}" ]; then
	if [ -x "$CHROME_PATH" ] && [ ! -d "$CHROME_PATH" ]; then
		exit 0
	fi
	echo "corsgate: CHROME_PATH=$CHROME_PATH is not an executable file; point it at Chromium or unset it to use /usr/bin/chromium" >&2
	exit 1
fi

if [ -x /usr/bin/chromium ]; then
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "corsgate: Chromium not found at /usr/bin/chromium; run: sudo apt-get update && sudo apt-get install -y chromium (or set CHROME_PATH)" >&2
	exit 1
fi

echo "corsgate: installing Chromium from Debian (apt-get install chromium)..." >&2
export DEBIAN_FRONTEND=noninteractive
if ! { apt-get update -qq && apt-get install -y -qq chromium; } >/tmp/corsgate-apt.log 2>&1; then
	echo "corsgate: apt-get install chromium failed; see /tmp/corsgate-apt.log" >&2
	exit 1
fi
if [ ! -x /usr/bin/chromium ]; then
	echo "corsgate: apt-get installed chromium but /usr/bin/chromium is missing; see /tmp/corsgate-apt.log" >&2
	exit 1
fi
echo "corsgate: $(/usr/bin/chromium --version 2>/dev/null)" >&2
