#!/usr/bin/env python3
"""Run *upstream* OpenStack Heat in-process, without Keystone, on a scenario.

This script must run under the interpreter of the upstream venv
(``make upstream-venv`` builds ``.venv-upstream`` with
``openstack-heat==27.0.1``); upstream's package is also called ``heat``, so it
can never share a venv with ours.  Our tests call it with ``subprocess`` and
read the single JSON document it prints on stdout::

    .venv-upstream/bin/python driver.py --workdir DIR \
        --plugin-dir DIR [--plugin-dir DIR ...] --scenario FILE.json

Logs go to stderr.  The output is ``{"steps": [...]}``: one object per
scenario step, in order (see README.md for the scenario format).  A step that
fails reports ``"error"``; the driver itself only exits non-zero when it
cannot start upstream Heat at all (it then still prints
``{"fatal": "...", "steps": []}``).

How upstream is set up
----------------------
* oslo.config is initialised with no config file at all
  (``default_config_files=[]``); every option is set with ``set_override``.
* ``[database] connection`` is a SQLite file ``DIR/heat.sqlite``; the schema
  is created by upstream's own ``heat.db.migration.db_sync()`` (alembic).
* ``plugin_dirs`` is the list of ``--plugin-dir`` values.  The plugins are
  loaded by upstream itself: ``EngineService.__init__`` calls
  ``heat.engine.resources.initialise()``, which builds the global environment
  from ``heat.engine.resources`` *and* the ``plugin_dirs`` (package
  ``heat.engine.plugins``), exactly as ``heat-engine`` does in production.
  Nothing here imports a plugin module by hand.
* ``deferred_auth_method = password`` and
  ``reauthentication_auth_method = ''``: storing a stack stores the request
  context's username/password in ``user_creds`` instead of asking Keystone
  for a trust, which is the only Keystone call on the create/update/delete
  path.  ``stack_user_domain_*`` is left unset, so creating the
  "stack user project" falls back to the request's project id without a
  Keystone call.
* ``convergence_engine = False``: the legacy engine runs each stack action in
  one engine thread (no RPC to worker services), so waiting for the action is
  just joining that thread.
* ``oslo.messaging`` is set up with the in-memory ``fake://`` transport
  (upstream needs a notifier object; notifications go nowhere).
* oslo.service's *threading* backend is selected before anything else is
  imported, as ``heat-engine`` 27 itself does (``heat/cmd/engine.py``): no
  eventlet, no monkey-patching.

Why ``EngineService`` and not ``Stack`` objects
-----------------------------------------------
The driver calls the RPC methods of ``heat.engine.service.EngineService``
directly (``validate_template``, ``create_stack``, ``update_stack``,
``resource_signal``, ``stack_suspend``/``resume``/``check``,
``delete_stack``, ``show_stack``, ``list_stack_resources``, ``list_events``,
``list_resource_types``), on an instance that is *not* started (no RPC
server, no worker service).  That is the code the Heat API reaches in
production, including its parameter/environment handling, resource-type
policy enforcement, stack locks, stored-context switch on signal and the API
formatting of stacks, resources and events; driving ``Stack`` objects by hand
would bypass all of it.  It works reliably because Heat 27 runs its engine
threads on plain ``threading`` (``ThreadGroupManager``); the driver gives the
service a ``ThreadGroupManager`` and an engine id, calls the method, and then
joins every engine thread before reporting the result, so every step is
synchronous.  Only ``attr`` loads the ``Stack`` itself, because no RPC method
resolves an attribute with a path.

Request context (measured with a probe plugin, Heat 27.0.1)
-----------------------------------------------------------
Every step runs with a ``heat.common.context.RequestContext`` built by
``RequestContext.from_dict`` from DEFAULT_CONTEXT, i.e. what the API's
ContextMiddleware builds from Keystone's auth_token middleware.  A
``{"op": "context", "values": {...}}`` step overrides fields for the
following steps.

* create / update / suspend / resume / check / delete: ``self.context`` is
  that ``RequestContext``: auth_token, username, password, user_id,
  project_id, project_name, user/project_domain_id, roles, auth_url,
  region_name as given; trust_id, trustor_user_id, auth_token_info,
  aws_creds are None (there is no ``tenant_id`` attribute).
  ``context.keystone_session`` can be touched without Keystone: its
  ``auth`` is a keystoneauth ``generic.Password`` plugin when a password is
  set (any *use* of it contacts auth_url), a ``token_endpoint.Token`` plugin
  when password is None (``session.get_token()`` then returns auth_token
  with no network call; endpoints all resolve to auth_url).
* signal: upstream's ``resource_signal`` always reloads the stack with the
  *stored* context (``StoredContext`` rebuilt from the ``user_creds`` row):
  username, password, project_id, project_name, auth_url, region_name are
  set; auth_token, user_id, trust_id are None; roles is []; reading
  ``user_domain_id``/``project_domain_id`` makes upstream ask Keystone
  (``auth_plugin.get_access``); ``keystone_session`` raises
  AuthorizationFailure if the request had no password.

Upstream itself makes no Keystone call on any of these paths; DEFAULT_CONTEXT
points auth_url at 127.0.0.1:9 so that a plugin that does fails fast.
"""

import argparse
import json
import logging
import math
import os
import sys
import threading
import time
import traceback

DEFAULT_CONTEXT = {
    'auth_token': 'upstream-driver-token',
    'username': 'demo',
    'password': 'demo-password',
    'user_id': 'demo-user-id',
    'tenant_id': 'demo-project-id',
    'tenant': 'demo',
    'user_domain_id': 'default',
    'project_domain_id': 'default',
    'roles': ['member', 'reader'],
    'is_admin': False,
    'auth_url': 'http://127.0.0.1:9/v3',  # nothing listens: fails fast
    'region_name': 'RegionOne',
}

LOG = logging.getLogger('upstream-driver')


class _ThreadErrors(logging.Handler):
    """Collects exceptions that upstream engine threads log and swallow."""

    def __init__(self):
        super().__init__(level=logging.ERROR)
        self.records = []

    def emit(self, record):
        if record.exc_info and record.exc_info[1] is not None:
            self.records.append('%s: %s: %s' % (
                record.getMessage(), type(record.exc_info[1]).__name__,
                record.exc_info[1]))


def _jsonable(value):
    return json.loads(json.dumps(value, default=str))


class Driver(object):

    def __init__(self, workdir, plugin_dirs, config_files=()):
        self.workdir = os.path.abspath(workdir)
        self.plugin_dirs = [os.path.abspath(d) for d in plugin_dirs]
        self.config_files = [os.path.abspath(f) for f in config_files]
        self.identities = {}
        self.context_values = dict(DEFAULT_CONTEXT)
        self._setup()

    # ------------------------------------------------------------------ setup
    def _setup(self):
        from oslo_service import backend
        backend.init_backend(backend.BackendType.THREADING)

        from heat.common import (
            config,  # registers heat's options
            crypt,  # noqa: F401  (auth_encryption_key)
            messaging,
        )
        from oslo_config import cfg
        from oslo_db import options as db_options
        from oslo_log import log as oslo_log

        os.makedirs(self.workdir, exist_ok=True)
        env_dir = os.path.join(self.workdir, 'environment.d')
        os.makedirs(env_dir, exist_ok=True)
        db_file = os.path.join(self.workdir, 'heat.sqlite')

        conf = cfg.CONF
        oslo_log.register_options(conf)
        # --config-file: options of the plug-ins (registered when upstream
        # imports them, later) read their values from these files
        conf([], project='heat', prog='heat-engine',
             default_config_files=list(self.config_files),
             default_config_dirs=[])
        conf.set_override('use_stderr', True)
        conf.set_override('debug', bool(os.environ.get('DRIVER_DEBUG')))
        oslo_log.setup(conf, 'heat-engine')

        db_options.set_defaults(conf, connection='sqlite:///' + db_file)
        conf.set_override('connection', 'sqlite:///' + db_file,
                          group='database')
        conf.set_override('plugin_dirs', self.plugin_dirs)
        conf.set_override('environment_dir', env_dir)
        conf.set_override('deferred_auth_method', 'password')
        conf.set_override('reauthentication_auth_method', '')
        conf.set_override('convergence_engine', False)
        conf.set_override('observe_on_update', False)
        conf.set_override('error_wait_time', None)
        conf.set_override('host', 'upstream-driver')
        config.startup_sanity_check()

        messaging.setup('fake://', optional=True)
        # Building an RPC client registers oslo.messaging's client options
        # (rpc_response_timeout, used by EngineService's NotifyEvent.wait).
        messaging.get_rpc_client(topic='engine', server=conf.host)

        from heat.db import migration
        migration.db_sync()

        from heat.common import service_utils
        from heat.engine import service

        # Loads resources.global_env(), i.e. heat.engine.resources plus
        # plugin_dirs, exactly as heat-engine does.
        self.service = service.EngineService(conf.host, 'engine')
        self.service.engine_id = service_utils.generate_engine_id()
        self.service.thread_group_mgr = service.ThreadGroupManager()

        self.thread_errors = _ThreadErrors()
        logging.getLogger('heat').addHandler(self.thread_errors)

    def ctx(self):
        from heat.common import context
        return context.RequestContext.from_dict(dict(self.context_values))

    # -------------------------------------------------------------- helpers
    def _wait_threads(self, timeout):
        """Join every upstream engine thread (they may start others)."""
        deadline = time.time() + timeout
        tgm = self.service.thread_group_mgr
        while True:
            alive = [th for group in list(tgm.groups.values())
                     for th in list(group.threads)
                     if isinstance(th, threading.Thread) and th.is_alive()]
            if not alive:
                return True
            for th in alive:
                remaining = deadline - time.time()
                if remaining <= 0:
                    return False
                th.join(remaining)

    def _identity(self, name):
        if name not in self.identities:
            self.identities[name] = self._call('identify_stack', name)
        return self.identities[name]

    def _call(self, method, *args, **kwargs):
        """Call an EngineService method, unwrapping ExpectedException."""
        import oslo_messaging
        try:
            return getattr(self.service, method)(self.ctx(), *args, **kwargs)
        except oslo_messaging.ExpectedException as exc:
            raise exc.exc_info[1].with_traceback(exc.exc_info[2]) from None

    def _stack_state(self, name):
        from heat.rpc import api as rpc_api
        ident = self._identity(name)
        shown = self._call('show_stack', ident, resolve_outputs=False)[0]
        result = {
            'stack_id': ident['stack_id'],
            'action': shown[rpc_api.STACK_ACTION],
            'status': shown[rpc_api.STACK_STATUS],
            'status_reason': shown[rpc_api.STACK_STATUS_DATA],
        }
        return result

    def _resources(self, name):
        from heat.rpc import api as rpc_api
        rows = self._call('list_stack_resources', self._identity(name))
        out = []
        for r in rows:
            out.append({
                'name': r[rpc_api.RES_NAME],
                'type': r[rpc_api.RES_TYPE],
                'action': r[rpc_api.RES_ACTION],
                'status': r[rpc_api.RES_STATUS],
                'status_reason': r[rpc_api.RES_STATUS_DATA],
                'physical_resource_id': r[rpc_api.RES_PHYSICAL_ID],
            })
        return sorted(out, key=lambda r: r['name'])

    def _events(self, name, resource=None, limit=None):
        from heat.rpc import api as rpc_api
        filters = {'resource_name': resource} if resource else None
        rows = self._call('list_events', self._identity(name),
                          filters=filters, sort_keys=['created_at'],
                          sort_dir='desc', limit=limit)
        return [{'resource': e[rpc_api.EVENT_RES_NAME],
                 'action': e[rpc_api.EVENT_RES_ACTION],
                 'status': e[rpc_api.EVENT_RES_STATUS],
                 'reason': e[rpc_api.EVENT_RES_STATUS_DATA],
                 'time': e[rpc_api.EVENT_TIMESTAMP]}
                for e in rows]

    def _finish(self, name, timeout, with_resources=True):
        finished = self._wait_threads(timeout)
        result = self._stack_state(name)
        if not finished:
            result['error'] = 'timed out after %ss waiting for %s' % (
                timeout, name)
        if with_resources:
            result['resources'] = self._resources(name)
        return result

    @staticmethod
    def _environment(step):
        env = dict(step.get('environment') or {})
        if step.get('parameters'):
            params = dict(env.get('parameters') or {})
            params.update(step['parameters'])
            env['parameters'] = params
        return env

    @staticmethod
    def _timeout(step):
        return float(step.get('timeout', 300))

    # ------------------------------------------------------------------ ops
    def op_types(self, step):
        if step.get('names'):
            # What upstream's global environment registered under these
            # names, and from which module: no availability check (the
            # full listing below asks Keystone's catalog about every
            # type with a service, which takes about 35 s to fail here).
            from heat.engine import resources
            registry = resources.global_env().registry
            found = {}
            for name in step['names']:
                info = registry.get_resource_info(name)
                cls = getattr(info, 'value', None)
                found[name] = None if cls is None else '%s.%s' % (
                    getattr(cls, '__module__', '?'),
                    getattr(cls, '__name__', repr(cls)))
            return {'registered': found}
        types = self._call('list_resource_types',
                           type_name=step.get('type_name'))
        return {'types': sorted(types)}

    def op_context(self, step):
        if step.get('reset'):
            self.context_values = dict(DEFAULT_CONTEXT)
        self.context_values.update(step.get('values') or {})
        return {'context': self.context_values}

    def op_validate(self, step):
        res = self._call('validate_template', step['template'],
                         params=self._environment(step),
                         files=step.get('files') or {},
                         show_nested=step.get('show_nested', False))
        if isinstance(res, dict) and 'Error' in res:
            return {'error': res['Error'], 'result': res}
        return {'result': res}

    def op_create(self, step):
        from heat.rpc import api as rpc_api
        name = step['name']
        timeout = self._timeout(step)
        args = {rpc_api.PARAM_TIMEOUT: max(1, int(math.ceil(timeout / 60))),
                rpc_api.PARAM_DISABLE_ROLLBACK:
                    step.get('disable_rollback', True)}
        self.identities.pop(name, None)
        ident = self._call('create_stack', name, step['template'],
                           self._environment(step), step.get('files') or {},
                           args)
        self.identities[name] = ident
        return self._finish(name, timeout)

    def op_update(self, step):
        from heat.rpc import api as rpc_api
        name = step['name']
        timeout = self._timeout(step)
        args = {rpc_api.PARAM_TIMEOUT: max(1, int(math.ceil(timeout / 60)))}
        if 'disable_rollback' in step:
            args[rpc_api.PARAM_DISABLE_ROLLBACK] = step['disable_rollback']
        template = step.get('template')
        if template is None or step.get('existing'):
            args[rpc_api.PARAM_EXISTING] = True
        self._call('update_stack', self._identity(name), template,
                   self._environment(step), step.get('files') or {}, args)
        return self._finish(name, timeout)

    def _simple_action(self, method, step):
        name = step['name']
        self._call(method, self._identity(name))
        return self._finish(name, self._timeout(step),
                            with_resources=step.get('resources', True))

    def op_suspend(self, step):
        return self._simple_action('stack_suspend', step)

    def op_resume(self, step):
        return self._simple_action('stack_resume', step)

    def op_check(self, step):
        return self._simple_action('stack_check', step)

    def op_delete(self, step):
        name = step['name']
        self._call('delete_stack', self._identity(name))
        return self._finish(name, self._timeout(step), with_resources=False)

    def op_outputs(self, step):
        from heat.rpc import api as rpc_api
        shown = self._call('show_stack', self._identity(step['name']),
                           resolve_outputs=True)[0]
        outputs = {}
        errors = {}
        for o in shown.get(rpc_api.STACK_OUTPUTS) or []:
            outputs[o[rpc_api.OUTPUT_KEY]] = o.get(rpc_api.OUTPUT_VALUE)
            if o.get(rpc_api.OUTPUT_ERROR):
                errors[o[rpc_api.OUTPUT_KEY]] = o[rpc_api.OUTPUT_ERROR]
        result = {'outputs': outputs}
        if errors:
            result['output_errors'] = errors
        return result

    def op_attr(self, step):
        from heat.engine import stack as parser
        ident = self._identity(step['name'])
        stk = parser.Stack.load(self.ctx(), stack_id=ident['stack_id'])
        # What Stack.validate()/update do before resolving anything: load
        # every resource's reference id/attributes into the stack definition
        # so that get_resource/get_attr in the properties resolve.
        stk._update_all_resource_data(for_resources=True, for_outputs=False)
        rsrc = stk.resources.get(step['resource'])
        if rsrc is None:
            return {'error': 'no resource %s in stack %s' % (
                step['resource'], step['name'])}
        value = rsrc.FnGetAtt(step['attribute'], *(step.get('path') or []))
        return {'value': value}

    def op_signal(self, step):
        name = step['name']
        resource = step['resource']
        result = {}
        try:
            self._call('resource_signal', self._identity(name), resource,
                       step.get('details'),
                       sync_call=bool(step.get('sync', False)))
            result['ok'] = True
        except Exception as exc:
            result['ok'] = False
            result['error'] = '%s: %s' % (type(exc).__name__, exc)
        self._wait_threads(self._timeout(step))
        result['events'] = self._events(name, resource,
                                        limit=step.get('events', 5))
        return result

    def op_events(self, step):
        return {'events': self._events(step['name'], step.get('resource'),
                                       limit=step.get('limit'))}

    def op_sleep(self, step):
        time.sleep(float(step.get('seconds', 0)))
        return {}

    # ------------------------------------------------------------------ run
    def run_step(self, step):
        op = step.get('op')
        out = {'op': op}
        for key in ('name', 'resource', 'attribute'):
            if key in step:
                out[key] = step[key]
        handler = getattr(self, 'op_%s' % op, None)
        del self.thread_errors.records[:]
        if handler is None:
            out['error'] = 'unknown op %r' % op
            return out
        try:
            out.update(handler(step))
        except Exception as exc:
            LOG.error('step %s failed:\n%s', op, traceback.format_exc())
            out['error'] = '%s: %s' % (type(exc).__name__, exc)
            try:
                self._wait_threads(self._timeout(step))
            except Exception:
                pass
        if self.thread_errors.records:
            out['thread_errors'] = list(self.thread_errors.records)
        return _jsonable(out)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--workdir', required=True)
    parser.add_argument('--plugin-dir', action='append', default=[],
                        dest='plugin_dirs')
    parser.add_argument('--scenario', required=True)
    parser.add_argument('--config-file', action='append', default=[],
                        dest='config_files',
                        help='an oslo.config file (e.g. the plug-in\'s '
                             '[clients_autoscaling] options)')
    args = parser.parse_args(argv)

    with open(args.scenario) as f:
        steps = json.load(f)

    # Keep stdout for the JSON document only.
    real_stdout = sys.stdout
    sys.stdout = sys.stderr
    try:
        driver = Driver(args.workdir, args.plugin_dirs, args.config_files)
    except BaseException as exc:  # SystemExit from oslo.config included
        traceback.print_exc()
        sys.stdout = real_stdout
        print(json.dumps({'fatal': '%s: %s' % (type(exc).__name__, exc),
                          'steps': []}))
        return 2

    results = []
    for step in steps:
        LOG.info('step: %s', json.dumps(step)[:200])
        results.append(driver.run_step(step))
    sys.stdout = real_stdout
    print(json.dumps({'steps': results}, indent=1, sort_keys=True))
    sys.stdout.flush()
    return 0


if __name__ == '__main__':
    sys.exit(main())
