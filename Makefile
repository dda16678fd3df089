# echoloop: `make run` for the demo, `make test` for the tests, `make help` for the rest.
SHELL := /bin/bash
MVN ?= mvn -B -q -Dstyle.color=never
JAVA ?= java
JAR := target/echoloop.jar
JVM_OPTIONS := @conf/jvm.options
SOAK_SECONDS ?= 30
SOURCES := pom.xml $(shell find src/main -type f 2>/dev/null)
# The demo lives for half a second, so C2 compilations never pay off in it; serve and bench keep the full JIT.
DEMO_JVM_OPTIONS := -XX:TieredStopAtLevel=1

# Most of the demo's time is the JVM loading and verifying ~4000 classes. `make package` records them in an archive
# with a training run of the demo, and `make run` maps them from it: an AOT cache on JDK 25+ (JEP 483 and 514, which
# also keeps classes linked), a dynamic CDS archive before. An archive fits only the JVM build and the jar that made it
# (JDK 25 prints errors for any other and then starts without CDS at all), so its name carries the JDK's identity and it
# is remade whenever the jar or the JVM options change.
# The JDK is identified from its `release` file, without starting a JVM on every make call.
JDK_RELEASE_FILE := $(shell dirname "$$(readlink -f "$$(command -v $(JAVA))")")/../release
JDK_RELEASE := $(shell sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' $(JDK_RELEASE_FILE) 2>/dev/null)
ARCHIVE_KIND := $(if $(shell [ "$(JDK_RELEASE)" -ge 25 ] 2>/dev/null && echo aot),aot,jsa)
ARCHIVE := target/echoloop-$(firstword $(shell cat $(JDK_RELEASE_FILE) 2>/dev/null | cksum)).$(ARCHIVE_KIND)
ARCHIVE_CREATE := $(if $(filter aot,$(ARCHIVE_KIND)),-XX:AOTCacheOutput,-XX:ArchiveClassesAtExit)=$(ARCHIVE)
ARCHIVE_USE := $(if $(filter aot,$(ARCHIVE_KIND)),-XX:AOTCache,-XX:SharedArchiveFile)=$(ARCHIVE)

.DEFAULT_GOAL := help
.PHONY: help run demo-command serve test package clean soak fleet fleet-faulty fleet-tools dev-cert

help: ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

DEMO_COMMAND = $(JAVA) $(JVM_OPTIONS) $(DEMO_JVM_OPTIONS) $$([ -f $(ARCHIVE) ] && echo $(ARCHIVE_USE)) -jar $(JAR) demo

run: $(JAR) $(ARCHIVE) ## Run the demo: a server on a free port, three clients, graceful shutdown
	$(DEMO_COMMAND)

# Prints the java command `make run` uses, for the benchmark to time exactly that.
demo-command: $(JAR) $(ARCHIVE)
	@echo $(DEMO_COMMAND)

serve: $(JAR) ## Serve on the configured port (conf/config.json) until Ctrl-C or SIGTERM
	$(JAVA) $(JVM_OPTIONS) -jar $(JAR)

test: ## Run the test suite (unit and end-to-end, real sockets on loopback)
	mvn -B -Dstyle.color=never test

package: $(JAR) $(ARCHIVE) ## Build the fat jar target/echoloop.jar and the demo's startup archive for the JDK in JAVA

$(JAR): $(SOURCES)
	$(MVN) package -DskipTests

# A failed training run leaves no archive, and `make run` then starts without one.
$(ARCHIVE): $(JAR) conf/jvm.options
	$(JAVA) $(JVM_OPTIONS) $(DEMO_JVM_OPTIONS) $(ARCHIVE_CREATE) -jar $(JAR) demo > /dev/null || rm -f $@

clean: ## Remove build output
	$(MVN) clean

soak: $(JAR) ## Mixed good and bad clients for SOAK_SECONDS (30, max 60); prints sent/replied/lost
	python3 bench/soak.py --seconds $(SOAK_SECONDS) --java "$(JAVA)" --jvm-options conf/jvm.options --jar $(JAR)

FLEET_SECONDS ?= 90
FLEET_ARGS ?=

fleet: $(JAR) fleet-tools ## Three nodes behind HAProxy and Prometheus: rolling restart and a crash under load (FLEET_SECONDS, 90)
	python3 fleet/fleet.py --seconds $(FLEET_SECONDS) --java "$(JAVA)" --jar $(JAR) $(FLEET_ARGS)

FLEET_FAULTS ?= {"closeAfterMessages":3,"closeWith":"rst"}

fleet-faulty: $(JAR) fleet-tools ## The fleet with node-2 misbehaving (FLEET_FAULTS, a faults object): what HAProxy and clients see
	python3 fleet/fleet.py --seconds 20 --faulty-node '$(FLEET_FAULTS)' --java "$(JAVA)" --jar $(JAR) $(FLEET_ARGS)

# Installs only what is missing, so a machine that has the tools needs no package index.
fleet-tools:
	@if ! command -v haproxy >/dev/null 2>&1 || ! command -v prometheus >/dev/null 2>&1; then \
	  $(BENCH_SUDO) apt-get update -q && \
	  $(BENCH_SUDO) apt-get install -y -q --no-install-recommends haproxy prometheus; \
	fi

include bench/bench.mk

dev-cert: ## Make a self-signed certificate for 127.0.0.1 in conf/tls/ (git-ignored) for trying TLS
	mkdir -p conf/tls
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 30 \
	  -keyout conf/tls/dev-key.pem -out conf/tls/dev-cert.pem -subj /CN=localhost \
	  -addext subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost
	@echo "serve it: java @conf/jvm.options -jar $(JAR) -conf conf/tls-dev.json"
