# mezhved: the one entry point for building, testing and running.

GO       ?= go
FUZZTIME ?= 20s
BIN      := bin/mezhved
# Build tags: gost builds in the GOST provider (GPL-3.0 code, see README);
# make TAGS= builds without it.
TAGS     ?= gost
# Fuzz targets: package and function.
FUZZ_TARGETS := \
	./exchange/xmlsafe:FuzzParse \
	./exchange/xmlsafe:FuzzParseMatchesEncodingXML \
	./exchange/soap:FuzzDecodeCall \
	./exchange:FuzzIngress \
	./exchange/dsig:FuzzTransformXML \
	./exchange/dsig:FuzzAppendSMEV \
	./exchange/dsig/gost:FuzzParseKeys \
	./exchange/dsig/gost/curve:FuzzScalarMult \
	./exchange/cms:FuzzVerifyDetached \
	./store:FuzzDecodeRecord \
	./store/boltstore:FuzzDecode \
	./exchange/calendar:FuzzParse \
	./schemas/ident:FuzzCheck \
	./exchange/registry:FuzzConfig \
	./cmd/mezhved:FuzzConfig \
	./internal/bench:FuzzDeliveredID

.PHONY: all build test fmt-check vet fuzz examples bench run clean

# make run: the hub in development mode on localhost.
DATA   ?= .data
LISTEN ?= 127.0.0.1:8080
# Key algorithm of the development PKI made on the first start (ecdsa, rsa, gost).
DEV_ALG ?= ecdsa
# The demo: simulated agencies running enforcement cases through the hub.
CASES ?= 20
RATE  ?= 1

all: build

build:
	$(GO) build -tags '$(TAGS)' -o $(BIN) ./cmd/mezhved

## test: formatting, vet and the whole test suite with the race detector.
test: fmt-check vet
	$(GO) test -race -tags '$(TAGS)' ./...

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet -tags '$(TAGS)' ./...

## fuzz: run every fuzz target for FUZZTIME each (make fuzz FUZZTIME=5m).
fuzz:
	GO='$(GO)' FUZZTIME='$(FUZZTIME)' TAGS='$(TAGS)' scripts/fuzz.sh $(FUZZ_TARGETS)

## examples: regenerate schemas/examples (fresh keys, new signatures).
examples:
	$(GO) run ./internal/examplegen -out schemas/examples

## bench: the load generator, `mezhved bench` (every scenario; backlogs of 0 and
## 100,000): a table, and JSON in bin/bench.json. BENCH_ARGS adds flags, e.g.
## make bench BENCH_ARGS='--backlog 0,100000,1000000' or BENCH_ARGS='--scenario ingest'.
BENCH_ARGS ?=
bench: build
	$(BIN) bench --json bin/bench.json $(BENCH_ARGS)

## bench-micro: the go test benchmarks (door stages, signing, group commit).
.PHONY: bench-micro
bench-micro:
	$(GO) test -tags '$(TAGS)' -run='^$$' -bench=. -benchmem -count=1 ./exchange/... ./schemas/... ./store/...

## run: the hub in development mode (PKI made in $(DATA)/pki on first start),
## with every agency simulated running CASES enforcement cases at RATE writs/s.
run: build
	$(BIN) serve --dev --data $(DATA) --listen $(LISTEN) --dev-alg $(DEV_ALG) --demo --cases $(CASES) --rate $(RATE)

clean:
	rm -rf bin
