# Transmog — the two set-up commands are `make demo` and `make test`.
MVN ?= mvn -B -q
SHELL := /bin/bash

.PHONY: build test demo bench deps clean

deps:
	scripts/ensure-test-deps.sh

build:
	$(MVN) -DskipTests package
	scripts/write-launcher.sh

test: deps
	mvn -B verify

demo: deps build
	scripts/demo.sh

bench: deps build
	scripts/bench.sh

clean:
	$(MVN) clean
	rm -rf bin
