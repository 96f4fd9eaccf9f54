"""Every corpus template through the offline validator.

The shared corpus (``heat.tests.corpus``) classifies each template:

- **A / A\\***: engine-internal types only (after the registry the test
  uses): validates offline (A\\* because LaunchConfiguration's image and
  flavor constraints are noted as not verified, not failed);
- **A(u)**: needs Heat's unit-test resource plugins, which we do not have:
  fails, naming the unknown type;
- **B**: needs a cloud service: validates (when only parameter constraints
  need the cloud) or fails with a message naming the service.

Support files (provider templates) are validated on their own too. The
registry each test uses comes from ``manifest.json``; provider templates
are supplied in ``files`` from the support files.

Nothing may crash: any error other than ``StackValidationFailed`` fails
the walk. Cases that fail because of a known gap are listed, with the
reason, in ``KNOWN_FAILURES``; a listed case that starts passing fails the
test too, so the list stays true.
"""

import collections
import json
import os
import re
import traceback

import testtools
from testtools import content

from heat.common import exception
from heat.engine import resource_types, validate
from heat.tests import base, corpus

TEMPLATE_SUFFIXES = ('.yaml', '.template', '.json')
SERVICE_RE = re.compile(r'Service (\S+) is not available for resource type '
                        r'(\S+),')
NOT_FOUND_RE = re.compile(r'The Resource Type \((.+?)\) could not be found')

#: Templates whose test environment is not in the manifest:
#: ``{out: {'files': {name: corpus out}, 'registry': {...}}}``.
EXTRA_INPUTS = {}

_NULL_PARAMS = ('heat/heat_integrationtests__functional__test_resource_group'
                '.py__ResourceGroupTestNullParams.')

#: Templates meant to fail as they are: ``{out: text the error contains}``.
EXPECTED_ERRORS = {
    # The test replaces the placeholder type "empty" by each parameter
    # type before use (see TestNullParamsScenarios); as stored, the
    # template is invalid, upstream too.
    _NULL_PARAMS + 'template.yaml': 'Invalid type (empty)',
    _NULL_PARAMS + 'nested_template_file.yaml': 'Invalid type (empty)',
    # Support file meant to fail as soon as it is validated (the test
    # uses it as the member of a zero-sized group, which is not).
    'heat/heat_integrationtests__functional__test_resource_group.py__'
    'ResourceGroupTest.test_resource_group_zero_novalidate.'
    'nested_template_fail.yaml':
        "resources.random.properties.length: Value 'BAD' is not an integer",
    # The group member passes security_group, but the member template
    # (server_with_ip.yaml) declares security_group_name: upstream refuses
    # it too.
    'heat-templates/hot__mistral__templates__autoscaling_using_mistral.yaml':
        'resources.my_asg.properties.resource.properties: Unknown Property '
        'security_group',
}

#: Known failures: ``{out: reason}``. Each must still fail (see module
#: docstring); remove the entry when the cause is fixed.
KNOWN_FAILURES = {}

Outcome = collections.namedtuple('Outcome', 'entry status detail')


def _out_path(out):
    return os.path.join(corpus.templates_dir(), out)


def _read(out):
    with open(_out_path(out), encoding='utf-8') as f:
        return f.read()


class CorpusInputs:
    """Builds ``files`` and the environment a corpus test uses."""

    def __init__(self, manifest):
        self.by_out = {e['out']: e for e in manifest}
        # A file name used anywhere as a registry key -> corpus file.
        self.by_name = {}
        for e in manifest:
            for key, target in e['registry'].items():
                if key.endswith(TEMPLATE_SUFFIXES) and target in self.by_out:
                    self.by_name.setdefault(key, target)

    def _target(self, target):
        if target in self.by_out:
            return target
        return self.by_name.get(target)

    def _file_name(self, out):
        for name, target in self.by_name.items():
            if target == out:
                return name
        return out.rsplit('__', 1)[-1]

    def build(self, entry):
        files = {}
        registry = {}
        seen = set()

        def add(reg):
            for key, target in reg.items():
                if '::' in target and target not in self.by_out:
                    registry.setdefault(key, target)
                    continue
                out = self._target(target)
                if out is None:
                    continue
                name = key if key.endswith(TEMPLATE_SUFFIXES) else \
                    self._file_name(out)
                files.setdefault(name, _read(out))
                if not key.endswith(TEMPLATE_SUFFIXES):
                    registry.setdefault(key, name)
                if out not in seen:
                    seen.add(out)
                    add(self.by_out[out]['registry'])

        add(entry['registry'])
        extra = EXTRA_INPUTS.get(entry['out'], {})
        for name, out in extra.get('files', {}).items():
            files[name] = _read(out)
        registry.update(extra.get('registry', {}))
        environment = {'resource_registry': registry} if registry else None
        return _read(entry['out']), files, environment


def classify(entry, error):
    """``(ok, why)``: whether ``error`` (None: validated) fits the class."""
    cls = entry['class']
    out = entry['out']
    needs = set(entry['needs'])
    if out in EXPECTED_ERRORS:
        want = EXPECTED_ERRORS[out]
        if error is None:
            return False, 'validated, expected: %s' % want
        return want in str(error), 'expected %r' % want
    if cls in ('A', 'A*'):
        return error is None, 'class %s validates offline' % cls
    if cls == 'A(u)':
        match = error is not None and NOT_FOUND_RE.search(str(error))
        return bool(match and match.group(1) in needs), \
            'class A(u) fails naming an unknown type of %s' % sorted(needs)
    # Class B.
    if error is None:
        return True, 'class B validated (cloud needs: parameters only)'
    match = SERVICE_RE.search(str(error))
    if match:
        rtype = resource_types.lookup(match.group(2))
        return bool(rtype and rtype.service == match.group(1) and
                    rtype.name in needs), \
            'class B names the service of a type it needs'
    match = NOT_FOUND_RE.search(str(error))
    return bool(match and match.group(1) in needs), \
        'class B names the service or an unknown type it needs'


def walk():
    """Validate every template; return a list of :class:`Outcome`."""
    with open(os.path.join(corpus.templates_dir(), 'manifest.json')) as f:
        manifest = json.load(f)
    inputs = CorpusInputs(manifest)
    outcomes = []
    for entry in manifest:
        template, files, environment = inputs.build(entry)
        error = None
        try:
            validate.validate_template(template, files=files,
                                       environment=environment)
        except exception.StackValidationFailed as exc:
            error = exc
        except Exception:  # noqa: BLE001 - a crash is what we look for
            outcomes.append(Outcome(entry, 'crash',
                                    traceback.format_exc(limit=4)))
            continue
        ok, why = classify(entry, error)
        outcomes.append(Outcome(
            entry, 'pass' if ok else 'fail',
            '%s; got: %s' % (why, error if error else 'validated')))
    return outcomes


_OUTCOMES = []


def outcomes():
    if not _OUTCOMES:
        _OUTCOMES.extend(walk())
    return _OUTCOMES


@testtools.skipUnless(corpus.available(), 'corpus not available')
class TestCorpus(base.TestCase):

    def setUp(self):
        super().setUp()
        self.results = outcomes()
        lines = ['%-5s %-5s %s: %s' % (o.status, o.entry['class'],
                                       o.entry['out'], o.detail)
                 for o in self.results]
        self.addDetail('corpus-results', content.text_content(
            '\n'.join(lines)))

    def _check(self, keep):
        wrong = []
        for o in self.results:
            if not keep(o.entry):
                continue
            out = o.entry['out']
            passed = o.status == 'pass'
            if out in KNOWN_FAILURES:
                if passed:
                    wrong.append('%s: listed as a known failure (%s) but '
                                 'passes now; remove it from '
                                 'KNOWN_FAILURES' % (out,
                                                     KNOWN_FAILURES[out]))
                continue
            if not passed:
                wrong.append('%s [%s] %s: %s' % (out, o.entry['class'],
                                                  o.status, o.detail))
        self.assertEqual([], wrong)

    def test_summary(self):
        counts = collections.Counter(
            (o.entry['class'], o.status) for o in self.results)
        summary = ', '.join('%s %s=%d' % (cls, status, n)
                            for (cls, status), n in sorted(counts.items()))
        total = collections.Counter(o.status for o in self.results)
        line = ('corpus: %d templates: %d pass, %d fail, %d crash '
                '(%d known failures) [%s]'
                % (len(self.results), total['pass'], total['fail'],
                   total['crash'], len(KNOWN_FAILURES), summary))
        print(line)
        self.addDetail('corpus-summary', content.text_content(line))
        self.assertGreater(len(self.results), 100)

    def test_nothing_crashes(self):
        crashes = ['%s: %s' % (o.entry['out'], o.detail)
                   for o in self.results if o.status == 'crash' and
                   o.entry['out'] not in KNOWN_FAILURES]
        self.assertEqual([], crashes)

    def test_class_a_main_templates_validate(self):
        self._check(lambda e: e['class'] == 'A' and e['role'] == 'main')

    def test_class_a_star_templates_validate_with_noted_constraints(self):
        self._check(lambda e: e['class'] == 'A*')

    def test_class_a_u_templates_name_the_unknown_plugin_type(self):
        self._check(lambda e: e['class'] == 'A(u)')

    def test_class_b_templates_name_the_cloud_service(self):
        self._check(lambda e: e['class'] == 'B')

    def test_support_files_validate_as_templates(self):
        self._check(lambda e: e['role'] != 'main' and e['class'] != 'B')

    def test_known_failures_are_in_the_corpus(self):
        outs = {o.entry['out'] for o in self.results}
        self.assertEqual(set(), set(KNOWN_FAILURES) - outs)
        self.assertEqual(set(), set(EXPECTED_ERRORS) - outs)

    def test_a_star_notes_launch_configuration_constraints(self):
        out = ('heat/heat__tests__openstack__heat__test_instance_group.py__'
               'TestLaunchConfig.test_update_metadata_replace.'
               'lc_template.json')
        if out in KNOWN_FAILURES:
            self.skipTest(KNOWN_FAILURES[out])
        report = validate.check_template(_read(out))
        self.assertIn(('glance.image', 'glance'),
                      [(u.constraint, u.service) for u in report.unverified])


@testtools.skipUnless(corpus.available(), 'corpus not available')
class TestNullParamsScenarios(base.TestCase):
    """ResourceGroupTestNullParams, with the type each scenario puts in."""

    SCENARIOS = (('string', ''), ('boolean', 'false'), ('number', '0'),
                 ('comma_delimited_list', ''), ('json', '{}'))

    def test_every_scenario_validates_with_its_empty_value(self):
        main = _read(_NULL_PARAMS + 'template.yaml')
        nested = _read(_NULL_PARAMS + 'nested_template_file.yaml')
        for ptype, value in self.SCENARIOS:
            result = validate.validate_template(
                main.replace('type: empty', 'type: %s' % ptype),
                files={'provider.yaml': nested.replace(
                    'type: empty', 'type: %s' % ptype)},
                environment={'resource_registry': {
                    'My::RandomString': 'provider.yaml'}},
                params={'param': value})
            self.assertEqual(value,
                             result['Environment']['parameters']['param'])


@testtools.skipUnless(corpus.available(), 'corpus not available')
class TestZeroCountGroupNoValidate(base.TestCase):
    """test_resource_group_zero_novalidate: a bad member template only
    fails when the group has members."""

    def _validate(self, count):
        heat = 'heat/heat_integrationtests__functional__test_resource_group.py'
        main = _read(heat + '__ResourceGroupTest.template.yaml')
        bad = _read(heat + '__ResourceGroupTest.test_resource_group_zero_'
                           'novalidate.nested_template_fail.yaml')
        return validate.validate_template(
            main.replace('count: 0', 'count: %d' % count),
            files={'provider.yaml': bad},
            environment={'resource_registry': {
                'My::RandomString': 'provider.yaml'}})

    def test_count_zero_validates(self):
        self._validate(0)

    def test_count_two_fails_with_the_nested_path(self):
        err = self.assertRaises(exception.StackValidationFailed,
                                self._validate, 2)
        self.assertIn('resources.random_group<nested_stack>.resources.'
                      '0<provider.yaml>.resources.random', str(err))
        self.assertIn("Value 'BAD' is not an integer", str(err))


@testtools.skipUnless(corpus.available(), 'corpus not available')
class TestValidateEmptyResourceGroup(base.TestCase):
    """heat/tests/test_validate.py test_validate_empty_resource_group:
    show_nested of a count-0 group still shows member "0" with the
    parameters of its (URL-mapped) provider template."""

    URL = 'https://server.test/nested.template'

    def test_nested_parameters_of_member_zero(self):
        root = _read('heat/heat__tests__test_validate.py__ValidateTest.'
                     'test_validate_empty_resource_group.'
                     'root_template_str.yaml')
        nested = ('heat_template_version: 2015-10-15\n'
                  'parameters:\n'
                  '    test_param:\n'
                  '        type: string\n')
        result = validate.validate_template(
            root, files={self.URL: nested},
            environment={'resource_registry': {
                'OS::Test::TestResource': self.URL}},
            show_nested=True)

        def param(name):
            return {'Description': '', 'Label': name, 'NoEcho': 'false',
                    'Type': 'String'}

        self.assertEqual({
            'Description': 'No description',
            'Environment': {
                'event_sinks': [], 'parameter_defaults': {},
                'parameters': {},
                'resource_registry': {'OS::Test::TestResource': self.URL,
                                      'resources': {}}},
            'NestedParameters': {'Group': {
                'Description': 'No description',
                'NestedParameters': {'0': {
                    'Description': 'No description',
                    'Parameters': {'test_param': param('test_param')},
                    'Type': 'OS::Test::TestResource'}},
                'Parameters': {},
                'Type': 'OS::Heat::ResourceGroup'}},
            'Parameters': {'test_root_param': param('test_root_param')},
        }, result)
