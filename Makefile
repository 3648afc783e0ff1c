# wirestream: `make demo` runs the main job, `make test` runs the tests; both set up first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: setup prometheus demo test test-fast kafka-start kafka-stop schemas dashboards clean

setup: $(STAMP) $(VENV)/.kafka-stamp prometheus

# Prometheus and promtool (the alert rules' tests and the dashboards' proof run them): Debian's
# package when missing. CI runs as root on Debian; elsewhere sudo is used if present.
SUDO := $(shell [ "$$(id -u)" = 0 ] || command -v sudo)
prometheus:
	@if command -v promtool >/dev/null && command -v prometheus >/dev/null; then :; \
	elif command -v apt-get >/dev/null; then \
	  echo "installing Debian's prometheus package (prometheus + promtool)"; \
	  $(SUDO) apt-get update -q && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends prometheus \
	  || { echo "apt-get could not install prometheus (run as root, or install Prometheus 2.x with promtool on PATH)" >&2; exit 1; }; \
	else \
	  echo "prometheus/promtool are missing and apt-get is unavailable: install Prometheus 2.x (both binaries on PATH), then re-run make" >&2; \
	  exit 1; \
	fi

$(STAMP): pyproject.toml
	@command -v java >/dev/null || { echo "Java (JDK 17+) is needed for the local Kafka broker" >&2; exit 1; }
	@command -v mvn >/dev/null || { echo "Maven is needed to fetch the local Kafka broker" >&2; exit 1; }
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "Python >= 3.11 needed" >&2; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $@

# Fetches the pinned Apache Kafka jars from Maven Central into the cache (once).
$(VENV)/.kafka-stamp: $(STAMP) streams/localkafka/pom.xml
	$(BIN)/wirestream kafka fetch
	touch $@

demo: setup
	$(BIN)/wirestream demo

test: setup
	$(BIN)/python -m pytest

test-fast: setup
	$(BIN)/python -m pytest -m "not kafka"

kafka-start: setup
	$(BIN)/wirestream kafka start

kafka-stop:
	$(BIN)/wirestream kafka stop

schemas: setup
	$(BIN)/wirestream schemas

# Regenerates the Grafana dashboards and the Kubernetes data ConfigMap (a test checks they are current).
dashboards: setup
	$(BIN)/python scripts/generate_deploy.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .hypothesis
