# Set-up is part of every target: a fresh machine needs only python3 and make.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test lint functional bench clean

$(STAMP): requirements.txt test-requirements.txt setup.cfg \
		contrib/heat-autoscalingclient/pyproject.toml
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -r requirements.txt -r test-requirements.txt
	$(VENV)/bin/pip install -q --no-deps -e .
	$(VENV)/bin/pip install -q -e contrib/heat-autoscalingclient
	touch $(STAMP)

demo: $(STAMP)
	$(PY) tools/demo.py

test: $(STAMP)
	$(PY) tools/run_tests.py

functional: $(STAMP)
	$(PY) tools/run_tests.py --test-path ./heat/tests/functional

lint: $(STAMP)
	$(VENV)/bin/ruff check heat bench tools

bench: $(STAMP)
	for b in bench/*.py; do $(PY) $$b; done

clean:
	rm -rf $(VENV) .stestr
