# Transmog — the two set-up commands are `make demo` and `make test`.
MVN ?= mvn -B -q
SHELL := /bin/bash

.PHONY: build test demo bench deps kube-deps clean

deps:
	scripts/ensure-test-deps.sh

# The operator's tests run against a real kube-apiserver, built from Go modules once and cached.
kube-deps:
	scripts/provision-kube-binaries.sh

build:
	$(MVN) -DskipTests package
	scripts/write-launcher.sh

test: deps kube-deps
	mvn -B verify

demo: deps build
	scripts/demo.sh

bench: deps build
	scripts/bench.sh

clean:
	$(MVN) clean
	rm -rf bin
