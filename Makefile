# The two commands a fresh machine needs: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo serve test lint typecheck catalogues bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

catalogues: $(STAMP)
	$(BIN)/pybabel compile -d translations -D messages
	$(BIN)/pybabel compile -d translations -D outbound
	$(BIN)/pybabel compile -d translations -D staff

demo: $(STAMP) catalogues
	$(BIN)/flask --app portal db upgrade
	$(BIN)/flask --app portal demo || true
	$(BIN)/flask --app portal run --host 127.0.0.1 --port 5000

lint: $(STAMP)
	$(BIN)/ruff check portal tests bench migrations/env.py wsgi.py

typecheck: $(STAMP)
	$(BIN)/mypy portal

test: $(STAMP) catalogues lint typecheck
	$(BIN)/pytest

bench: $(STAMP) catalogues
	$(BIN)/python -m bench.run

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
