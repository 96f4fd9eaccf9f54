"""A small stack-like object and parse helpers for the function tests.

The tests of the functions do not use the template, parameters or stack
modules: this fake implements the ``StackLike`` protocol
(``heat.engine.stack_like``) over plain dicts.
"""

from heat.common import exception
from heat.engine import function
from heat.engine.cfn import functions as cfn_functions
from heat.engine.hot import functions as hot_functions


class FakeResource:
    """A resource with a reference id and attributes."""

    def __init__(self, name, ref_id=None, attributes=None,
                 attributes_schema=None):
        self.name = name
        self.ref_id = ref_id if ref_id is not None else '%s-id' % name
        self.attributes = dict(attributes or {})
        if attributes_schema is not None:
            self.attributes_schema = attributes_schema

    def FnGetRefId(self):
        return self.ref_id

    def FnGetAtt(self, key, *path):
        return cfn_functions.select_path(self.attributes.get(key), path)

    def FnGetAtts(self):
        return dict(self.attributes)


class FakeParent:
    """The resource a nested stack was created for."""

    def __init__(self, metadata=None, deletion_policy='Delete',
                 update_policy=None):
        self.metadata = metadata or {}
        self.deletion_policy = deletion_policy
        self.update_policy = update_policy or {}


class FakeTemplate:
    """What functions read from ``stack.t``: ``files`` and ``t``."""

    def __init__(self, raw=None, files=None):
        self.t = raw or {}
        self.files = files or {}

    def __getitem__(self, section):
        return self.t.get(section) or {}


class FakeStack:
    """Implements ``heat.engine.stack_like.StackLike`` over dicts."""

    def __init__(self, parameters=None, resources=(), files=None,
                 conditions=None, mappings=None, parent_resource=None,
                 zones=('nova',), name='teststack', stack_id='stack-1234',
                 tenant_id='tenant-1', region_name='RegionOne'):
        self.name = name
        self.id = stack_id
        self.tenant_id = tenant_id
        self.region_name = region_name
        self.parameters = dict(parameters or {})
        self.resources = {r.name: r for r in resources}
        raw = {}
        if mappings is not None:
            raw['Mappings'] = mappings
        self.t = FakeTemplate(raw, files)
        self.files = self.t.files
        self.conditions = dict(conditions or {})
        self.parent_resource = parent_resource
        self.zones = list(zones)

    def resource_by_name(self, name):
        return self.resources.get(name)

    def has_resource(self, name):
        return name in self.resources

    def condition(self, name):
        if name not in self.conditions:
            raise ValueError('Invalid condition "%s"' % name)
        return self.conditions[name]

    def availability_zones(self):
        return list(self.zones)


def default_stack(**overrides):
    """A stack with a few parameters, resources and files."""
    kwargs = dict(
        parameters={'name': 'web', 'count': 3, 'which': 'name',
                    'data': {'a': {'b': ['x', 'y']}, 'list': [1, 2]},
                    'csv': ['one', 'two'], 'flag': 'yes', 'empty': ''},
        resources=[FakeResource('server', 'srv-1',
                                {'ip': '10.0.0.1',
                                 'addresses': {'net': ['10.0.0.1',
                                                       '10.0.0.2']}}),
                   FakeResource('volume', 'vol-1', {'size': 10})],
        files={'script.sh': '#!/bin/sh\necho hi\n'},
        conditions={'prod': True, 'dev': False},
        mappings={'Region': {'RegionOne': {'ami': 'ami-1'}}},
        parent_resource=FakeParent({'role': 'db'}, 'Retain',
                                   {'batch': 1}))
    kwargs.update(overrides)
    return FakeStack(**kwargs)


def hot(stack, snippet, version='2021-04-16', condition=False):
    """Parse a HOT snippet with the tables of ``version``."""
    return hot_functions.parse(stack, snippet, version, condition)


def cfn(stack, snippet, version='2010-09-09', condition=False):
    """Parse a CFN snippet with the tables of ``version``."""
    return cfn_functions.parse(stack, snippet, version, condition)


def resolve_hot(snippet, version='2021-04-16', stack=None, **kwargs):
    stack = stack or default_stack(**kwargs)
    return function.resolve(hot(stack, snippet, version))


def resolve_cfn(snippet, version='2010-09-09', stack=None, **kwargs):
    stack = stack or default_stack(**kwargs)
    return function.resolve(cfn(stack, snippet, version))


HOT_VERSIONS = tuple(hot_functions.FUNCTIONS)


def since(first, until=None):
    """HOT versions from ``first`` up to (not including) ``until``."""
    return tuple(v for v in HOT_VERSIONS
                 if v >= first and (until is None or v < until))


def _slug(text):
    return ''.join(c if c.isalnum() else '_' for c in text)


def add_resolve_tests(cls, rows, parse_fn, condition=False):
    """One test per (row, version): ``(case, versions, snippet, expected)``.
    """
    for case, versions, snippet, expected in rows:
        for version in versions:
            def test(self, snippet=snippet, expected=expected,
                     version=version):
                stack = default_stack()
                parsed = parse_fn(stack, snippet, version, condition)
                function.validate(parsed)
                self.assertEqual(expected, function.resolve(parsed))
            name = 'test_%s_%s' % (case, _slug(version))
            assert not hasattr(cls, name), name
            setattr(cls, name, test)


ERRORS = (exception.StackValidationFailed,
          exception.InvalidTemplateReference,
          exception.InvalidTemplateAttribute,
          exception.UserParameterMissing)


def add_error_tests(cls, rows, parse_fn, condition=False):
    """One test per (row, version): ``(case, versions, snippet, phase,
    message)``; phase is 'validate', 'resolve' or 'both'. The error must
    contain ``message``."""
    for case, versions, snippet, phase, message in rows:
        for version in versions:
            def test(self, snippet=snippet, phase=phase, message=message,
                     version=version):
                stack = default_stack()
                parsed = parse_fn(stack, snippet, version, condition)
                checks = {'validate': [function.validate],
                          'resolve': [function.resolve],
                          'both': [function.validate, function.resolve]}
                for check in checks[phase]:
                    exc = self.assertRaises(ERRORS, check, parsed)
                    self.assertIn(message, str(exc))
            name = 'test_%s_%s' % (case, _slug(version))
            assert not hasattr(cls, name), name
            setattr(cls, name, test)
