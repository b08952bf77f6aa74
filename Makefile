# LexRay: `make demo` sets up and runs the main job; `make test` sets up and runs the tests.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.lexray-installed
APT_PACKAGES := tesseract-ocr tesseract-ocr-eng poppler-utils
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: setup system-deps demo test up down status ingest bench clean-data

setup: system-deps $(STAMP)

# tesseract and poppler come from Debian; installed only when missing.
system-deps:
	@if ! command -v tesseract >/dev/null || ! command -v pdftoppm >/dev/null; then \
		echo "installing $(APT_PACKAGES)"; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $(APT_PACKAGES) >/dev/null; \
	fi

# torch first, pinned to the local CPU wheel, so nothing later pulls a CUDA build.
$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q torch==2.13.0
	$(PIP) install -q -e '.[localdb,test]'
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
	$(PY) -m pipelines.ingest samples/pdfs
	@$(PY) -m lexray.demo_report

ingest: up
	$(PY) -m pipelines.ingest $(PATHS)

test: setup
	$(PY) -m pytest tests

# Each prints a table with its baseline measured in the same run; http_latency needs the stack.
bench: up
	$(PY) -m bench.extraction
	$(PY) -m bench.embedding
	$(PY) -m bench.http_latency
