# corsgate — see README.md.
GINKGO      := go tool ginkgo
GINKGO_FLAGS := --randomize-all --fail-on-pending --fail-on-empty --keep-going --timeout=20m
SUITES      := ./suites/...

.PHONY: test setup vet unit suites fmt-check lab

## test: install what is missing (Chromium), then vet and run every test.
test: setup fmt-check vet unit suites

## setup: make sure Chromium is there (apt-get as root; otherwise print the command).
setup:
	@./scripts/ensure-chromium.sh

vet:
	go vet ./...

fmt-check:
	@out="$$(gofmt -l .)"; if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi

## unit: the tests that need no browser.
unit:
	go test -count=1 $$(go list ./... | grep -v /suites/)

## suites: the ginkgo suites in real Chromium, randomized.
suites:
	$(GINKGO) $(GINKGO_FLAGS) $(SUITES)

## lab: the teaching lab — every IIS configuration, what curl sees vs what Chrome decides.
lab: setup
	go run ./cmd/corsgate-lab -html reports/lab.html
