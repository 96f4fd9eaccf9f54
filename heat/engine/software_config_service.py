"""The software config and deployment RPCs (upstream's
``SoftwareConfigService``), on the ``software_config`` and
``software_deployment`` tables.

:class:`SoftwareConfigService` is mixed into
:class:`heat.engine.service.EngineService`; its methods hold no state of
the service, so the resource types of ``OS::Heat::Software*`` call the
same methods on :data:`API` in their own engine (the rows are the shared
state, whichever engine answers).

Scoping (upstream's): a config belongs to the project that made it; a
deployment to its project and to its stack user project (the server's
credentials); an administrator sees and lists every project's.

Results are upstream's dicts (:func:`format_config`,
:func:`format_deployment`): configs ``{id, name, group, config, inputs,
outputs, options, creation_time}`` (``project`` too in an admin's
listing; a listing leaves out the config body), deployments ``{id,
config_id, server_id, input_values, output_values, action, status,
status_reason, creation_time, updated_time}``.

Signals (``signal_software_deployment``) are upstream's: only a
deployment ``IN_PROGRESS`` takes them; a non-zero ``deploy_status_code``
or a value for an output flagged ``error_output`` makes it ``FAILED``
(the reason joins ``<output> : <value>`` of each), else ``COMPLETE``
with ``Outputs received``; ``deploy_stdout``, ``deploy_stderr`` and
``deploy_status_code`` are always recorded (None when not given).
"""

import datetime
import logging
import time

from heat.common import exception
from heat.db import api as db_api
from heat.engine import api as engine_api

LOG = logging.getLogger(__name__)

CONFIG_KEYS = (CONFIG_ID, CONFIG_NAME, CONFIG_GROUP, CONFIG_CONFIG,
               CONFIG_INPUTS, CONFIG_OUTPUTS, CONFIG_OPTIONS,
               CONFIG_CREATION_TIME, CONFIG_PROJECT) = (
    'id', 'name', 'group', 'config', 'inputs', 'outputs', 'options',
    'creation_time', 'project')

DEPLOYMENT_KEYS = (DEPLOYMENT_ID, DEPLOYMENT_CONFIG_ID, DEPLOYMENT_SERVER_ID,
                   DEPLOYMENT_INPUT_VALUES, DEPLOYMENT_OUTPUT_VALUES,
                   DEPLOYMENT_ACTION, DEPLOYMENT_STATUS,
                   DEPLOYMENT_STATUS_REASON, DEPLOYMENT_CREATION_TIME,
                   DEPLOYMENT_UPDATED_TIME) = (
    'id', 'config_id', 'server_id', 'input_values', 'output_values',
    'action', 'status', 'status_reason', 'creation_time', 'updated_time')

STATUSES = (IN_PROGRESS, FAILED, COMPLETE) = (
    'IN_PROGRESS', 'FAILED', 'COMPLETE')

#: the outputs every deployment has
OUTPUTS = (OUTPUT_STDOUT, OUTPUT_STDERR, OUTPUT_STATUS_CODE) = (
    'deploy_stdout', 'deploy_stderr', 'deploy_status_code')

IO_TYPES = ('String', 'Number', 'CommaDelimitedList', 'Json', 'Boolean')
#: the keys of an input and of an output declaration, with their defaults
INPUT_KEYS = {'name': None, 'type': 'String', 'description': None,
              'default': None, 'replace_on_change': False, 'value': None}
OUTPUT_KEYS = {'name': None, 'type': 'String', 'description': None,
               'error_output': False}
#: keys kept even when None (upstream's declarations always have them)
_ALWAYS = ('name', 'type', 'replace_on_change', 'error_output')

#: seconds between two looks of ``check_software_deployment``
CHECK_INTERVAL = 0.5


# -- formatting --------------------------------------------------------------

def format_config(row, detail=True, include_project=False):
    body = row.config or {}
    result = {CONFIG_ID: row.id, CONFIG_NAME: row.name,
              CONFIG_GROUP: row.group,
              CONFIG_CREATION_TIME: engine_api.isotime(row.created_at)}
    if detail:
        result[CONFIG_CONFIG] = body.get(CONFIG_CONFIG)
        result[CONFIG_INPUTS] = body.get(CONFIG_INPUTS) or []
        result[CONFIG_OUTPUTS] = body.get(CONFIG_OUTPUTS) or []
        result[CONFIG_OPTIONS] = body.get(CONFIG_OPTIONS) or {}
    if include_project:
        result[CONFIG_PROJECT] = row.tenant
    return result


def format_deployment(row):
    result = {DEPLOYMENT_ID: row.id, DEPLOYMENT_CONFIG_ID: row.config_id,
              DEPLOYMENT_SERVER_ID: row.server_id,
              DEPLOYMENT_INPUT_VALUES: row.input_values or {},
              DEPLOYMENT_OUTPUT_VALUES: row.output_values or {},
              DEPLOYMENT_ACTION: row.action,
              DEPLOYMENT_STATUS: row.status,
              DEPLOYMENT_STATUS_REASON: row.status_reason,
              DEPLOYMENT_CREATION_TIME: engine_api.isotime(row.created_at)}
    if row.updated_at is not None:
        result[DEPLOYMENT_UPDATED_TIME] = engine_api.isotime(row.updated_at)
    return result


# -- input checks ------------------------------------------------------------

def _invalid(reason):
    return exception.Invalid(reason=reason)


def check_io_list(kind, items):
    """``items`` (the ``inputs`` or ``outputs`` of a config, ``kind``)
    checked and completed with their defaults; ``Invalid`` naming the
    offending entry and key."""
    keys = INPUT_KEYS if kind == CONFIG_INPUTS else OUTPUT_KEYS
    if items is None:
        return []
    if not isinstance(items, list):
        raise _invalid('%s must be a list of maps, not %s'
                       % (kind, type(items).__name__))
    out = []
    for index, item in enumerate(items):
        where = '%s[%d]' % (kind, index)
        if not isinstance(item, dict):
            raise _invalid('%s must be a map, not %s'
                           % (where, type(item).__name__))
        unknown = sorted(set(item) - set(keys))
        if unknown:
            raise _invalid('%s: unknown key %s (allowed: %s)'
                           % (where, unknown[0], ', '.join(keys)))
        name = item.get('name')
        if not isinstance(name, str) or not name:
            raise _invalid('%s.name is required and must be text' % where)
        entry = {}
        for key, default in keys.items():
            value = item.get(key, default)
            if value is None and key not in _ALWAYS and key not in item:
                continue
            entry[key] = value
        if entry['type'] not in IO_TYPES:
            raise _invalid('%s.type "%s" is not one of %s'
                           % (where, entry['type'], ', '.join(IO_TYPES)))
        for flag in ('replace_on_change', 'error_output'):
            if flag in entry and not isinstance(entry[flag], bool):
                raise _invalid('%s.%s must be a boolean' % (where, flag))
        out.append(entry)
    return out


def _parse_time(value):
    """A naive UTC datetime of an ISO 8601 text (``updated_at``)."""
    try:
        parsed = datetime.datetime.fromisoformat(str(value))
    except ValueError:
        raise _invalid('updated_at "%s" is not an ISO 8601 time'
                       % (value,)) from None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(datetime.timezone.utc).replace(
            tzinfo=None)
    return parsed


def _project(cnxt):
    """The project to scope to; None (every project) for an admin."""
    if getattr(cnxt, 'is_admin', False):
        return None
    project = getattr(cnxt, 'project_id', None)
    if not project:
        raise _invalid('the request has no project')
    return project


class SoftwareConfigService:
    """The RPC methods (upstream's names and arguments)."""

    # -- configs -------------------------------------------------------------

    def list_software_configs(self, cnxt, limit=None, marker=None,
                              tenant_safe=True):
        if limit is not None:
            try:
                limit = int(limit)
            except (TypeError, ValueError):
                raise _invalid('limit "%s" is not an integer'
                               % (limit,)) from None
        project = _project(cnxt)
        rows = db_api.software_config_get_all(cnxt, project, limit=limit,
                                              marker=marker)
        return [format_config(r, detail=False,
                              include_project=project is None)
                for r in rows]

    def show_software_config(self, cnxt, config_id):
        return format_config(db_api.software_config_get(
            cnxt, config_id, _project(cnxt)))

    def create_software_config(self, cnxt, group, name, config,
                               inputs=None, outputs=None, options=None):
        for key, value in (('group', group), ('name', name)):
            if value is not None and not isinstance(value, str):
                raise _invalid('%s must be text, not %s'
                               % (key, type(value).__name__))
        if options is not None and not isinstance(options, dict):
            raise _invalid('options must be a map, not %s'
                           % type(options).__name__)
        body = {CONFIG_INPUTS: check_io_list(CONFIG_INPUTS, inputs),
                CONFIG_OUTPUTS: check_io_list(CONFIG_OUTPUTS, outputs),
                CONFIG_OPTIONS: options or {},
                CONFIG_CONFIG: config}
        row = db_api.software_config_create(cnxt, {
            'group': group, 'name': name, 'config': body,
            'tenant': cnxt.project_id,
            'user': getattr(cnxt, 'user_id', None)})
        return format_config(row)

    def delete_software_config(self, cnxt, config_id):
        db_api.software_config_delete(cnxt, config_id, _project(cnxt))

    # -- deployments ---------------------------------------------------------

    def list_software_deployments(self, cnxt, server_id=None):
        rows = db_api.software_deployment_get_all(cnxt, _project(cnxt),
                                                  server_id=server_id)
        return [format_deployment(r) for r in rows]

    def metadata_software_deployments(self, cnxt, server_id):
        """The configs deployed to ``server_id`` (each with its inputs'
        values), in upstream's order: by config name (stable, so
        deployments of one name stay in creation order)."""
        if not server_id:
            raise ValueError('server_id must be specified')
        rows = db_api.software_deployment_get_all(cnxt, _project(cnxt),
                                                  server_id=server_id)
        rows = sorted((r for r in rows if r.config is not None),
                      key=lambda r: r.config.name or '')
        return [format_config(r.config) for r in rows]

    def show_software_deployment(self, cnxt, deployment_id):
        return format_deployment(db_api.software_deployment_get(
            cnxt, deployment_id, _project(cnxt)))

    def check_software_deployment(self, cnxt, deployment_id, timeout):
        """The deployment once it is no longer IN_PROGRESS, or after
        ``timeout`` seconds as it is then."""
        deadline = time.monotonic() + (timeout or 0)
        while True:
            found = self.show_software_deployment(cnxt, deployment_id)
            if (found[DEPLOYMENT_STATUS] != IN_PROGRESS or
                    time.monotonic() >= deadline):
                return found
            time.sleep(CHECK_INTERVAL)

    def create_software_deployment(self, cnxt, server_id, config_id=None,
                                   input_values=None, action='INIT',
                                   status='COMPLETE', status_reason='',
                                   stack_user_project_id=None,
                                   deployment_id=None):
        if not server_id or not isinstance(server_id, str):
            raise _invalid('server_id is required and must be text')
        if not config_id:
            raise _invalid('config_id is required')
        # the config must be one the caller can see (NotFound otherwise)
        config = db_api.software_config_get(cnxt, config_id,
                                            _project(cnxt))
        values = {'config_id': config.id, 'server_id': server_id,
                  'input_values': input_values or {},
                  'tenant': cnxt.project_id,
                  'stack_user_project_id': stack_user_project_id,
                  'action': action, 'status': status,
                  'status_reason': str(status_reason or '')}
        if deployment_id is not None:
            values['id'] = deployment_id
        row = db_api.software_deployment_create(cnxt, values)
        self._push_metadata(cnxt, server_id)
        return format_deployment(row)

    def update_software_deployment(self, cnxt, deployment_id,
                                   config_id=None, input_values=None,
                                   output_values=None, action=None,
                                   status=None, status_reason=None,
                                   updated_at=None):
        project = _project(cnxt)
        values = {}
        if config_id:
            values['config_id'] = db_api.software_config_get(
                cnxt, config_id, project).id
        if input_values:
            values['input_values'] = input_values
        if output_values:
            values['output_values'] = output_values
        if action:
            values['action'] = action
        if status:
            values['status'] = status
        if status_reason:
            values['status_reason'] = str(status_reason)
        values['updated_at'] = (_parse_time(updated_at) if updated_at
                                else db_api.utcnow())
        row = db_api.software_deployment_update(cnxt, deployment_id, values,
                                                project)
        if config_id:
            # the metadata is the list of configs: it changed
            self._push_metadata(cnxt, row.server_id)
        return format_deployment(row)

    def delete_software_deployment(self, cnxt, deployment_id):
        project = _project(cnxt)
        row = db_api.software_deployment_get(cnxt, deployment_id, project)
        db_api.software_deployment_delete(cnxt, deployment_id, project)
        self._push_metadata(cnxt, row.server_id)

    def signal_software_deployment(self, cnxt, deployment_id, details,
                                   updated_at=None):
        """Record the outputs a server signalled (see the module doc);
        the text of the signal's event, or None when the deployment was
        not waiting for one."""
        if not deployment_id:
            raise ValueError('deployment_id must be specified')
        row = db_api.software_deployment_get(cnxt, deployment_id,
                                             _project(cnxt))
        if row.status != IN_PROGRESS:
            # outputs are only expected while IN_PROGRESS
            return None
        status, reason, outputs = signalled_outcome(
            details, (row.config.config or {}).get(CONFIG_OUTPUTS) or [],
            row.output_values)
        if status == FAILED:
            code = (details or {}).get(OUTPUT_STATUS_CODE)
            event_reason = ('deployment %s failed (%s)' % (deployment_id,
                                                           code)
                            if _nonzero(code) else
                            'deployment %s failed' % deployment_id)
        else:
            event_reason = 'deployment %s succeeded' % deployment_id
        self.update_software_deployment(
            cnxt, deployment_id, output_values=outputs, status=status,
            status_reason=reason, updated_at=updated_at)
        return event_reason

    # -- the server's metadata ----------------------------------------------

    @staticmethod
    def _push_metadata(cnxt, server_id):
        """Put the server's deployments in the ``deployments`` key of
        the metadata of the resource whose physical id is
        ``server_id``, if there is one (upstream's; a server given as a
        plain id has none)."""
        try:
            row = db_api.resource_get_by_physical_resource_id(
                cnxt, server_id, cnxt.project_id)
        except exception.HeatException:
            row = None
        if row is None or row.action == 'DELETE':
            return
        metadata = dict(row.rsrc_metadata or {})
        metadata['deployments'] = API.metadata_software_deployments(
            cnxt, server_id)
        db_api.resource_update_and_save(cnxt, row.id,
                                        {'rsrc_metadata': metadata})


def _nonzero(code):
    return bool(code) and str(code) != '0'


def signalled_outcome(details, declared_outputs, previous=None):
    """``(status, status reason, output values)`` of a signal's
    ``details`` for a config declaring ``declared_outputs``."""
    details = details if isinstance(details, dict) else {}
    outputs = dict(previous or {})
    status = None
    reasons = {}
    code = details.get(OUTPUT_STATUS_CODE)
    if _nonzero(code):
        status = FAILED
        reasons[OUTPUT_STATUS_CODE] = (
            'Deployment exited with non-zero status code: %s' % code)
    for output in declared_outputs:
        name = output.get('name')
        if name in details:
            outputs[name] = details[name]
            if output.get('error_output', False):
                status = FAILED
                reasons[name] = details[name]
    for name in OUTPUTS:
        outputs[name] = details.get(name)
    if status == FAILED:
        reason = ', '.join('%s : %s' % (k, v) for k, v in reasons.items())
        return FAILED, reason, outputs
    return COMPLETE, 'Outputs received', outputs


#: the methods, for engine code (resources) in this process
API = SoftwareConfigService()
