# Transmog — the two set-up commands are `make demo` and `make test`.
MVN ?= mvn -B -q
SHELL := /bin/bash

.PHONY: build test demo bench deps kube-deps clean

# MariaDB 10.11 from the host's apt; MySQL 9.7 and MariaDB 11.8 unpacked into a private cache (never
# fails the build: a server it cannot obtain is reported, and its suites are skipped with the reason).
deps:
	scripts/ensure-test-deps.sh
	scripts/provision-test-servers.sh

# The operator's tests run against a real kube-apiserver, built from Go modules once and cached; the local
# single-node cluster (scripts/local-cluster.sh) adds kubelet, controller-manager and scheduler (same build)
# on Debian's containerd and runc.
kube-deps:
	scripts/provision-kube-binaries.sh
	scripts/ensure-node-deps.sh
	scripts/provision-go-tools.sh

# Also writes target/test-classpath.txt in engine/ and operator/ (each module's test class path, resolved in this same
# reactor run, so the engine comes from engine/target): make bench runs io.transmog.bench.Bench and make demo
# io.transmog.operator.scenario.DemoSteps (the end-to-end scenario's load and checks) from the test classes.
build:
	$(MVN) -DskipTests package dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/test-classpath.txt
	scripts/write-launcher.sh

test: deps kube-deps
	mvn -B verify

# The main job end to end: MariaDB, a real local node (kubelet on containerd), the operator as a pod of its
# Deployment, a SchemaMigration under write load run by a real Job pod.
# DB=mysql runs it on MySQL 9.7 (DB=mariadb-11.8 on MariaDB 11.8), as unpacked by `make deps`.
DB ?= mariadb
demo: deps kube-deps build
	DEMO_DB=$(DB) scripts/demo.sh

# transmog against ALTER COPY and one INSERT ... SELECT, idle and under load; DB=mysql or DB=mariadb-11.8 picks the
# server, BENCH_ROWS=10000000 the size (scripts/bench.sh lists the knobs). Appends to docs/benchmarks.md.
bench: deps build
	DB="$(DB)" scripts/bench.sh

clean:
	$(MVN) clean
	rm -rf bin
