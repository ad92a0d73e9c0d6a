# The targets people and CI share. `make run` and `make test` set everything up themselves.
PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.install-stamp
DEV    := $(VENV)/.dev-stamp
HOST   ?= 127.0.0.1
PORT   ?= 8000
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False

.PHONY: install install-dev system-deps run test test-fast bench-gate ingest eval bench lint clean

# What running needs (about two minutes on a fresh machine); tests, eval and lint add the dev extra.
install: $(STAMP)
install-dev: $(DEV)

# torch first, pinned to the CPU build that lies on disk; a looser spec would pull a multi-GB CUDA build.
$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is required ($(PYTHON) not found)"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e .
	touch $(STAMP)

# The test tools, the eval's plotting and metrics, and llama.cpp's server for the generative composer's tests
# (built from source on first install, about five minutes). llama.cpp is built for any x86-64 with AVX2, not for
# this CPU: a native build segfaults on some Xeons (AVX-512 + AMX). --no-cache-dir so that a wheel pip cached
# from a native build is never reused.
LLAMA_CMAKE_ARGS := -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON
$(DEV): $(STAMP)
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" FORCE_CMAKE=1 $(PY) -m pip install --quiet --no-cache-dir \
	  'llama-cpp-python[server]>=0.3.16,<0.4'
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(DEV)

# What the tests need from Debian: a real browser, its driver and a Japanese font (for legible screenshots),
# and a real PostgreSQL server.
SYSTEM_PACKAGES := chromium chromium-driver fonts-noto-cjk postgresql
system-deps:
	@missing=""; for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  sudo=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$sudo apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

# axe-core, for the accessibility checks of the page tests (npm, pinned by package-lock.json).
node_modules/axe-core/axe.min.js: package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	touch $@

var/index/LIVE: | $(STAMP)
	$(PY) -m ingest corpus --index var/index

run: install var/index/LIVE
	MADOGUCHI_INDEX_DIR=$${MADOGUCHI_INDEX_DIR:-var/index} $(PY) -m service --host $(HOST) --port $(PORT)

test: install-dev system-deps node_modules/axe-core/axe.min.js
	$(PY) -m pytest $(PYTEST_ARGS)

# The daily lane: everything but the browser, llama.cpp, the Chroma server and the slowest subprocesses.
test-fast: install-dev system-deps
	$(PY) -m pytest -m "not bench and not slow and not llm and not chroma_server" --ignore=tests/pages $(PYTEST_ARGS)

# The quality floors on the whole external benchmark sets (localgovFAQ, CLINC150), read from MADOGUCHI_BENCH_DATA
# (docs/figures.md, "Benchmark data"): a set that is absent fails, naming its path.
bench-gate: install-dev
	$(PY) -m pytest -m bench $(PYTEST_ARGS)

ingest: install
	$(PY) -m ingest $${MADOGUCHI_CORPUS_DIR:-corpus} --index $${MADOGUCHI_INDEX_DIR:-var/index}

eval: install-dev
	$(PY) -m eval answers

bench: install-dev
	$(PY) -m eval ingest-bench
	$(PY) -m eval bench

lint: install-dev
	$(VENV)/bin/ruff check service ingest eval tests
	$(VENV)/bin/ruff format --check service ingest eval tests
	$(VENV)/bin/mypy

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
