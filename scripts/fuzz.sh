#!/bin/sh
# Fuzzes the two parsers of untrusted input (the policy file and the
# web.config) for a bounded time each, then keeps the corpus the fuzzer
# found interesting under each package's testdata/fuzz, so later runs (and
# plain `go test`) start from it.
set -eu
time="${FUZZTIME:-30s}"
cache="$(go env GOCACHE)/fuzz/github.com/corsgate/corsgate"
for target in policy:FuzzParse fixtures/iis:FuzzParse; do
	pkg="${target%%:*}"
	fn="${target##*:}"
	echo "fuzz: ./$pkg $fn for $time"
	go test "./$pkg" -run '^$' -fuzz "^$fn\$" -fuzztime "$time"
	if [ -d "$cache/$pkg/$fn" ]; then
		mkdir -p "$pkg/testdata/fuzz/$fn"
		cp -n "$cache/$pkg/$fn"/* "$pkg/testdata/fuzz/$fn/" 2>/dev/null || true
		echo "fuzz: corpus kept in $pkg/testdata/fuzz/$fn ($(ls "$pkg/testdata/fuzz/$fn" | wc -l) inputs)"
	fi
done
