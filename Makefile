# alexsync build, test and demo targets. Needs Go and a C compiler (the
# SQLite driver uses cgo).
GO      ?= go
BIN     := bin/alexsync
PKGS    := ./...
FUZZTIME ?= 3s
BENCHCOUNT ?= 5
BENCH ?= .
BENCHOUT ?= /tmp/alexsync-bench.txt
CHAOSOUT ?= /tmp/alexsync-chaos.txt

export CGO_ENABLED := 1

.PHONY: all build test vet lint fuzz-short fuzz bench demo clean chaos

all: build

build:
	$(GO) build -trimpath -o $(BIN) ./cmd/alexsync

vet:
	$(GO) vet $(PKGS)

## test: vet, the race-enabled test suite, then every fuzz target briefly.
test: vet
	$(GO) test -race -count=1 $(PKGS)
	@$(MAKE) --no-print-directory fuzz-short

lint: vet
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

# Every fuzz target, one at a time (go test -fuzz takes one per package).
FUZZ_TARGETS = $$(grep -rl --include='*_test.go' '^func Fuzz' . | while read f; do \
	d=$$(dirname $$f); grep -o '^func Fuzz[A-Za-z0-9_]*' $$f | sed "s|^func |$$d |"; done)

fuzz-short:
	@echo "fuzzing each target for $(FUZZTIME)"
	@set -e; echo "$(FUZZ_TARGETS)" | while read dir name; do \
		[ -n "$$name" ] || continue; \
		$(GO) test -run '^$$' -fuzz "^$$name$$" -fuzztime $(FUZZTIME) $$dir >/tmp/alexsync-fuzz.log 2>&1 \
			|| { cat /tmp/alexsync-fuzz.log; exit 1; }; \
		echo "  ok  $$dir $$name"; \
	done

## fuzz: every fuzz target for 30 s (crashers are kept under testdata/fuzz).
fuzz:
	@$(MAKE) --no-print-directory fuzz-short FUZZTIME=30s

## bench: Go benchmarks, summarized as a table of medians (BENCH=regexp PKGS=./pkg/x for a subset).
bench:
	$(GO) test -run '^$$' -bench '$(BENCH)' -benchmem -count $(BENCHCOUNT) $(PKGS) | tee $(BENCHOUT) | $(GO) run ./cmd/benchtable

## chaos: the long chaos run (several minutes): every fault at once, kills, disk full, pull under faults.
chaos:
	@echo "chaos: the long run takes several minutes; full log in $(CHAOSOUT)"
	@ALEXSYNC_CHAOS=long $(GO) test -race=false -count=1 -run '^TestChaos$$' -v -timeout 30m ./cmd/alexsync/ >$(CHAOSOUT) 2>&1; \
		rc=$$?; grep -E '^(chaos|--- |ok|FAIL|PASS)' $(CHAOSOUT); exit $$rc

## demo: the main job end to end against the built-in simulator (no key needed).
demo: build
	@sh pipelines/demo.sh $(BIN)

clean:
	rm -rf bin out
