"""Benchmark of the template layer: parse + offline validate.

Prints JSON with the median (over several runs) of:

- a generated HOT template of 1,000 resources (500 OS::Heat::RandomString
  and 500 OS::Heat::None linked by get_param / get_resource / get_attr):
  the time to parse its YAML text and the time to validate it (parse
  included, as ``heat-manage template validate`` does);
- the largest corpus template that validates offline, likewise;
- the largest corpus template of all (a cloud template: validation stops
  at the first resource needing a cloud), likewise.

    .venv/bin/python bench/template.py [--runs 5] [--resources 1000]
"""

import argparse
import json
import os
import platform
import statistics
import sys
import time

import yaml

from heat.common import exception, template_format
from heat.engine import validate
from heat.tests import corpus


def generated_template(resources=1000):
    """HOT text with ``resources`` resources linked to each other."""
    pairs = resources // 2
    tmpl = {
        'heat_template_version': '2021-04-16',
        'description': 'Generated benchmark template',
        'parameters': {
            'length': {'type': 'number', 'default': 16,
                       'constraints': [{'range': {'min': 1, 'max': 512}}]},
            'prefix': {'type': 'string', 'default': 'bench'},
        },
        'resources': {},
        'outputs': {},
    }
    res = tmpl['resources']
    for i in range(pairs):
        res['rs%d' % i] = {
            'type': 'OS::Heat::RandomString',
            'properties': {'length': {'get_param': 'length'}},
        }
        props = {
            'ref': {'get_resource': 'rs%d' % i},
            'value': {'get_attr': ['rs%d' % i, 'value']},
            'name': {'list_join': ['-', [{'get_param': 'prefix'},
                                         str(i)]]},
        }
        if i:
            props['previous'] = {'get_resource': 'n%d' % (i - 1)}
        res['n%d' % i] = {'type': 'OS::Heat::None', 'properties': props}
    for i in range(0, pairs, max(1, pairs // 10)):
        tmpl['outputs']['value_%d' % i] = {
            'value': {'get_attr': ['rs%d' % i, 'value']}}
    return yaml.safe_dump(tmpl, default_flow_style=False)


def median_ms(fn, runs):
    fn()  # warm up lazy imports and caches
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000.0)
    return round(statistics.median(times), 2)


def largest_corpus_template():
    """``(name, text, files, environment)`` of the largest template that
    validates offline, or None without the corpus."""
    if not corpus.available():
        return None
    from heat.tests.unit.validate import test_corpus
    with open(os.path.join(corpus.templates_dir(), 'manifest.json')) as f:
        manifest = json.load(f)
    inputs = test_corpus.CorpusInputs(manifest)
    entries = sorted(
        manifest,
        key=lambda e: os.path.getsize(test_corpus._out_path(e['out'])),
        reverse=True)
    for entry in entries:
        text, files, env = inputs.build(entry)
        try:
            validate.validate_template(text, files=files, environment=env)
        except Exception:  # noqa: BLE001 - try the next one
            continue
        return entry['out'], text, files, env
    return None


def largest_corpus_file():
    """``(name, text, files, environment)`` of the largest corpus file."""
    if not corpus.available():
        return None
    from heat.tests.unit.validate import test_corpus
    with open(os.path.join(corpus.templates_dir(), 'manifest.json')) as f:
        manifest = json.load(f)
    entry = max(manifest, key=lambda e: os.path.getsize(
        test_corpus._out_path(e['out'])))
    text, files, env = test_corpus.CorpusInputs(manifest).build(entry)
    return entry['out'], text, files, env


def measure(text, runs, files=None, environment=None):
    outcome = {}

    def run():
        try:
            validate.validate_template(text, files=files,
                                       environment=environment)
            outcome['result'] = 'valid'
        except exception.StackValidationFailed as exc:
            outcome['result'] = 'error: %s' % exc

    return {
        'bytes': len(text.encode('utf-8')),
        'parse_ms': median_ms(lambda: template_format.parse(text), runs),
        'validate_ms': median_ms(run, runs),
        'result': outcome['result'][:160],
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--runs', type=int, default=5)
    parser.add_argument('--resources', type=int, default=1000)
    args = parser.parse_args(argv)

    result = {
        'python': platform.python_version(),
        'runs': args.runs,
    }
    text = generated_template(args.resources)
    gen = measure(text, args.runs)
    gen['resources'] = len(template_format.parse(text)['resources'])
    result['generated'] = gen

    found = largest_corpus_template()
    if found is None:
        result['largest_corpus'] = None
    else:
        name, text, files, env = found
        largest = measure(text, args.runs, files, env)
        largest['template'] = name
        result['largest_corpus'] = largest
    found = largest_corpus_file()
    if found is not None:
        name, text, files, env = found
        largest = measure(text, args.runs, files, env)
        largest['template'] = name
        result['largest_corpus_any'] = largest
    json.dump(result, sys.stdout, indent=2, sort_keys=True)
    sys.stdout.write('\n')
    return 0


if __name__ == '__main__':
    sys.exit(main())
