# Set-up is part of every target: a fresh machine needs only python3 and make.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test lint functional bench clean upstream-venv

# Upstream OpenStack Heat (PyPI openstack-heat) in its own venv: its package
# is also called "heat".  Used by contrib/heat-autoscaling-resources/upstream/
# driver.py to prove our resource plugin loads into upstream's plugin_dirs.
UPSTREAM_VENV ?= .venv-upstream
UPSTREAM_DIR := contrib/heat-autoscaling-resources/upstream
UPSTREAM_STAMP := $(UPSTREAM_VENV)/.installed

$(STAMP): requirements.txt test-requirements.txt setup.cfg \
		contrib/heat-autoscalingclient/pyproject.toml \
		contrib/heat-autoscaling-resources/pyproject.toml
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -r requirements.txt -r test-requirements.txt
	$(VENV)/bin/pip install -q --no-deps -e .
	$(VENV)/bin/pip install -q -e contrib/heat-autoscalingclient
	$(VENV)/bin/pip install -q --no-deps -e contrib/heat-autoscaling-resources
	touch $(STAMP)

$(UPSTREAM_STAMP): $(UPSTREAM_DIR)/requirements.txt \
		$(UPSTREAM_DIR)/constraints.txt \
		contrib/heat-autoscalingclient/pyproject.toml \
		contrib/heat-autoscaling-resources/pyproject.toml
	python3 -m venv $(UPSTREAM_VENV)
	$(UPSTREAM_VENV)/bin/pip install -q --upgrade pip
	$(UPSTREAM_VENV)/bin/pip install -q -r $(UPSTREAM_DIR)/requirements.txt
	$(UPSTREAM_VENV)/bin/pip install -q -e contrib/heat-autoscalingclient
	$(UPSTREAM_VENV)/bin/pip install -q --no-deps \
		-e contrib/heat-autoscaling-resources
	touch $(UPSTREAM_STAMP)

upstream-venv: $(UPSTREAM_STAMP)

demo: $(STAMP)
	$(PY) tools/demo.py

# Upstream Heat's venv is for one test (the resource plug-ins loaded into
# upstream Heat): a build that fails (no PyPI) makes that test skip, with
# the reason, instead of stopping the run.
test: $(STAMP)
	-$(MAKE) --no-print-directory upstream-venv
	$(PY) tools/run_tests.py

functional: $(STAMP)
	$(PY) tools/run_tests.py --test-path ./heat/tests/functional

lint: $(STAMP)
	$(VENV)/bin/ruff check heat bench tools

bench: $(STAMP)
	for b in bench/*.py; do $(PY) $$b; done

clean:
	rm -rf $(VENV) $(UPSTREAM_VENV) .stestr .stestr-serial
