"""What the commands share: output formatting, ``--wait`` with a
progress line, the files of a group's member definition."""

import argparse
import json
import os
import re
import sys
import urllib.parse

import yaml
from cliff import columns
from osc_lib import exceptions as osc_exc

from heat_autoscalingclient import exceptions


class JSONColumn(columns.FormattableColumn):
    """A dict or list: compact JSON in a table, the value itself in
    ``-f json``/``-f yaml``."""

    def human_readable(self):
        if isinstance(self._value, str):
            return self._value
        return json.dumps(self._value, sort_keys=True)

    def machine_readable(self):
        return self._value


def _cell(value):
    if isinstance(value, dict | list):
        return JSONColumn(value)
    return value


def show(obj, hidden=()):
    """``(columns, values)`` of an API object for a ShowOne, sorted by
    field name."""
    data = obj.to_dict() if hasattr(obj, 'to_dict') else dict(obj)
    names = sorted(k for k in data if k not in hidden)
    return tuple(names), tuple(_cell(data[k]) for k in names)


def listing(objects, fields):
    """``(headers, rows)`` for a Lister; ``fields``: (header, attribute)."""
    headers = tuple(h for h, _ in fields)
    rows = (tuple(_cell(getattr(o, a, None)) for _, a in fields)
            for o in objects)
    return headers, rows


def number(text):
    """An int when the text is one, else a float (argparse type)."""
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        raise osc_exc.CommandError('not a number: %r' % text) from None


def non_negative_int(text):
    try:
        value = int(text)
    except ValueError:
        raise osc_exc.CommandError('not an integer: %r' % text) from None
    if value < 0:
        raise osc_exc.CommandError('must be >= 0: %r' % text)
    return value


def json_arg(text):
    """A JSON value given on the command line (``--data``)."""
    try:
        return json.loads(text)
    except ValueError as exc:
        raise osc_exc.CommandError('not JSON: %s' % exc) from None


def add_wait_args(parser, what='the operation'):
    parser.add_argument(
        '--wait', action='store_true',
        help='Wait for %s (a progress line per change on '
             'stderr); exit 1 if the group goes FAILED' % what)
    parser.add_argument(
        '--timeout', type=float, default=3600, metavar='<seconds>',
        help='With --wait: give up after this many seconds (exit 1); '
             'default 3600')
    parser.add_argument(
        '--poll-interval', type=float, default=1.0, metavar='<seconds>',
        help='With --wait: seconds between polls (default 1)')


def add_idempotency_arg(parser):
    parser.add_argument(
        '--idempotency-key', metavar='<key>',
        help='Idempotency-Key header: a repeat with the same key answers '
             'the first answer without acting again')


def add_if_match_arg(parser):
    parser.add_argument(
        '--if-match', metavar='<version>',
        help='Act only if the group is still at this version (its ETag); '
             'a stale one fails with HTTP 412')


class Progress:
    """Writes a line to ``stream`` each time the group's state changes."""

    def __init__(self, stream=None):
        self.stream = stream or sys.stderr
        self.last = None

    def __call__(self, group):
        line = '%s: %s%s, current %s / desired %s (pending %s)%s' % (
            group.name or group.id, group.status,
            ' (converged)' if group.converged else '',
            group.current_size, group.desired_capacity, group.pending_size,
            ': %s' % group.status_reason if group.status_reason else '')
        if line != self.last:
            self.last = line
            self.stream.write(line + '\n')
            self.stream.flush()


def wait_group(client, group, parsed_args, **kwargs):
    """Wait for ``group`` to converge (``--wait``), with a progress line;
    a FAILED group or a timeout is a CommandError (exit 1)."""
    try:
        return client.groups.wait(
            group, timeout=parsed_args.timeout,
            interval=parsed_args.poll_interval, callback=Progress(),
            **kwargs)
    except (exceptions.GroupFailed, exceptions.WaitTimeout) as exc:
        raise osc_exc.CommandError(str(exc)) from exc


def wait_deleted(client, group, parsed_args):
    try:
        client.groups.wait_for_delete(
            group, timeout=parsed_args.timeout,
            interval=parsed_args.poll_interval, callback=Progress())
    except (exceptions.GroupFailed, exceptions.WaitTimeout) as exc:
        raise osc_exc.CommandError(str(exc)) from exc


# -- a group's member definition and its files ------------------------------

TEMPLATE_SUFFIXES = ('.yaml', '.yml', '.template', '.json', '.hot')


def read_text(path):
    try:
        with open(path) as f:
            return f.read()
    except OSError as exc:
        raise osc_exc.CommandError('cannot read %s: %s' % (
            path, exc.strerror or exc)) from None


def read_yaml(path, what):
    try:
        data = yaml.safe_load(read_text(path))
    except yaml.YAMLError as exc:
        raise osc_exc.CommandError('%s %s is not YAML: %s' % (
            what, path, exc)) from None
    return data if data is not None else {}


def _local_file(name, base_dirs):
    """The local path a template name refers to, or None (URLs other
    than file:// are left to the server)."""
    parts = urllib.parse.urlsplit(name)
    if parts.scheme == 'file':
        path = urllib.parse.unquote(parts.path)
        return path if os.path.isfile(path) else None
    if parts.scheme:
        return None
    for base in base_dirs:
        path = os.path.join(base, name)
        if os.path.isfile(path):
            return path
    return None


def _merge(into, data):
    for key, value in data.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = value
    return into


def member_definition(parsed_args, required, current=None):
    """``(resource, files, environment)`` from the group create/update
    options: ``--resource-file`` (a snippet ``{type:, properties:}``),
    ``--resource-type``, ``--property k=v`` (repeatable), ``--file
    name=path`` (repeatable), ``--environment`` (repeatable, merged).
    As ``openstack stack create`` does, a provider template named by the
    resource type or in the environment's ``resource_registry`` that is a
    local file is sent in ``files`` under that name. Each part is None
    when not given (and ``resource`` is required when ``required``).
    ``current``: the group's definition, that ``--resource-type`` and
    ``--property`` alone change (group update)."""
    resource = None
    base_dirs = [os.getcwd()]
    if parsed_args.resource_file:
        resource = read_yaml(parsed_args.resource_file, 'resource file')
        if not isinstance(resource, dict):
            raise osc_exc.CommandError(
                'resource file %s: not a mapping {type:, properties:}'
                % parsed_args.resource_file)
        base_dirs.insert(0, os.path.dirname(
            os.path.abspath(parsed_args.resource_file)))
    if parsed_args.resource_type or parsed_args.properties:
        if resource is None and current:
            resource = {k: current[k] for k in ('type', 'properties')
                        if current.get(k) is not None}
        resource = dict(resource or {})
        if parsed_args.resource_type:
            resource['type'] = parsed_args.resource_type
        if parsed_args.properties:
            props = dict(resource.get('properties') or {})
            props.update(parsed_args.properties)
            resource['properties'] = props
    if resource is not None and not resource.get('type'):
        raise osc_exc.CommandError(
            'the member definition needs a type (--resource-type or '
            'type: in --resource-file)')
    if required and resource is None:
        raise osc_exc.CommandError(
            'give the member definition: --resource-type T [--property '
            'k=v ...] or --resource-file snippet.yaml')

    files = {}
    for item in parsed_args.files or ():
        name, sep, path = item.partition('=')
        if not sep or not name or not path:
            raise osc_exc.CommandError(
                '--file takes name=path, not %r' % item)
        files[name] = read_text(path)

    environment = None
    env_dirs = []
    for path in parsed_args.environment or ():
        env = read_yaml(path, 'environment')
        if not isinstance(env, dict):
            raise osc_exc.CommandError('environment %s: not a mapping'
                                       % path)
        environment = _merge(environment or {}, env)
        env_dirs.append(os.path.dirname(os.path.abspath(path)))

    # provider templates that are local files
    names = []
    if resource is not None and isinstance(resource.get('type'), str):
        names.append((resource['type'], base_dirs))
    registry = (environment or {}).get('resource_registry') or {}
    for value in _registry_values(registry):
        names.append((value, env_dirs + base_dirs))
    for name, dirs in names:
        if name in files or not name.endswith(TEMPLATE_SUFFIXES):
            continue
        path = _local_file(name, dirs)
        if path is not None:
            files[name] = read_text(path)
    return resource, files or None, environment


def _registry_values(registry):
    for value in registry.values():
        if isinstance(value, str):
            yield value
        elif isinstance(value, dict):
            yield from _registry_values(value)


def add_member_definition_args(parser):
    parser.add_argument(
        '--resource-type', metavar='<type>',
        help='Type of the members (OS::Nova::Server, a provider template '
             'name such as member.yaml, ...)')
    parser.add_argument(
        '--property', metavar='<key=value>', dest='properties',
        action=KeyValue, default=None,
        help='A property of the members (repeat for more); values are '
             'strings, use --resource-file for typed ones')
    parser.add_argument(
        '--resource-file', metavar='<file>',
        help='YAML file with the member definition {type: T, properties: '
             '{...}}, what OS::Heat::AutoScalingGroup\'s resource property '
             'takes')
    parser.add_argument(
        '--file', metavar='<name=path>', dest='files', action='append',
        help='A file sent with the definition under <name>, such as a '
             'provider template (repeat for more); local templates named '
             'by the type or the environment are sent without it')
    parser.add_argument(
        '-e', '--environment', metavar='<file>', action='append',
        help='Environment file (repeat to merge several)')


class KeyValue(argparse.Action):
    """``k=v`` into a dict, repeatable (osc-lib's KeyValueAction without
    its check of values)."""

    def __call__(self, parser, namespace, values, option_string=None):
        key, sep, value = values.partition('=')
        if not sep or not key:
            raise argparse.ArgumentError(
                self, 'expected key=value, got %r' % values)
        current = dict(getattr(namespace, self.dest, None) or {})
        current[key] = value
        setattr(namespace, self.dest, current)


#: the health check's keys whose values are strings: taken as given
#: (``expected_codes=200`` is the string "200"), except ``null``
HEALTH_CHECK_STRINGS = ('type', 'url_attribute', 'path', 'expected_codes')


def health_check_value(key, text):
    """A ``--health-check`` value: JSON when it parses as JSON (numbers,
    ``null``), else the text; for the string keys
    (:data:`HEALTH_CHECK_STRINGS`) the text itself, ``null`` aside."""
    if text == 'null':
        return None
    if key in HEALTH_CHECK_STRINGS:
        return text
    try:
        return json.loads(text)
    except ValueError:
        return text


class HealthCheckValue(argparse.Action):
    """``--health-check k=v`` into a dict, repeatable; values as
    :func:`health_check_value` reads them."""

    def __call__(self, parser, namespace, values, option_string=None):
        key, sep, value = values.partition('=')
        if not sep or not key:
            raise argparse.ArgumentError(
                self, 'expected key=value, got %r' % values)
        current = dict(getattr(namespace, self.dest, None) or {})
        current[key] = health_check_value(key, value)
        setattr(namespace, self.dest, current)


def add_health_check_args(parser, update=False):
    """``--health-check k=v`` (and, on update, ``--no-health-check``)."""
    what = ('Set this key of the group\'s health check, the others kept '
            '(repeat for more)' if update else
            'A key of the members\' health check (repeat for more)')
    options = parser.add_mutually_exclusive_group() if update else parser
    options.add_argument(
        '--health-check', metavar='<key=value>', dest='health_check',
        action=HealthCheckValue, default=None,
        help='%s: the group replaces its unhealthy members. Keys: type '
             '(status or http), grace_period, interval, timeout, '
             'healthy_threshold, unhealthy_threshold, url_attribute, '
             'path, port, expected_codes, max_unhealthy_percent, '
             'max_replacements, replacement_period, update_timeout, '
             'rollback; values are JSON (5, 2.5, null, true) or strings '
             '(type, url_attribute, path and expected_codes always), '
             'e.g. --health-check type=http --health-check '
             'url_attribute=url --health-check interval=5'
             % what)
    if update:
        options.add_argument(
            '--no-health-check', action='store_true', default=False,
            help='Remove the group\'s health check')


def health_check(parsed_args, current=None):
    """The ``health_check`` to send: None (not given), ``{}`` (removed:
    ``--no-health-check``), or the keys given over ``current`` (the
    group's check, on update)."""
    if getattr(parsed_args, 'no_health_check', False):
        return {}
    if parsed_args.health_check is None:
        return None
    return dict(current or {}, **parsed_args.health_check)


#: the keys of a ``--lifecycle-hook`` (the API's keys of a hook)
LIFECYCLE_HOOK_KEYS = ('name', 'transition', 'heartbeat_timeout',
                       'default_result', 'notify_url', 'metadata')
#: a comma that begins the next ``key=`` of a ``--lifecycle-hook`` (a
#: comma followed by anything else is part of the value: a URL's query,
#: metadata such as ``role=web,tier=1``)
_HOOK_SPLIT = re.compile(r',(?=(?:%s)=)' % '|'.join(LIFECYCLE_HOOK_KEYS))
#: ``,word=`` in a value: an unknown key (but in notify_url, metadata)
_HOOK_UNKNOWN = re.compile(r',([A-Za-z_][A-Za-z0-9_]*)=')


def lifecycle_hook(text):
    """A ``--lifecycle-hook`` as a dict: ``name=N,transition=launch[,
    heartbeat_timeout=600,default_result=CONTINUE,notify_url=URL,
    metadata=TEXT]``. ``heartbeat_timeout`` is a number (JSON), ``null``
    is None (notify_url, metadata), the rest strings. A comma not
    followed by one of the keys is part of the value (notify_url and
    metadata may hold ``,x=y``; elsewhere it is an unknown key).
    ValueError naming what is wrong."""
    hook = {}
    for part in _HOOK_SPLIT.split(text):
        key, sep, value = part.partition('=')
        if not sep or not key:
            raise ValueError('expected key=value[,key=value...], got %r'
                             % part)
        unknown = None if key not in LIFECYCLE_HOOK_KEYS else (
            None if key in ('notify_url', 'metadata') else
            _HOOK_UNKNOWN.search(value))
        if key not in LIFECYCLE_HOOK_KEYS or unknown:
            raise ValueError('unknown key %s (allowed: %s)' % (
                unknown.group(1) if unknown else key,
                ', '.join(LIFECYCLE_HOOK_KEYS)))
        if key in hook:
            raise ValueError('%s given twice' % key)
        if value == 'null' and key not in ('name', 'transition'):
            value = None
        elif key == 'heartbeat_timeout':
            try:
                value = json.loads(value)
            except ValueError:
                pass  # the server names it
        hook[key] = value
    missing = [k for k in ('name', 'transition') if k not in hook]
    if missing:
        raise ValueError('%s required (name=N,transition=launch|terminate'
                         '[,...])' % ' and '.join(missing))
    return hook


class LifecycleHookValue(argparse.Action):
    """``--lifecycle-hook name=N,transition=T,...`` appended to a list,
    repeatable; see :func:`lifecycle_hook`."""

    def __call__(self, parser, namespace, values, option_string=None):
        try:
            hook = lifecycle_hook(values)
        except ValueError as exc:
            raise argparse.ArgumentError(self, str(exc)) from None
        current = list(getattr(namespace, self.dest, None) or [])
        current.append(hook)
        setattr(namespace, self.dest, current)


def add_lifecycle_hook_args(parser, update=False):
    """``--lifecycle-hook`` (and, on update, ``--no-lifecycle-hooks``)."""
    what = ('The group\'s lifecycle hooks, all replaced by those given '
            '(repeat for a second one)' if update else
            'A lifecycle hook of the group (repeat for a second one)')
    options = parser.add_mutually_exclusive_group() if update else parser
    options.add_argument(
        '--lifecycle-hook', metavar='<name=N,transition=T[,key=value...]>',
        dest='lifecycle_hooks', action=LifecycleHookValue, default=None,
        help='%s: a launch hook holds each new member in PENDING_WAIT, a '
             'terminate hook each member chosen by a scale-in in '
             'TERMINATING_WAIT, until "member complete-lifecycle-action" '
             '(or the completion URL POSTed to notify_url, or the '
             'timeout). Keys: name and transition (launch or terminate), '
             'required; heartbeat_timeout (seconds, default 3600), '
             'default_result (CONTINUE or ABANDON, default ABANDON: '
             'applied at the timeout), notify_url, metadata; at most one '
             'hook per transition. E.g. --lifecycle-hook name=warm-up,'
             'transition=launch,heartbeat_timeout=600' % what)
    if update:
        options.add_argument(
            '--no-lifecycle-hooks', action='store_true', default=False,
            help='Remove the group\'s lifecycle hooks')


def lifecycle_hooks(parsed_args):
    """The ``lifecycle_hooks`` to send: None (not given), ``[]``
    (``--no-lifecycle-hooks``), or the hooks given (on update they
    replace the group's)."""
    if getattr(parsed_args, 'no_lifecycle_hooks', False):
        return []
    return parsed_args.lifecycle_hooks


def rolling_update(parsed_args):
    fields = {}
    for name in ('min_in_service', 'max_batch_size', 'pause_time'):
        value = getattr(parsed_args, name, None)
        if value is not None:
            fields[name] = value
    return fields or None


def add_group_settings_args(parser):
    parser.add_argument('--min-size', type=non_negative_int,
                        metavar='<n>', help='Minimum number of members')
    parser.add_argument('--max-size', type=non_negative_int,
                        metavar='<n>', help='Maximum number of members')
    parser.add_argument('--desired-capacity', type=non_negative_int,
                        metavar='<n>', help='Number of members wanted now')
    parser.add_argument('--cooldown', type=number, metavar='<seconds>',
                        help='Seconds after a scaling action during which '
                             'policies do not act')
    parser.add_argument('--removal-policy', metavar='<policy>',
                        help='Which members go first on scale-in '
                             '(default, oldest, newest, oldest_definition '
                             'or oldest_generation, random)')
    parser.add_argument('--min-in-service', type=non_negative_int,
                        metavar='<n>',
                        help='Rolling update: members kept in service')
    parser.add_argument('--max-batch-size', type=non_negative_int,
                        metavar='<n>',
                        help='Rolling update: members replaced at a time')
    parser.add_argument('--pause-time', type=number, metavar='<seconds>',
                        help='Rolling update: pause between batches')


# -- scheduled and metric policies ------------------------------------------

#: the keys of a ``--schedule`` (the API's keys of a schedule)
SCHEDULE_KEYS = ('recurrence', 'at', 'time_zone', 'min_size', 'max_size',
                 'desired_capacity')
SCHEDULE_SIZES = ('min_size', 'max_size', 'desired_capacity')


def schedule_item(text):
    """``(key, value)`` of a ``--schedule KEY=VALUE``: the sizes are
    integers, the rest strings. ValueError naming what is wrong."""
    key, sep, value = text.partition('=')
    if not sep or not key:
        raise ValueError('expected key=value, got %r' % text)
    if key not in SCHEDULE_KEYS:
        raise ValueError('unknown key %s (allowed: %s)' % (
            key, ', '.join(SCHEDULE_KEYS)))
    if key in SCHEDULE_SIZES:
        try:
            value = int(value)
        except ValueError:
            raise ValueError('%s: %r is not an integer' % (key, value)) \
                from None
    return key, value


class ScheduleValue(argparse.Action):
    """``--schedule KEY=VALUE`` into a dict, repeatable."""

    def __call__(self, parser, namespace, values, option_string=None):
        try:
            key, value = schedule_item(values)
        except ValueError as exc:
            raise argparse.ArgumentError(self, str(exc)) from None
        current = dict(getattr(namespace, self.dest, None) or {})
        current[key] = value
        setattr(namespace, self.dest, current)


def add_schedule_arg(parser, update=False):
    parser.add_argument(
        '--schedule', metavar='<key=value>', dest='schedule',
        action=ScheduleValue, default=None,
        help='%s (repeat for each key): recurrence (a cron expression of '
             'five fields, read in time_zone) or at (one time, ISO 8601), '
             'time_zone (IANA, default UTC), and at least one of '
             'min_size, max_size, desired_capacity: what the policy sets '
             'at those times. E.g. --schedule "recurrence=0 8 * * 1-5" '
             '--schedule time_zone=Europe/Paris --schedule '
             'desired_capacity=4%s' % (
                 'A key of a scheduled policy\'s schedule, the others '
                 'kept (recurrence replaces at, and the other way round)'
                 if update else
                 'Kind scheduled: a key of the schedule',
                 '' if update else ' (implies --kind scheduled)'))


def merged_schedule(current, given):
    """``given`` over ``current`` (a policy update): ``recurrence`` and
    ``at`` replace each other."""
    out = dict(current or {})
    for one, other in (('recurrence', 'at'), ('at', 'recurrence')):
        if one in given:
            out.pop(other, None)
    out.update(given)
    return out


def add_metric_policy_args(parser, update=False):
    parser.add_argument(
        '--params-file', metavar='<file>',
        help='%s: a YAML or JSON file of its params as the engine stores '
             'them (heat\'s doc/autoscaling-api.md, "Metric policies"): '
             'metric {name, '
             'source, query, url, statistic, period}, mode, '
             'evaluation_interval, and target, tolerance, scale_up, '
             'scale_down (target_tracking) or threshold, bands, '
             'adjustment_type, min_adjustment_magnitude, warmup (step); '
             'the API\'s shape (a target_tracking or step object) is '
             'taken too%s' % (
                 'Kind step or target_tracking: the keys given replace '
                 'those of the policy\'s params, the others are kept'
                 if update else 'Kind step or target_tracking (required)',
                 '' if update else '. A "kind" key in the file is the '
                 'default of --kind'))
    parser.add_argument(
        '--mode', metavar='<mode>', choices=['live', 'shadow'],
        help='A metric policy\'s mode (over the file\'s): live (its '
             'decisions scale the group) or shadow (only recorded: '
             'SHADOW activities, "policy compare")')
    parser.add_argument(
        '--evaluation-interval', type=number, metavar='<seconds>',
        help='A metric policy\'s seconds between two evaluations (over '
             'the file\'s; default 10)')


def metric_policy_params(parsed_args, kind):
    """The API body keys of a metric policy from ``--params-file``,
    ``--mode`` and ``--evaluation-interval`` (empty when none given)."""
    from heat_autoscalingclient import managers
    body = {}
    if parsed_args.params_file:
        data = read_yaml(parsed_args.params_file, 'params file')
        if not isinstance(data, dict):
            raise osc_exc.CommandError(
                'params file %s: expected a mapping of the policy\'s '
                'params' % parsed_args.params_file)
        data = dict(data)
        data.pop('kind', None)
        if isinstance(data.get(kind), dict):
            body = data  # the API's shape already
        else:
            try:
                body = managers.metric_policy_body(kind, data)
            except ValueError as exc:
                raise osc_exc.CommandError(str(exc)) from None
    if parsed_args.mode is not None:
        body['mode'] = parsed_args.mode
    if parsed_args.evaluation_interval is not None:
        body['evaluation_interval'] = parsed_args.evaluation_interval
    return body


def params_file_kind(parsed_args):
    """The ``kind`` key of ``--params-file``, or None."""
    if not getattr(parsed_args, 'params_file', None):
        return None
    data = read_yaml(parsed_args.params_file, 'params file')
    return data.get('kind') if isinstance(data, dict) else None


#: the keys of a ``--sample`` (a sample's keys in the API)
SAMPLE_KEYS = ('name', 'value', 'timestamp', 'member')


def sample_arg(text):
    """A ``--sample name=cpu,value=80[,member=m1][,timestamp=T]`` as a
    dict: value (and a numeric timestamp) as numbers, the rest strings.
    ValueError naming what is wrong."""
    out = {}
    for part in text.split(','):
        key, sep, value = part.partition('=')
        key = key.strip()
        if not sep or not key:
            raise ValueError('expected key=value[,key=value...], got %r'
                             % part)
        if key not in SAMPLE_KEYS:
            raise ValueError('unknown key %s (allowed: %s)' % (
                key, ', '.join(SAMPLE_KEYS)))
        if key in out:
            raise ValueError('%s given twice' % key)
        out[key] = value.strip()
    for key in ('name', 'value'):
        if key not in out:
            raise ValueError('%s required (name=N,value=V[,member=M]'
                             '[,timestamp=T])' % key)
    out['value'] = _sample_number(out['value'], 'value')
    if 'timestamp' in out:
        out['timestamp'] = _sample_time(out['timestamp'])
    return out


def _sample_number(text, where):
    if isinstance(text, int | float) and not isinstance(text, bool):
        return text
    try:
        return int(text)
    except (TypeError, ValueError):
        pass
    try:
        return float(text)
    except (TypeError, ValueError):
        raise ValueError('%s %r is not a number' % (where, text)) from None


def _sample_time(text):
    """POSIX seconds (a number) or the text (ISO 8601: the server
    parses it)."""
    try:
        return _sample_number(text, 'timestamp')
    except ValueError:
        return text


class SampleValue(argparse.Action):
    """``--sample ...`` appended to a list, repeatable."""

    def __call__(self, parser, namespace, values, option_string=None):
        try:
            sample = sample_arg(values)
        except ValueError as exc:
            raise argparse.ArgumentError(self, str(exc)) from None
        current = list(getattr(namespace, self.dest, None) or [])
        current.append(sample)
        setattr(namespace, self.dest, current)


#: header names of a samples CSV file, and the keys they are
CSV_COLUMNS = {'name': 'name', 'value': 'value', 'timestamp': 'timestamp',
               'time': 'timestamp', 'member': 'member'}


def read_samples(path, default_name=None):
    """The samples of a file: JSON (a list of sample objects, or
    ``{"samples": [...]}``) or CSV with a header line naming its columns
    (``name``, ``value``, ``timestamp`` or ``time``, ``member``; ``name``
    may be left out when ``default_name`` is given, so a trace of
    ``time,value`` can be pushed). CommandError naming the line."""
    text = read_text(path)
    if path.endswith('.json') or text.lstrip()[:1] in ('[', '{'):
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise osc_exc.CommandError('%s: not JSON: %s' % (path, exc)) \
                from None
        if isinstance(data, dict) and 'samples' in data:
            data = data['samples']
        if not isinstance(data, list):
            raise osc_exc.CommandError(
                '%s: expected a list of samples or {"samples": [...]}'
                % path)
        out = []
        for i, item in enumerate(data):
            if not isinstance(item, dict):
                raise osc_exc.CommandError('%s: sample %d is not an object'
                                           % (path, i))
            item = dict(item)
            if default_name is not None:
                item.setdefault('name', default_name)
            out.append(item)
        return out
    import csv
    import io
    rows = [(n, row) for n, row in enumerate(
        csv.reader(io.StringIO(text)), 1)
        if row and ''.join(row).strip() and
        not row[0].lstrip().startswith('#')]
    if not rows:
        raise osc_exc.CommandError('%s: no samples' % path)
    n, header = rows[0]
    keys = []
    for column in header:
        key = CSV_COLUMNS.get(column.strip().lower())
        if key is None:
            raise osc_exc.CommandError(
                '%s line %d: unknown column %r: the first line names the '
                'columns (name, value, timestamp or time, member)'
                % (path, n, column))
        keys.append(key)
    if 'value' not in keys or ('name' not in keys and
                               default_name is None):
        raise osc_exc.CommandError(
            '%s line %d: the columns name and value are required (or '
            '--name for a file without a name column)' % (path, n))
    out = []
    for n, row in rows[1:]:
        if len(row) != len(keys):
            raise osc_exc.CommandError('%s line %d: %d columns, the header '
                                       'has %d' % (path, n, len(row),
                                                   len(keys)))
        item = {'name': default_name} if default_name is not None else {}
        for key, cell in zip(keys, row):
            cell = cell.strip()
            if key == 'member' and not cell:
                continue
            item[key] = cell
        try:
            item['value'] = _sample_number(item['value'], 'value')
        except ValueError as exc:
            raise osc_exc.CommandError('%s line %d: %s' % (path, n, exc)) \
                from None
        if item.get('timestamp') in (None, ''):
            item.pop('timestamp', None)
        else:
            item['timestamp'] = _sample_time(item['timestamp'])
        out.append(item)
    return out
