# Two commands matter: `make run` (the demo directory) and `make test` (the whole suite).
# Both create .venv on first use and reinstall when pyproject.toml changes.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
CHROMIUM := /usr/bin/chromium

.PHONY: run test lint browser bench clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "kapdir needs Python 3.11+"'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/kapdir demo

# Browser tests drive Debian's chromium; install it when we can (root, apt), otherwise they skip.
browser:
	@if [ ! -x $(CHROMIUM) ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	      || echo "warning: could not install chromium; browser tests will be skipped"; \
	  else echo "warning: $(CHROMIUM) missing and not root; browser tests will be skipped"; fi; \
	fi

lint: $(STAMP)
	$(VENV)/bin/ruff check .

# One worker per core (pytest-xdist): the suite is mostly real crawls and servers in subprocesses, so a
# single pytest process leaves a core idle while it waits on them.
test: $(STAMP) browser lint
	$(PY) -m pytest -q -n auto

bench: $(STAMP)
	$(PY) -m bench.run

clean:
	rm -rf var .pytest_cache .ruff_cache
