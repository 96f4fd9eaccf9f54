"""Stack snapshots: upstream's ``stack_snapshot``, ``show_snapshot``,
``stack_list_snapshots``, ``delete_snapshot`` and ``stack_restore``
RPCs, on the ``snapshot`` table.

:class:`SnapshotService` is mixed into
:class:`heat.engine.service.EngineService`: it finds stacks through the
service (project scoping, an admin naming another project's stack) and
takes their locks the way the other stack actions do.

A snapshot is the stack's abandon data at a point in time (template,
environment, files, each resource's physical id, metadata and data),
with a name and a status; unlike abandon data, secret resource data
(values stored redacted) shows the mask ``******``, since a project
reader may show and list snapshots (upstream's rules) while only a
member may export the secrets (restore needs none of them: a
resource that still exists keeps its own data). Results are upstream's
dicts (:func:`format_snapshot`): ``{id, name, status, status_reason,
data, creation_time}``.

- **Taking one** (``stack_snapshot``) refuses a stack in progress
  (``ActionInProgress``) and runs under the stack's lock, so no other
  action (on this engine or another) runs meanwhile: the stack goes
  SNAPSHOT_IN_PROGRESS, each resource runs its ``handle_snapshot`` if
  its type has one, the data is stored and the stack goes
  SNAPSHOT_COMPLETE (events as for every action). Unlike upstream, which
  answers at once with the snapshot IN_PROGRESS and works in a thread
  because snapshots of servers and volumes take minutes, this runs in
  the call and answers with the finished snapshot (COMPLETE, or FAILED
  with the reason): none of the engine's own resource types has a
  ``handle_snapshot``, so it is a few database writes.
- **Restoring one** (``stack_restore``) is an update of the stack to the
  snapshot's template, environment and files with the action RESTORE
  (RESTORE_IN_PROGRESS, then RESTORE_COMPLETE or RESTORE_FAILED; never
  rolled back), started like an update (the lock, a background thread).
  Each resource type with a ``handle_restore(defn, data)`` may change
  its definition first (given its data in the snapshot). A resource
  that still exists unchanged keeps its physical resource and data (a
  RandomString keeps its value); one deleted since is created again,
  one added since is deleted. The stack keeps its current tags.
- **Deleting one** calls each resource's ``handle_delete_snapshot(data)``
  (and its ``check_delete_snapshot_complete``), if its type has one, with
  its data in the snapshot, then deletes the row. A stack's snapshots go
  with it (``heat.db.api.stack_delete``, ``purge_deleted``).

Errors are upstream's: ``NotFound`` "Snapshot with id %s not found"
(404) for an unknown id or another project's, ``SnapshotNotFound`` for a
snapshot of another stack of the project.
"""

import copy
import functools
import logging

from heat.common import exception
from heat.db import api as db_api
from heat.engine import api as engine_api
from heat.engine import scheduler

LOG = logging.getLogger(__name__)

SNAPSHOT_KEYS = (SNAPSHOT_ID, SNAPSHOT_NAME, SNAPSHOT_STATUS,
                 SNAPSHOT_STATUS_REASON, SNAPSHOT_DATA,
                 SNAPSHOT_CREATION_TIME) = (
    'id', 'name', 'status', 'status_reason', 'data', 'creation_time')

STATUSES = (IN_PROGRESS, FAILED, COMPLETE) = (
    'IN_PROGRESS', 'FAILED', 'COMPLETE')

SNAPSHOT, RESTORE = 'SNAPSHOT', 'RESTORE'


def format_snapshot(row):
    """Upstream's snapshot dict of a ``snapshot`` row."""
    return {SNAPSHOT_ID: row.id, SNAPSHOT_NAME: row.name,
            SNAPSHOT_STATUS: row.status,
            SNAPSHOT_STATUS_REASON: row.status_reason,
            SNAPSHOT_DATA: row.data,
            SNAPSHOT_CREATION_TIME: engine_api.isotime(row.created_at)}


def _stack_module():
    from heat.engine import stack as stack_mod
    return stack_mod


def _resources_module():
    from heat.engine import resources
    return resources


class SnapshotService:
    """The snapshot RPCs of :class:`heat.engine.service.EngineService`
    (which provides ``_get_stack``, ``_load``, ``_lock``,
    ``_start_action``, ``_template`` and ``_resource_type_enforcer``)."""

    # -- taking a snapshot ---------------------------------------------------

    def stack_snapshot(self, cnxt, stack_identity, name):
        """Snapshot the stack now, under its lock (see the module's
        docstring: synchronous, unlike upstream); the snapshot dict."""
        cnxt, row = self._get_stack(cnxt, stack_identity)
        _refuse_in_progress(row.name, row.action, row.status)
        lock = self._lock(cnxt, row.id)
        with lock.held():
            # loaded under the lock: what another action changed until
            # now is in the snapshot
            stack = _stack_module().Stack.load(cnxt, row.id)
            _refuse_in_progress(stack.name, stack.action, stack.status)
            stack.set_lock_fence(lock.fence)
            project = stack.tenant_id
            snapshot = db_api.snapshot_create(cnxt, {
                'tenant': project, 'name': name, 'stack_id': stack.id,
                'status': IN_PROGRESS})
            try:
                stack.snapshot(lambda stk, status, reason: _save(
                    cnxt, snapshot.id, project, stk, status, reason))
            except Exception as exc:  # noqa: BLE001 - recorded on the row
                LOG.exception('Snapshot %s of stack %s failed',
                              snapshot.id, stack.id)
                _fail(cnxt, snapshot.id, project, stack, exc)
            return format_snapshot(db_api.snapshot_get(cnxt, snapshot.id,
                                                       project))

    # -- reading -------------------------------------------------------------

    def show_snapshot(self, cnxt, stack_identity, snapshot_id):
        cnxt, row = self._get_stack(cnxt, stack_identity)
        return format_snapshot(db_api.snapshot_get_by_stack(
            cnxt, snapshot_id, row, row.tenant))

    def stack_list_snapshots(self, cnxt, stack_identity):
        """The stack's snapshots, oldest first."""
        cnxt, row = self._get_stack(cnxt, stack_identity)
        return [format_snapshot(s) for s in
                db_api.snapshot_get_all(cnxt, row.id, row.tenant)]

    # -- deleting ------------------------------------------------------------

    def delete_snapshot(self, cnxt, stack_identity, snapshot_id):
        """Let each resource drop what it keeps for the snapshot
        (``handle_delete_snapshot``), then delete it. A snapshot being
        taken (its stack SNAPSHOT_IN_PROGRESS) is refused as upstream; one
        left IN_PROGRESS by an engine that died may be deleted."""
        cnxt, stack = self._load(cnxt, stack_identity)
        snapshot = db_api.snapshot_get_by_stack(cnxt, snapshot_id, stack,
                                                stack.tenant_id)
        if snapshot.status == IN_PROGRESS and \
                (stack.action, stack.status) == (SNAPSHOT, IN_PROGRESS):
            raise exception.NotSupported(
                feature='Deleting in-progress snapshot')
        _delete_resource_snapshots(stack, snapshot.data)
        db_api.snapshot_delete(cnxt, snapshot.id, stack.tenant_id)

    # -- restoring -----------------------------------------------------------

    def stack_restore(self, cnxt, stack_identity, snapshot_id):
        """Start updating the stack to the snapshot, with the action
        RESTORE (see the module's docstring)."""
        cnxt, stack = self._load(cnxt, stack_identity)
        snapshot = db_api.snapshot_get_by_stack(cnxt, snapshot_id, stack,
                                                stack.tenant_id)
        if snapshot.status != COMPLETE:
            raise exception.NotSupported(
                feature='Restoring a snapshot whose status is %s'
                        % snapshot.status)
        _refuse_in_progress(stack.name, stack.action, stack.status)
        target = self._restore_target(cnxt, stack, snapshot.data or {})
        self._start_action(cnxt, stack, stack.update, target,
                           action=stack.RESTORE)

    def _restore_target(self, cnxt, stack, data):
        """The (unstored) stack a restore updates ``stack`` to: the
        snapshot's template, environment and files, each definition as
        its type's ``handle_restore`` makes it."""
        tmpl = self._template(copy.deepcopy(data.get('template')),
                              data.get('files') or {},
                              copy.deepcopy(data.get('environment') or {}))
        target = _stack_module().Stack(
            cnxt, stack.name, tmpl, stack_id=stack.id,
            timeout_mins=stack.timeout_mins,
            disable_rollback=stack.disable_rollback,
            parent_resource=stack.parent_resource, owner_id=stack.owner_id,
            nested_depth=stack.nested_depth, tags=stack.tags,
            user_creds_id=stack.user_creds_id)
        target.stored = False
        self._resource_type_enforcer().enforce_stack(target)
        saved = data.get('resources') or {}
        for name, defn in target.definitions().items():
            restored = _handle_restore(stack, name, defn, saved.get(name))
            if restored is not None and restored != defn:
                _put_definition(tmpl, name, restored)
        return target


def _refuse_in_progress(name, action, status):
    if status == IN_PROGRESS:
        raise exception.ActionInProgress(stack_name=name, action=action)


def _save(cnxt, snapshot_id, project, stack, status, reason):
    """Store the stack's data on the snapshot, as it ends."""
    data = stack.snapshot_data()
    _mask_secrets(stack, data)
    data['status'] = status
    db_api.snapshot_update(cnxt, snapshot_id, {
        'data': data, 'status': status, 'status_reason': reason}, project)


def _mask_secrets(stack, data, depth=0):
    """Replace, in ``data`` (the stack's abandon data), the values of
    redacted resource data (secrets: a RandomString's value, a policy's
    signing key) by the mask every listing shows: a project reader may
    show and list snapshots (upstream's rules), but only a member may
    export the secrets (``stacks:export``)."""
    for name, entry in (data.get('resources') or {}).items():
        res = stack.resources.get(name)
        if res is None or not isinstance(entry, dict):
            continue
        if getattr(res, 'id', None) is not None and \
                entry.get('resource_data'):
            entry['resource_data'] = db_api.resource_data_get_all(
                stack.context, res.id)
        if depth < 64 and isinstance(entry.get('resources'), dict) and \
                res.has_nested():
            nested = res.nested()
            if nested is not None:
                _mask_secrets(nested, entry, depth + 1)


def _fail(cnxt, snapshot_id, project, stack, exc):
    reason = '%s: %s' % (type(exc).__name__, exc)
    try:
        db_api.snapshot_update(cnxt, snapshot_id, {
            'status': FAILED, 'status_reason': reason}, project)
        if stack.status == IN_PROGRESS:
            stack.state_set(stack.SNAPSHOT, stack.FAILED, reason)
    except Exception:  # noqa: BLE001 - the first error is logged
        LOG.exception('Could not record the failure of snapshot %s',
                      snapshot_id)


def _handle_restore(stack, name, defn, data):
    """What the type's ``handle_restore(defn, data)`` makes of ``defn``
    (None if the type has none)."""
    resources = _resources_module()
    cls, _info = resources.resolve_type(defn.resource_type, stack,
                                        resource_name=name)
    if not callable(getattr(cls, 'handle_restore', None)):
        return None
    res = resources.create_resource(name, defn, stack)
    return res.handle_restore(defn, data)


def _put_definition(tmpl, name, defn):
    """Write ``defn`` into the template as resource ``name``, in the
    template's own spelling of the fields."""
    keys = tmpl.RESOURCE_KEYS
    tmpl.t.setdefault(tmpl.RESOURCES, {})[name] = {
        keys[field]: value for field, value in defn.render_hot().items()
        if keys.get(field)}


def _delete_resource_snapshots(stack, data):
    saved = (data or {}).get('resources') or {}
    if not saved:
        return
    control = scheduler.ActionControl(stack.timeout_secs())
    for name, res in stack.resources.items():
        handler = getattr(res, 'handle_delete_snapshot', None)
        if not callable(handler) or not saved.get(name):
            continue
        token = handler(saved[name])
        check = getattr(res, 'check_delete_snapshot_complete', None)
        if callable(check):
            scheduler.wait_until(functools.partial(check, token), control)
