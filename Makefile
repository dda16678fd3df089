# echoloop: `make run` for the demo, `make test` for the tests, `make help` for the rest.
SHELL := /bin/bash
MVN ?= mvn -B -q -Dstyle.color=never
JAVA ?= java
JAR := target/echoloop.jar
JVM_OPTIONS := @conf/jvm.options
SOAK_SECONDS ?= 30
SOURCES := pom.xml $(shell find src/main -type f 2>/dev/null)

.DEFAULT_GOAL := help
.PHONY: help run serve test package clean soak dev-cert

help: ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

run: $(JAR) ## Run the demo: a server on a free port, three clients, graceful shutdown
	$(JAVA) $(JVM_OPTIONS) -jar $(JAR) demo

serve: $(JAR) ## Serve on the configured port (conf/config.json) until Ctrl-C or SIGTERM
	$(JAVA) $(JVM_OPTIONS) -jar $(JAR)

test: ## Run the test suite (unit and end-to-end, real sockets on loopback)
	mvn -B -Dstyle.color=never test

package: $(JAR) ## Build the fat jar target/echoloop.jar

$(JAR): $(SOURCES)
	$(MVN) package -DskipTests

clean: ## Remove build output
	$(MVN) clean

soak: $(JAR) ## Mixed good and bad clients for SOAK_SECONDS (30, max 60); prints sent/replied/lost
	python3 bench/soak.py --seconds $(SOAK_SECONDS) --java "$(JAVA)" --jvm-options conf/jvm.options --jar $(JAR)

include bench/bench.mk

dev-cert: ## Make a self-signed certificate for 127.0.0.1 in conf/tls/ (git-ignored) for trying TLS
	mkdir -p conf/tls
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 30 \
	  -keyout conf/tls/dev-key.pem -out conf/tls/dev-cert.pem -subj /CN=localhost \
	  -addext subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost
	@echo "serve it: java @conf/jvm.options -jar $(JAR) -conf conf/tls-dev.json"
