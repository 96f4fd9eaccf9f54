"""Parsing and section-checking environment files.

An environment is a YAML (or JSON) mapping with only the sections in
:data:`SECTIONS`. :func:`parse` loads the text, rejects unknown or empty
sections naming them (upstream's texts: ``environment has wrong section
"x"``, ``environment has empty section "x"``) and fills the missing
sections with empty values. Errors are ``InvalidEnvironment``.
"""

import collections.abc

import yaml

from heat.common import exception

SECTIONS = (
    PARAMETERS, RESOURCE_REGISTRY, PARAMETER_DEFAULTS,
    ENCRYPTED_PARAM_NAMES, EVENT_SINKS, PARAMETER_MERGE_STRATEGIES,
) = (
    'parameters', 'resource_registry', 'parameter_defaults',
    'encrypted_param_names', 'event_sinks', 'parameter_merge_strategies',
)

LIST_SECTIONS = (ENCRYPTED_PARAM_NAMES, EVENT_SINKS)


class _Loader(yaml.SafeLoader):
    """SafeLoader that keeps dates as strings, as upstream's loader."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers
            if tag != 'tag:yaml.org,2002:timestamp']
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _fail(message):
    raise exception.InvalidEnvironment(message=message)


def load(text):
    """The data of an environment text; errors name line and column."""
    if isinstance(text, bytes):
        text = text.decode('utf-8')
    try:
        return yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        _fail('Error parsing environment: %s' % exc)


def parse(env_str, fill_missing=True):
    """An environment dict from YAML/JSON text or an already-loaded dict.

    ``None`` and empty text are an empty environment.
    """
    if env_str is None:
        env = {}
    elif isinstance(env_str, collections.abc.Mapping):
        env = dict(env_str)
    else:
        env = load(env_str)
        if env is None:
            env = {}
    if not isinstance(env, dict):
        _fail('The environment is not a valid YAML mapping data type.')
    validate(env)
    if fill_missing:
        default_for_missing(env)
    return env


def validate(env):
    """Reject unknown, empty and wrongly typed sections."""
    for key in env:
        if key not in SECTIONS:
            _fail('environment has wrong section "%s"' % key)
        value = env[key]
        if value is None:
            _fail('environment has empty section "%s"' % key)
        if key in LIST_SECTIONS:
            if not isinstance(value, list):
                _fail('environment section "%s" must be a list' % key)
        elif not isinstance(value, collections.abc.Mapping):
            _fail('environment section "%s" must be a mapping' % key)
    return env


def default_for_missing(env):
    """Add the missing sections, empty, to ``env`` (in place)."""
    for key in SECTIONS:
        if key not in env:
            env[key] = [] if key in LIST_SECTIONS else {}
    return env
