# wirestream: `make demo` runs the main job, `make test` runs the tests; both set up first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: setup demo test test-fast kafka-start kafka-stop schemas clean

setup: $(STAMP) $(VENV)/.kafka-stamp

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

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .hypothesis
