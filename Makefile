# The two commands a fresh machine needs: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
BIND ?= 127.0.0.1:8000

.PHONY: demo serve test lint typecheck catalogues bench clean

$(STAMP): pyproject.toml setup.py
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

catalogues: $(STAMP)
	$(BIN)/pybabel compile -d translations -D messages
	$(BIN)/pybabel compile -d translations -D outbound
	$(BIN)/pybabel compile -d translations -D staff

# plain http on this machine: development said explicitly (else cookies are Secure and pages send HSTS)
demo: export PORTAL_ENV ?= development
demo: $(STAMP) catalogues
	$(BIN)/flask --app portal db upgrade
	$(BIN)/flask --app portal demo || true
	$(BIN)/flask --app portal run --host 127.0.0.1 --port 5000

# The portal under gunicorn with the shipped gunicorn.conf.py, on the embedded SQLite database under
# instance/ or on PORTAL_DATABASE_URL; /metrics sums every worker's figures (prometheus-client's
# multiprocess mode). A server runs it as deploy/systemd/family-portal.service does.
serve: $(STAMP) catalogues
	$(BIN)/flask --app portal db upgrade
	PROMETHEUS_MULTIPROC_DIR=$${PROMETHEUS_MULTIPROC_DIR:-$(CURDIR)/instance/metrics} \
	  $(BIN)/gunicorn --config gunicorn.conf.py --bind $(BIND) --no-control-socket 'portal:create_app()'

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
