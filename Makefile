# Transmog — the two set-up commands are `make demo` and `make test`.
MVN ?= mvn -B -q
SHELL := /bin/bash

.PHONY: build test demo bench deps kube-deps clean

deps:
	scripts/ensure-test-deps.sh

# The operator's tests run against a real kube-apiserver, built from Go modules once and cached.
kube-deps:
	scripts/provision-kube-binaries.sh

# Also writes operator/target/test-classpath.txt (the operator's test classpath, resolved in this same
# reactor run so the engine comes from engine/target): the demo's local cluster is a test-scope program.
build:
	$(MVN) -DskipTests package dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/test-classpath.txt
	scripts/write-launcher.sh

test: deps kube-deps
	mvn -B verify

# The main job end to end: MariaDB, a local Kubernetes API, the operator, a SchemaMigration under write load.
demo: deps kube-deps build
	scripts/demo.sh

bench: deps build
	scripts/bench.sh

clean:
	$(MVN) clean
	rm -rf bin
