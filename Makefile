# `make demo` and `make test` work on a fresh machine: they create .venv and install first.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
export SDL_VIDEODRIVER ?= dummy
export SDL_AUDIODRIVER ?= dummy
export PYGAME_HIDE_SUPPORT_PROMPT := 1

.PHONY: setup system-deps test demo bench lint format voices clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

# Debian packages the browser tests and the voice pack use; installed when we may (root, apt).
system-deps:
	@bash scripts/system-deps.sh

test: setup system-deps
	$(PY) -m ruff check .
	$(PY) -m pytest

demo: setup
	$(VENV)/bin/layso demo

bench: setup
	$(VENV)/bin/layso bench

lint: setup
	$(PY) -m ruff check .

format: setup
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

voices: setup
	@bash scripts/system-deps.sh espeak-ng
	$(PY) -m display.voice.build_pack

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
