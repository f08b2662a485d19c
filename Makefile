# The few commands a newcomer needs. Everything runs inside .venv, created on first use.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO := demo
DEMO_SCALE ?= 0.25

.PHONY: install demo test lint format bench mutation clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)  ## create .venv and install the project with its models

demo: $(STAMP)  ## generate the incident replay, run the triage on it, print ranked causes
	$(BIN)/triage simulate --scenario postmortem --output $(DEMO)/input --scale $(DEMO_SCALE) --quiet
	$(BIN)/triage run --input $(DEMO)/input --output $(DEMO)/out --demo-key
	@echo; echo "How this extract scores against the replay's truth:"
	$(BIN)/triage evaluate --truth $(DEMO)/input/truth --extract $(DEMO)/out/triage.duckdb

test: $(STAMP)  ## lint and run every test (unit, integration, end to end)
	$(BIN)/ruff check .
	$(BIN)/pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(STAMP)  ## benchmarks; results land in bench/results/
	for b in bench/bench_*.py; do $(BIN)/python $$b || exit 1; done

mutation: $(STAMP)  ## mutation testing of the privacy and statistics core (slow, not in CI; docs/testing.md)
	nice -n 10 $(BIN)/python bench/mutation.py

clean:
	rm -rf $(DEMO) .pytest_cache .ruff_cache
