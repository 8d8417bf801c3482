# The two set-up commands of README.md live here:
#   make portal   install airtools (+ 3Dmol.js from npm) and launch JupyterLab (lessons) + Voila (dashboards)
#   make test     install what the tests need (+ Debian's chromium) and run the whole suite
# Installs go to .venv (pip's cache makes a second install fast); re-run when pyproject.toml changes.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
PYTEST_ARGS ?=

.PHONY: portal test install install-test assets chromium hub-proxy clean

portal: install assets
	$(BIN)/airtools portal

test: install-test assets chromium hub-proxy
	$(BIN)/python -m pytest $(PYTEST_ARGS)

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

$(VENV)/.installed: pyproject.toml
	[ -x $(BIN)/python ] || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

# 3Dmol.js (the viewer py3Dmol drives) comes from the npm package at set-up time; the portal serves it.
# The same command installs the Jupyter settings (airtools server extension, JupyterLab course settings).
assets: install
	$(BIN)/airtools assets

# JupyterHub's proxy (jupyterhub_config.py; the hub test): configurable-http-proxy from npm, into the venv
# (no global install), once.
CHP := $(VENV)/node_modules/.bin/configurable-http-proxy
hub-proxy: $(CHP)
$(CHP):
	npm install --silent --no-fund --no-audit --prefix $(VENV) configurable-http-proxy@4

# Debian's Chromium for the browser tests (Playwright's own browser download does not work offline).
chromium:
	@command -v chromium >/dev/null || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium; }

clean:
	rm -rf $(VENV) artifacts .pytest_cache
