# Benchmarks of echoloop against reference echo servers; see bench/README.md.
# Included from the root Makefile, which defines `package` (builds target/echoloop.jar).
# Extra driver flags: make bench BENCH_ARGS="--rounds 5 --servers echoloop,netty"

BENCH_JAVA_HOME ?= /usr/lib/jvm/temurin-25-jdk-amd64
BENCH_ARGS ?=
BENCH_PEERS_JAR := bench/peers/java/target/peers.jar
BENCH_PEERS_SOURCES := bench/peers/java/pom.xml $(shell find bench/peers/java/src -name '*.java' 2>/dev/null)
BENCH_SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

BENCH_C_FLAGS := -O2 -Wall -Wextra -Werror
BENCH_C_PROGRAMS := target/bench/echoload target/bench/echo_limit

.PHONY: bench bench-quick bench-peers bench-tools

# The demo is timed as `make run` starts it, on the benchmark's JDK (with that JDK's startup archive).
BENCH_DEMO_COMMAND = $$($(MAKE) -s --no-print-directory demo-command JAVA=$(BENCH_JAVA_HOME)/bin/java)

bench: package bench-peers bench-tools ## Benchmark echoloop against Netty, threads and the Python seed (~15 min)
	BENCH_JAVA_HOME=$(BENCH_JAVA_HOME) python3 bench/run_bench.py --demo-command "$(BENCH_DEMO_COMMAND)" $(BENCH_ARGS)

bench-quick: package bench-peers bench-tools ## One short benchmark round (~4 min)
	BENCH_JAVA_HOME=$(BENCH_JAVA_HOME) python3 bench/run_bench.py --quick --demo-command "$(BENCH_DEMO_COMMAND)" $(BENCH_ARGS)

bench-peers: $(BENCH_PEERS_JAR) $(BENCH_C_PROGRAMS)

# The C load generator and the C limit peer: one file each; echoload also links liburing (its rr engine).
target/bench/echoload: bench/loadgen/echoload.c | bench-tools
	mkdir -p $(@D) && gcc $(BENCH_C_FLAGS) -o $@ $< -luring

target/bench/echo_limit: bench/peers/c/echo_limit.c | bench-tools
	mkdir -p $(@D) && gcc $(BENCH_C_FLAGS) -o $@ $<

# The peers need Java 21 (virtual threads); every JVM in the benchmark runs on this same JDK.
$(BENCH_PEERS_JAR): $(BENCH_PEERS_SOURCES)
	JAVA_HOME=$(BENCH_JAVA_HOME) mvn -B -q -f bench/peers/java/pom.xml package

# Installs only what is missing, so a machine that has the tools needs no package index.
bench-tools:
	@if ! command -v gnuplot >/dev/null 2>&1 || ! command -v python3 >/dev/null 2>&1 \
	    || ! command -v gcc >/dev/null 2>&1 || ! test -f /usr/include/liburing.h; then \
	  $(BENCH_SUDO) apt-get update -q && \
	  $(BENCH_SUDO) apt-get install -y -q --no-install-recommends gnuplot-nox python3 gcc libc6-dev liburing-dev; \
	fi
