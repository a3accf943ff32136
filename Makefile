# iked: a Go re-implementation of racoon2's IKE daemon.
GO         ?= go
PREFIX     ?= /usr/local
SYSCONFDIR ?= $(PREFIX)/etc/racoon2
SBINDIR    ?= $(PREFIX)/sbin
MANDIR     ?= $(PREFIX)/share/man
DESTDIR    ?=
VERSION    ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
SHARED     ?= $(abspath ../shared)
IN_KERNEL  ?= $(SHARED)/testbed/in-kernel

PKG      := github.com/racoon2go/iked
LDFLAGS  := -X $(PKG)/internal/version.Version=$(VERSION) \
            -X $(PKG)/internal/version.SysconfDir=$(SYSCONFDIR)
CMDS     := iked spmd
MANPAGES := $(wildcard man/*.[58])
CROSS    := freebsd/amd64 freebsd/arm64 netbsd/amd64 netbsd/arm64

.PHONY: all build example test unit race check fmt vet staticcheck deps-check man-lint \
	cross test-kernel interop demo fuzz bench loadcompare man install clean

all: build

build:
	@mkdir -p bin
	@for c in $(CMDS); do \
		[ -d cmd/$$c ] || continue; \
		$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o bin/$$c ./cmd/$$c || exit 1; \
	done

# Check the shipped example configuration with iked. The key file must be
# private (git does not keep 0600), so a private copy is made under bin/.
example: build
	@install -d -m 700 bin/example
	@install -m 600 testdata/examples/test.psk bin/example/test.psk
	@sed 's#/etc/racoon2/psk/test.psk#$(abspath bin/example)/test.psk#' \
		testdata/examples/racoon2.conf > bin/example/racoon2.conf
	bin/iked --check-config -f bin/example/racoon2.conf
	bin/iked --dump-config -f bin/example/racoon2.conf

# The whole suite, as CI runs it: static checks, race-enabled unit tests,
# cross-builds, then the tests that need a real kernel and real peers.
test: check test-kernel interop

# Quick unit tests for the edit-compile loop.
unit:
	$(GO) test ./...

check: fmt vet staticcheck deps-check man-lint cross race

fmt:
	@out=$$(gofmt -l $$(git ls-files -co --exclude-standard '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

staticcheck:
	@if command -v staticcheck >/dev/null; then staticcheck ./...; \
	else echo "staticcheck not installed: skipped (CI installs it)"; fi

deps-check:
	@bash scripts/deps-check.sh

man-lint:
	@if [ -z "$(MANPAGES)" ]; then exit 0; fi; \
	if command -v mandoc >/dev/null; then mandoc -Tlint -W warning $(MANPAGES); \
	else echo "mandoc not installed: skipped (CI installs it)"; fi

cross:
	@for t in $(CROSS); do \
		echo "cross-build $$t"; \
		GOOS=$${t%/*} GOARCH=$${t#*/} $(GO) build -o /dev/null ./cmd/... || exit 1; \
		GOOS=$${t%/*} GOARCH=$${t#*/} $(GO) vet ./... || exit 1; \
		for p in $$(GOOS=$${t%/*} GOARCH=$${t#*/} $(GO) list -f '{{if or .GoFiles .TestGoFiles .XTestGoFiles}}{{.ImportPath}}{{end}}' ./...); do \
			GOOS=$${t%/*} GOARCH=$${t#*/} $(GO) test -c -o /dev/null $$p > /dev/null || exit 1; \
		done; \
	done

race:
	$(GO) test -race -count=1 ./...

# Tests named TestKernel* run inside a real Linux kernel (../shared/testbed):
# each package's test binary is built on the host and run in a fresh guest.
test-kernel:
	@test -x $(IN_KERNEL) || { echo "no test bed at $(IN_KERNEL)"; exit 1; }
	$(GO) test -count=1 -timeout 20m -exec '$(IN_KERNEL) --timeout 1200 --' -run '^TestKernel' ./...

# Interop with strongSwan and libreswan in the test bed (about 10 minutes on
# an idle machine, more under load: go test's default 10-minute timeout is
# too short); the README's matrix
# (docs/interop.md) is regenerated from the results, never edited by hand.
interop: build
	@test -x $(IN_KERNEL) || { echo "no test bed at $(IN_KERNEL)"; exit 1; }
	$(GO) test -count=1 -timeout 40m -exec '$(IN_KERNEL) --timeout 2400 --' -v -run '^TestInterop' ./test/interop/...; \
	rc=$$?; $(GO) run ./test/interop/cmd/interop-matrix -results bin/interop-results.json -o docs/interop.md; exit $$rc

# Two iked with spmd, a PSK tunnel, pings across it (in the test bed when this
# kernel lacks ESP or XFRM).
demo: build
	IN_KERNEL_BIN=$(IN_KERNEL) scripts/demo.sh

# Each fuzz target for FUZZTIME (default 10s).
FUZZTIME ?= 10s
fuzz:
	@for p in $$($(GO) list ./...); do \
		for f in $$($(GO) test -list '^Fuzz' $$p | grep '^Fuzz'); do \
			echo "fuzz $$p $$f"; \
			$(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$p || exit 1; \
		done; \
	done

# IKEv2 responder load: iked against strongSwan in one run (root; K=-k runs
# both daemons with kernel SAs in the in-kernel test bed).
N ?= 1000
loadcompare: build
	$(GO) build -o bin/ikeload ./cmd/ikeload
	scripts/loadcompare.sh $(K) -n $(N) -w 200 -c 16 -r 3

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

man:
	@for m in $(MANPAGES); do mandoc -Tutf8 $$m > /dev/null || exit 1; done

install: build
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8
	@for c in $(CMDS); do [ -f bin/$$c ] && install -m 0755 bin/$$c $(DESTDIR)$(SBINDIR)/$$c; done; true
	@for m in $(MANPAGES); do s=$${m##*.}; install -m 0644 $$m $(DESTDIR)$(MANDIR)/man$$s/; done; true

clean:
	rm -rf bin
	$(GO) clean -testcache
