# stint: make demo runs stint against a local moto with a sample
# organisation; make test runs the whole test suite (moto and PostgreSQL are
# started by the test scripts).
GO ?= go
export GOFLAGS ?= -buildvcs=false

.PHONY: build demo test test-short bench lint clean vendor

build:
	$(GO) build -o bin/stint ./cmd/stint

demo: build
	./scripts/demo.sh

test:
	./scripts/test.sh

bench: build
	./scripts/bench.sh

# vendor refreshes the portal's htmx from npm (VERSION=2.0.11 by default,
# the one recorded in web/portal/static/htmx.VERSION).
vendor:
	./scripts/vendor.sh $(VERSION)

lint:
	gofmt -l . | (! grep .) || (echo "gofmt needed on the files above" && exit 1)
	$(GO) vet ./...
	$(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...

clean:
	rm -rf bin .demo
