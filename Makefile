# The two commands of the README's quick start are `make demo` and `make test`.
GO ?= go
SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -c

.PHONY: build demo test check bench

build:
	$(GO) build -o bin/ ./cmd/csocbot ./cmd/csocbot-sandbox

# Builds csocbot, makes a throwaway git repository from the sample Gen3 infra
# repo with a pull-request-like change, and shows what csocbot does with it.
demo: build
	./scripts/demo.sh

# What CI runs (.ci/run): formatting, vet, a tidy go.mod and every test. The report lists
# each package's result, failing tests in full, every skipped test with its
# reason (tests of ../shared's corpus and tools skip where it is absent),
# and a closing count.
test: check
	$(GO) build -o bin/testreport ./scripts/testreport
	$(GO) test -count=1 -timeout 30m -json ./... | bin/testreport

check:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt would change:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	@$(GO) mod tidy -diff || { echo "go.mod or go.sum is not tidy: run go mod tidy"; exit 1; }

bench:
	$(GO) test -run '^$$' -bench . -benchmem -timeout 60m ./...
