# corsgate — see README.md.
GINKGO      := go tool ginkgo
GINKGO_FLAGS := --randomize-all --fail-on-pending --fail-on-empty --keep-going --timeout=20m
SUITES      := ./suites/...

.PHONY: test setup vet unit suites fmt-check lab check check-run build bench lint policy diff stress fuzz playground screenshot

# make-exit-status.so gives `make check` corsgate's exit status (0, 1, 3) instead of
# make's 2 for any failure. It is built with the C compiler when there is one; without
# it `make check` still fails (status 2) and reports/check/exit-status holds the status.
-load bin/make-exit-status.so(make_exit_status_gmk_setup)
bin/make-exit-status.so: scripts/make-exit-status.c
	@mkdir -p bin; cc -shared -fPIC -o $@ $< 2>/dev/null || rm -f $@; true

## check: the conformance run. No arguments: the built-in demo API and its sample policy
## (DEMO=broken: the same policy against a demo API with realistic mistakes).
## POLICY=policy.yaml ADDRESS=127.0.0.1:8080: this build, under the policy's production
## target name. TARGET=https://staging-api.example.com: another deployment under its own name.
## LABELS='preflight && !cache' selects scenarios by label. Reports go to REPORTS (default
## reports/check). Exit status: 0 every expectation holds, 1 one failed, 3 configuration or
## environment problem.
CHECK_REPORTS = $(abspath $(or $(REPORTS),reports/check))
check: check-run
	$(exit-status $(or $(file <$(CHECK_REPORTS)/exit-status),1))
	@exit $$(cat "$(CHECK_REPORTS)/exit-status" 2>/dev/null || echo 1)

check-run:
	@mkdir -p "$(CHECK_REPORTS)"; rm -f "$(CHECK_REPORTS)/exit-status"; \
	if ! ./scripts/ensure-chromium.sh; then echo 3 > "$(CHECK_REPORTS)/exit-status"; exit 0; fi; \
	POLICY="$(if $(POLICY),$(abspath $(POLICY)))" TARGET="$(TARGET)" ADDRESS="$(ADDRESS)" DEMO="$(DEMO)" \
	REPORTS="$(CHECK_REPORTS)" \
	$(GINKGO) --randomize-all --succinct $(if $(LABELS),--label-filter='$(LABELS)') ./suites/conformance; \
	rc=$$?; if [ ! -s "$(CHECK_REPORTS)/exit-status" ]; then \
		if [ $$rc -eq 0 ]; then echo 0; else echo 1; fi > "$(CHECK_REPORTS)/exit-status"; fi

## build: a standalone conformance binary (no Go toolchain needed to run it):
##   POLICY=policy.yaml TARGET=https://api.example.com bin/corsgate-check [-ginkgo.label-filter=...]
build:
	go test -c -o bin/corsgate-check ./suites/conformance
	@echo "built bin/corsgate-check; run: POLICY=policy.yaml TARGET=https://api.example.com bin/corsgate-check"

## test: install what is missing (Chromium), then vet and run every test.
test: setup fmt-check vet unit suites

## setup: make sure Chromium is there (apt-get as root; otherwise print the command).
setup:
	@./scripts/ensure-chromium.sh

## vet: go vet, and go.mod as go mod tidy would write it (direct imports listed as direct).
vet:
	go vet ./...
	@go mod tidy -diff >/dev/null || { echo "go.mod is not tidy: run go mod tidy and commit go.mod and go.sum"; go mod tidy -diff; exit 1; }

fmt-check:
	@out="$$(gofmt -l .)"; if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi

## unit: the tests that need no browser.
unit:
	go test -count=1 $$(go list ./... | grep -v /suites/)

## suites: the ginkgo suites in real Chromium, randomized.
suites:
	REPORTS=$(abspath reports/check) $(GINKGO) $(GINKGO_FLAGS) $(SUITES)

## lab: the teaching lab — every IIS configuration, what curl sees vs what Chrome decides.
lab: setup
	go run ./cmd/corsgate-lab -html reports/lab.html

## playground: the teaching playground on http://127.0.0.1:8088/ (PORT= to choose; when 8088 is
## taken it stops with one line, since make lab's links point there): pick a lab case or edit a
## web.config, pick the request, run it in Chrome.
playground: setup
	go run ./cmd/corsgate-playground -port $(or $(PORT),0)

## screenshot: the playground suite, writing the README's docs/playground.png.
screenshot: setup
	UPDATE_SCREENSHOT=1 $(GINKGO) --focus='README' ./suites/playground

## bench: a 517-probe matrix (the demo policy plus endpoints and origins) with each isolation
## strategy side by side, cold: probes/s, peak memory, CPU per probe, targets met or not;
## then the wall time of a warm `make check` (demo) and its parts. Run it under the browser lock.
bench: setup
	go run ./cmd/corsgate-bench

## lint: the field guide's mistakes in a web.config, with line numbers (no browser).
lint:
	@test -n "$(CONFIG)" || { echo "make lint: set CONFIG=path/to/web.config"; exit 3; }
	@go run ./cmd/corsgate-iis lint $(CONFIG)

## policy: the corsgate policy a web.config implies, to review and keep.
policy:
	@test -n "$(CONFIG)" || { echo "make policy: set CONFIG=path/to/web.config"; exit 3; }
	@go run ./cmd/corsgate-iis policy $(CONFIG)

## diff: two web.config versions through the IIS emulation in Chromium; which verdicts changed.
diff: setup
	@test -n "$(OLD)" -a -n "$(NEW)" || { echo "make diff: set OLD=web.old.config NEW=web.new.config"; exit 3; }
	@go run ./cmd/corsgate-diff -reports $(abspath reports/diff) $(OLD) $(NEW)

## stress: the full test suite — unit tests (go test -shuffle) and every ginkgo suite
## (--randomize-all) — RUNS times (default 10) in new random orders; prints every spec and test
## that ever failed, with its seeds; exit 1 if any did. UNIT=false: the ginkgo suites only.
stress: setup
	REPORTS=$(abspath reports/check) go run ./cmd/corsgate-stress -runs $(or $(RUNS),10) $(if $(filter false no 0,$(UNIT)),-unit=false)

## fuzz: the policy and web.config parsers, FUZZTIME each (default 30s); keeps the corpus.
fuzz:
	FUZZTIME=$(or $(FUZZTIME),30s) ./scripts/fuzz.sh
