# Guanxi: two commands on a fresh machine with Python >= 3.11 and make.
#   make run    virtual environment + locked dependencies, SQLite database under var/, demo data,
#               web server and background worker on http://127.0.0.1:8000
#   make test   the same environment, then the whole test suite

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
UV     := $(VENV)/bin/uv
UV_VERSION := 0.13.9
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: run test env migrate demo serve test-postgres bench clean messages

$(VENV)/.synced: pyproject.toml uv.lock
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@test -x $(UV) || $(PY) -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"
	$(UV) sync --locked --inexact --python $(PY)
	@touch $@

env: $(VENV)/.synced

migrate: env
	$(PY) -m guanxi migrate --noinput

demo: migrate
	$(PY) -m guanxi demo --size small

run: demo
	$(PY) -m guanxi serve --host 127.0.0.1 --port 8000

test: env
	$(PY) -m pytest -n auto --dist loadfile

test-postgres: env
	GUANXI_DATABASE_URL=$${GUANXI_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/guanxi} $(PY) -m pytest -n auto --dist loadfile

bench: env
	$(PY) -m benchmarks

messages: env
	cd src/guanxi && ../../$(PY) -m django makemessages -l zh_Hans --settings=guanxi.settings --ignore=static
	cd src/guanxi && ../../$(PY) -m django compilemessages --settings=guanxi.settings

clean:
	rm -rf $(VENV) var
