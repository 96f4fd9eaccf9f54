"""heat-manage: operator commands.

``heat-manage template validate FILE [-e ENV ...] [-P key=value ...]
[--show-nested]`` validates a template offline, with no cloud and no
database, and prints upstream's ``POST /validate`` result as JSON (exit 0)
or the error, with its path in the template, on stderr (exit 1).

Files the template or the environments refer to (``get_file``, ``type:
foo.yaml``, provider templates in ``resource_registry``) are read relative
to the file that refers to them and passed in the ``files`` map under
their ``file://`` URL, the way python-heatclient sends them to the API.
"""

import argparse
import json
import os
import sys
import urllib.parse
import urllib.request

from heat.common import exception

TEMPLATE_SUFFIXES = ('.yaml', '.template')
# heatclient does not fetch registry values that are type names, nor these
# keys of resource_registry (and of its per-resource dicts).
REGISTRY_SKIP_KEYS = ('base_url', 'hooks', 'restricted_actions')


class InputError(Exception):
    """A file could not be read or parsed: a user error, not a crash."""


def _file_url(path):
    return urllib.parse.urljoin(
        'file:', urllib.request.pathname2url(os.path.abspath(path)))


def _base_url(url):
    return url.rsplit('/', 1)[0] + '/'


def _read_url(url):
    parts = urllib.parse.urlparse(url)
    if parts.scheme != 'file':
        raise InputError('Could not fetch contents for %s: only local '
                         'files can be read offline' % url)
    path = urllib.request.url2pathname(parts.path)
    try:
        with open(path, 'rb') as f:
            data = f.read()
    except OSError as exc:
        raise InputError('Could not fetch contents for %s: %s'
                         % (url, exc.strerror or exc)) from exc
    try:
        return data.decode('utf-8')
    except UnicodeDecodeError as exc:
        raise InputError('Could not fetch contents for %s: not UTF-8 '
                         'text' % url) from exc


def _parse_template(text, url):
    from heat.common import template_format
    try:
        return template_format.parse(text)
    except exception.HeatException as exc:
        raise InputError('%s: %s' % (url, exc)) from exc
    except ValueError as exc:
        raise InputError('%s: %s' % (url, exc)) from exc


def _looks_like_template(text):
    # heatclient's test: a mapping with one of the version keys.
    try:
        import yaml
        data = yaml.safe_load(text)
    except Exception:  # noqa: BLE001 - any unparsable file is plain data
        return False
    return isinstance(data, dict) and any(
        k in data for k in ('heat_template_version',
                            'AWSTemplateFormatVersion',
                            'HeatTemplateFormatVersion'))


class FileCollector:
    """Builds the ``files`` map for a template and its environments."""

    def __init__(self):
        self.files = {}
        self._in_progress = set()

    def fetch(self, base_url, ref):
        """Read ``ref`` (relative to ``base_url``) into ``files``.

        Returns the absolute URL the reference is rewritten to. Templates
        are processed recursively (their own ``get_file`` and ``type``
        references) and stored as JSON, as heatclient does.
        """
        url = urllib.parse.urljoin(base_url, ref)
        if url in self.files or url in self._in_progress:
            return url
        text = _read_url(url)
        if _looks_like_template(text):
            self._in_progress.add(url)
            try:
                tmpl = _parse_template(text, url)
                self.resolve_template(tmpl, _base_url(url))
                text = json.dumps(tmpl)
            finally:
                self._in_progress.discard(url)
        self.files[url] = text
        return url

    def resolve_template(self, data, base_url):
        """Rewrite ``get_file`` and ``type: x.yaml`` references in place."""
        stack = [data]
        while stack:
            node = stack.pop()
            if isinstance(node, list):
                stack.extend(node)
                continue
            if not isinstance(node, dict):
                continue
            for key, value in list(node.items()):
                if isinstance(value, (dict, list)):
                    stack.append(value)
                elif isinstance(value, str) and (
                        key == 'get_file' or (
                            key == 'type' and
                            value.endswith(TEMPLATE_SUFFIXES))):
                    node[key] = self.fetch(base_url, value)

    def resolve_registry(self, registry, base_url):
        """Rewrite provider-template file names of a resource_registry."""
        if not isinstance(registry, dict):
            return
        base = registry.get('base_url', base_url)
        if not isinstance(base, str):
            base = base_url
        self._resolve_entries(registry, base)
        resources = registry.get('resources')
        if isinstance(resources, dict):
            for entries in resources.values():
                if isinstance(entries, dict):
                    res_base = entries.get('base_url', base)
                    if not isinstance(res_base, str):
                        res_base = base
                    self._resolve_entries(entries, res_base)

    def _resolve_entries(self, entries, base_url):
        if not base_url.endswith('/'):
            base_url += '/'
        for key, value in list(entries.items()):
            if (key in REGISTRY_SKIP_KEYS or not isinstance(value, str) or
                    '::' in value):
                continue
            entries[key] = self.fetch(base_url, value)


def parse_parameters(values):
    """``['a=1', 'b=2;c=3']`` -> ``{'a': '1', 'b': '2', 'c': '3'}``."""
    params = {}
    for item in values or ():
        for pair in item.split(';') if ';' in item else [item]:
            if not pair:
                continue
            key, sep, value = pair.partition('=')
            if not sep or not key:
                raise InputError('Malformed parameter (%s). Use the '
                                 'key=value format.' % pair)
            params[key] = value
    return params


def load_validate_inputs(template_path, env_paths=(), param_values=()):
    """Read the template and environments the way heatclient sends them.

    Returns keyword arguments for ``validate.validate_template``.
    """
    from heat.common import environment_format
    collector = FileCollector()
    url = _file_url(template_path)
    text = _read_url(url)
    template = _parse_template(text, url)
    collector.resolve_template(template, _base_url(url))

    env_files = []
    for env_path in env_paths or ():
        env_url = _file_url(env_path)
        env_text = _read_url(env_url)
        try:
            env = environment_format.parse(env_text)
        except (exception.HeatException, ValueError) as exc:
            raise InputError('%s: %s' % (env_url, exc)) from exc
        collector.resolve_registry(env.get('resource_registry'),
                                   _base_url(env_url))
        collector.files[env_url] = json.dumps(env)
        env_files.append(env_url)

    return {'template': template,
            'files': collector.files,
            'environment_files': env_files or None,
            'params': parse_parameters(param_values)}


def _cmd_template_validate(args, out, err):
    from heat.engine import validate
    if args.config_file:
        # the resource plug-ins of the configuration's plugin_dirs
        from heat.common import config
        from heat.engine import resources
        conf = config.make_conf(default_config_files=args.config_file,
                                state_dir_override=args.state_dir)
        resources.ensure_loaded()
        resources.load_plugin_dirs(conf.plugin_dirs or ())
    inputs = load_validate_inputs(args.file, args.environment,
                                  args.parameter)
    report = validate.check_template(show_nested=args.show_nested,
                                     **inputs)
    for note in report.notes:
        err.write('note: %s\n' % note)
    result = report.result
    if args.show_unverified:
        # Not part of upstream's body: only on request.
        result = dict(result, UnverifiedConstraints=[
            {'path': u.path, 'constraint': u.constraint,
             'service': u.service} for u in report.unverified])
    out.write(json.dumps(result, indent=2, sort_keys=True) + '\n')
    return 0


def _db_url(args):
    return _db_conf(args)[0]


def _db_conf(args):
    """``(database URL, configuration)`` of the command line's files."""
    from heat.common import config
    from heat.db import options as db_options
    conf = config.make_conf(default_config_files=args.config_file,
                            state_dir_override=args.state_dir)
    url = conf.database.connection
    db_options.prepare_sqlite_file(url)
    return db_options.with_utf8mb4(url), conf


def _cmd_db_sync(args, out, err):
    from heat.db import manage as db_manage
    revision = db_manage.db_sync(_db_url(args), args.version)
    out.write('database schema at revision %s\n'
              % (revision or 'base (no schema)'))
    return 0


def _cmd_db_version(args, out, err):
    from heat.db import manage as db_manage
    out.write('%s\n' % (db_manage.db_version(_db_url(args)) or 'none'))
    return 0


def _cmd_purge_deleted(args, out, err):
    from heat.db import manage as db_manage
    try:
        count = db_manage.purge_deleted(_db_url(args), args.age,
                                        args.granularity)
    except ValueError as exc:
        raise InputError(str(exc)) from exc
    out.write('purged %d deleted stack(s)\n' % count)
    return 0


def _cmd_service_list(args, out, err):
    from heat.db import api as db_api
    _configure_db(args)
    alive = set(db_api.engines_alive(None))
    columns = ('Hostname', 'Binary', 'Engine_Id', 'Host', 'Topic',
               'Status', 'Updated At')
    rows = [(svc.hostname or '', svc.binary or '', svc.engine_id,
             svc.host or '', svc.topic or '',
             'up' if svc.engine_id in alive else 'down',
             svc.updated_at.isoformat() if svc.updated_at else '')
            for svc in db_api.service_get_all(None)]
    widths = [max([len(c)] + [len(r[i]) for r in rows])
              for i, c in enumerate(columns)]
    for row in [columns] + rows:
        out.write('  '.join(v.ljust(w) for v, w in zip(row, widths))
                  .rstrip() + '\n')
    return 0


def _cmd_service_clean(args, out, err):
    from heat.db import api as db_api
    _configure_db(args)
    alive = set(db_api.engines_alive(None))
    removed = 0
    for svc in db_api.service_get_all(None):
        if svc.engine_id not in alive:
            db_api.service_delete(None, svc.id)
            removed += 1
    out.write('removed %d dead engine(s)\n' % removed)
    return 0


def _configure_db(args):
    """Configure the database layer; the engines' liveness is judged by
    the configuration's ``service_down_time``, as the engines judge it."""
    from heat.db import api as db_api
    url, conf = _db_conf(args)
    if db_api.connection_url() != url:
        db_api.configure(url)
    db_api.set_dead_after(conf.service_down_time)


def _add_service_commands(commands):
    service = commands.add_parser(
        'service', help='engines registered in the database')
    actions = service.add_subparsers(dest='action', metavar='ACTION')
    actions.required = True
    actions.add_parser(
        'list', help='list engines, up (recent heartbeat) or down'
    ).set_defaults(func=_cmd_service_list)
    actions.add_parser(
        'clean', help='remove the records of engines that are down'
    ).set_defaults(func=_cmd_service_clean)


def _add_db_commands(commands):
    sync = commands.add_parser(
        'db_sync', help='create or upgrade the database schema')
    sync.add_argument('version', nargs='?', default=None,
                      help='target revision (default: the latest; an '
                           'older one, or "base", migrates down)')
    sync.set_defaults(func=_cmd_db_sync)
    version = commands.add_parser(
        'db_version', help="print the database's schema revision")
    version.set_defaults(func=_cmd_db_version)
    purge = commands.add_parser(
        'purge_deleted', help='purge stacks deleted longer ago than AGE')
    purge.add_argument('age', nargs='?', type=int, default=90,
                       help='how long ago (default 90)')
    purge.add_argument('-g', '--granularity', default='days',
                       choices=['days', 'hours', 'minutes', 'seconds'],
                       help='unit of AGE (default days)')
    purge.set_defaults(func=_cmd_purge_deleted)


def build_parser():
    parser = argparse.ArgumentParser(
        prog='heat-manage', description='Heat operator commands.')
    parser.add_argument('--config-file', action='append', default=[],
                        metavar='PATH',
                        help='a configuration file (repeatable)')
    parser.add_argument('--state-dir', default=None, metavar='DIR',
                        help='state directory of the embedded default '
                             '(overrides [DEFAULT] state_dir)')
    commands = parser.add_subparsers(dest='category', metavar='CATEGORY')
    commands.required = True
    _add_db_commands(commands)
    _add_service_commands(commands)

    template = commands.add_parser(
        'template', help='work on templates offline (no cloud needed)')
    actions = template.add_subparsers(dest='action', metavar='ACTION')
    actions.required = True
    validate = actions.add_parser(
        'validate',
        help='validate a template offline and print the POST /validate '
             'result as JSON',
        description='Validate a template with no cloud and no database. '
                    'Cloud resource types fail, naming the service they '
                    'need; cloud parameter constraints are noted on '
                    'stderr, not checked.')
    validate.add_argument('file', metavar='FILE', help='the template file')
    validate.add_argument('-e', '--environment', action='append',
                          default=[], metavar='ENV',
                          help='an environment file (repeatable, merged '
                               'in order)')
    validate.add_argument('-P', '--parameter', action='append', default=[],
                          metavar='KEY=VALUE',
                          help='a parameter value (repeatable; also '
                               '"a=1;b=2")')
    validate.add_argument('--show-nested', action='store_true',
                          help='also validate nested templates and show '
                               'their parameters')
    validate.add_argument('--show-unverified', action='store_true',
                          help='add "UnverifiedConstraints" (what needs a '
                               'cloud to check) to the JSON result')
    validate.set_defaults(func=_cmd_template_validate)
    return parser


def main(argv=None, out=None, err=None):
    out = out or sys.stdout
    err = err or sys.stderr
    args = build_parser().parse_args(argv)
    try:
        return args.func(args, out, err)
    except InputError as exc:
        err.write('ERROR: %s\n' % exc)
    except exception.HeatException as exc:
        for note in getattr(exc, 'unverified', None) or ():
            err.write('note: %s\n' % note)
        err.write('ERROR: %s\n' % exc)
    except RecursionError:
        err.write('ERROR: the template is nested too deeply\n')
    except Exception as exc:  # noqa: BLE001 - never show a traceback
        err.write('ERROR: internal error (%s): %s\n'
                  % (type(exc).__name__, exc))
    return 1


if __name__ == '__main__':
    sys.exit(main())
