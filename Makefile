# rleseg: `make demo` runs the demo benchmark (the four paradigms on the shipped real
# nuclei crops, `--suite demo`; the generated IPSC-like data: `--suite demo-ipsc`),
# `make test` runs the tests.
# Both install first; installing is idempotent and cached:
#   * .venv is created once; torch==$(TORCH_VERSION) (CPU wheel) goes in first unless a
#     torch is already there (a GPU user may pre-install their own CUDA build);
#   * mmcv $(MMCV_VERSION) with ops is compiled from source once per machine and torch
#     version, and the wheel is kept in $(WHEEL_CACHE), so a new venv reuses it;
#   * the stamp file makes a second `make install` a no-op until pyproject.toml or this
#     Makefile change.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
TORCH_VERSION ?= 2.13.0
MMCV_VERSION := 2.1.0
WHEEL_CACHE ?= $(HOME)/.cache/rleseg/wheels
STAMP := $(VENV)/.rleseg-installed
# `make test` runs one pytest-xdist worker per core (1 torch thread each); TEST_JOBS=0
# runs the tests in this process, one after the other.
TEST_JOBS ?= auto
PYTEST_ARGS ?=

.PHONY: install demo test bench data clean

install: $(STAMP)

$(STAMP): pyproject.toml Makefile
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -c "import torch" 2>/dev/null || $(PIP) install "torch==$(TORCH_VERSION)"
	$(PIP) install -q "setuptools>=64,<81" wheel ninja
	@set -e; \
	torch_version=$$($(PY) -c "import torch; print(torch.__version__)"); \
	cache="$(WHEEL_CACHE)/torch-$$torch_version"; \
	if ! ls "$$cache"/mmcv-$(MMCV_VERSION)-*.whl >/dev/null 2>&1; then \
	  echo "Building mmcv $(MMCV_VERSION) with ops for torch $$torch_version" \
	       "(once per machine; about 20 min on 2 cores)"; \
	  rm -rf "$$cache.partial"; \
	  MMCV_WITH_OPS=1 MAX_JOBS=$${MAX_JOBS:-$$(nproc)} $(PIP) wheel --no-build-isolation \
	    --no-deps "mmcv==$(MMCV_VERSION)" -w "$$cache.partial"; \
	  mkdir -p "$$cache"; mv "$$cache.partial"/mmcv-$(MMCV_VERSION)-*.whl "$$cache"/; \
	  rm -rf "$$cache.partial"; \
	fi; \
	$(PIP) install -q "$$cache"/mmcv-$(MMCV_VERSION)-*.whl
	$(PIP) install -q --no-build-isolation -e ".[tests]"
	$(PY) -c "from mmcv.ops import point_sample; import rleseg"
	@touch $(STAMP)

data: install
	$(PY) tools/prepare_data.py

demo: data
	$(PY) tools/benchmark.py --suite demo

test: install
	$(PY) -m pytest tests -q -n $(TEST_JOBS) $(PYTEST_ARGS)

bench: install
	$(PY) benchmarks/tokenizer_speed.py
	$(PY) benchmarks/decode_speed.py

clean:
	rm -rf $(VENV) work_dirs data
