"""Reading template text: YAML or JSON into a dict.

:func:`parse` accepts JSON or YAML text (or an already-parsed mapping) and
returns the template as a dict. Like upstream Heat:

- text larger than ``[DEFAULT] max_template_size`` bytes (UTF-8;
  default :data:`MAX_TEMPLATE_BYTES`, upstream's) is refused with
  :class:`~heat.common.exception.TemplateTooLarge`;
- YAML timestamps load as strings, so the unquoted
  ``heat_template_version: 2013-05-23`` stays ``'2013-05-23'``;
- a parse error is a ``ValueError`` whose message carries the parser's
  line and column;
- the top level must be a mapping, and it must hold one of the version
  keys (an empty document has none).
"""

import collections.abc
import datetime
import json

import yaml

from heat.common import exception

#: the default of ``[DEFAULT] max_template_size`` (upstream's).
MAX_TEMPLATE_BYTES = 524288

VERSION_KEYS = ('heat_template_version', 'AWSTemplateFormatVersion',
                'HeatTemplateFormatVersion')

_LoaderBase = getattr(yaml, 'CSafeLoader', yaml.SafeLoader)
_DumperBase = getattr(yaml, 'CSafeDumper', yaml.SafeDumper)


class yaml_loader(_LoaderBase):  # noqa: N801 - upstream's name
    """The safe loader, but timestamps stay the text they were written as.

    A template author who writes ``2013-05-23`` means the version string,
    not a date object (which JSON could not carry either).
    """


def _scalar_as_text(loader, node):
    return loader.construct_scalar(node)


yaml_loader.add_constructor('tag:yaml.org,2002:timestamp', _scalar_as_text)


class yaml_dumper(_DumperBase):  # noqa: N801 - upstream's name
    """The safe dumper; for writing templates back out."""


def _text_of(tmpl):
    if isinstance(tmpl, bytes):
        try:
            return tmpl.decode('utf-8')
        except UnicodeDecodeError as exc:
            raise ValueError('The template is not UTF-8 text: %s'
                             % exc) from exc
    return tmpl


def max_template_size(conf=None):
    """``[DEFAULT] max_template_size`` of ``conf`` (the process-wide
    configuration by default), in bytes."""
    if conf is None:
        from heat.common import config
        conf = config.CONF
    return getattr(conf, 'max_template_size', MAX_TEMPLATE_BYTES)


def check_size(text, limit=None):
    """Refuse text longer than ``limit`` bytes (UTF-8); by default
    the ``max_template_size`` option."""
    if limit is None:
        limit = max_template_size()
    size = len(text.encode('utf-8')) if isinstance(text, str) else len(text)
    if size > limit:
        raise exception.TemplateTooLarge(actual_len=size, limit=limit)


def _describe_yaml_error(exc):
    """The parser's problem and position, with 1-based line/column."""
    def where(mark):
        return 'line %d, column %d' % (mark.line + 1, mark.column + 1)

    problem = getattr(exc, 'problem', None)
    if problem is None:
        return str(exc)
    text = problem
    mark = getattr(exc, 'problem_mark', None)
    if mark is not None:
        text = '%s at %s' % (text, where(mark))
    context = getattr(exc, 'context', None)
    if context:
        cmark = getattr(exc, 'context_mark', None)
        opened = ' (%s)' % where(cmark) if cmark is not None else ''
        text = '%s%s: %s' % (context, opened, text)
    return text


def simple_parse(text, source='template'):
    """JSON or YAML text to a mapping, without the version check."""
    text = _text_of(text)
    try:
        tmpl = json.loads(text)
    except ValueError:
        try:
            tmpl = yaml.load(text, Loader=yaml_loader)
        except yaml.YAMLError as exc:
            raise ValueError('Error parsing %s: %s'
                             % (source, _describe_yaml_error(exc))) from None
        if tmpl is None:
            raise ValueError('Template format version not found: %s is '
                             'empty.' % source) from None
    if not isinstance(tmpl, dict):
        raise ValueError('The template is not a JSON object or YAML mapping '
                         '(%s is a %s).' % (source, _kind(tmpl)))
    return tmpl


def _kind(value):
    if isinstance(value, str):
        return 'string'
    if isinstance(value, list):
        return 'list'
    return type(value).__name__


def _dates_as_text(value):
    """A mapping loaded elsewhere may hold dates: give them back as text."""
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _dates_as_text(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_dates_as_text(v) for v in value]
    return value


def parse(tmpl, source='template'):
    """The template ``tmpl`` (JSON/YAML text or a mapping) as a dict.

    ``source`` names the template in error messages (a file name, or
    ``template`` for the root one).
    """
    if isinstance(tmpl, collections.abc.Mapping):
        parsed = _dates_as_text(dict(tmpl))
    else:
        if not isinstance(tmpl, (str, bytes)):
            raise ValueError('The template must be JSON or YAML text or a '
                             'mapping, not %s' % type(tmpl).__name__)
        check_size(tmpl)
        parsed = simple_parse(tmpl, source)
    if not any(key in parsed for key in VERSION_KEYS):
        raise ValueError('Template format version not found: %s has none '
                         'of the keys %s.' % (source, ', '.join(VERSION_KEYS)))
    return parsed


def dump(tmpl):
    """A template dict as YAML text."""
    return yaml.dump(tmpl, Dumper=yaml_dumper, default_flow_style=False)
