# Transmog — the two set-up commands are `make demo` and `make test`.
MVN ?= mvn -B -q
SHELL := /bin/bash

.PHONY: build test demo bench deps kube-deps clean

# MariaDB 10.11 from the host's apt; MySQL 9.7 and MariaDB 11.8 unpacked into a private cache (never
# fails the build: a server it cannot obtain is reported, and its suites are skipped with the reason).
deps:
	scripts/ensure-test-deps.sh
	scripts/provision-test-servers.sh

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

# transmog against ALTER COPY and one INSERT ... SELECT, idle and under load; DB=mysql or DB=mariadb-11.8 picks the
# server, BENCH_ROWS=10000000 the size (scripts/bench.sh lists the knobs). Appends to docs/benchmarks.md.
bench: deps build
	DB="$(DB)" scripts/bench.sh

clean:
	$(MVN) clean
	rm -rf bin
