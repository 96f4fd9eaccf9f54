"""The member stack: a scaling group's members as resources of a stack.

A group's id is the id of its member stack, whose stored template has no
resources. :func:`member_template` (called by ``Stack.load``) gives every
reader the members as ordinary resources, synthesised from the
``scaling_member`` rows (``created_at, name`` order) and the group's
definitions (one per generation). :class:`MemberStack` is what the
converger acts on: a ``Stack`` of the member stack holding only the
members it names, built from one query by name, so creating or deleting
k members costs O(k) whatever the group's size.

:class:`LeaseFence` is the write guard the converger gives its member
stacks: every write of a member's resource row (insert, state change,
physical id, delete) first checks, in the same transaction, that the
converger still holds the group's lease under its fencing token, so an
engine that was paused and lost the lease meanwhile writes nothing.
"""

import copy
import logging
import threading

import sqlalchemy as sa

from heat.common import exception
from heat.db import api as db_api
from heat.db import models

LOG = logging.getLogger(__name__)

HOT_VERSION = {'heat_template_version': '2015-04-30'}
CFN_VERSION = {'HeatTemplateFormatVersion': '2012-12-12'}


def empty_template(template_format):
    """The stored raw template of a member stack (no resources)."""
    return dict(CFN_VERSION if template_format == 'cfn' else HOT_VERSION)


def _stack_mod():
    from heat.engine import stack as stack_mod
    return stack_mod


def _tmpl_mod():
    from heat.engine import template as tmpl_mod
    return tmpl_mod


def _has_resources(tmpl):
    t = getattr(tmpl, 't', None) or {}
    return bool(t.get('resources') or t.get('Resources'))


def _with_resources(tmpl, resources):
    section = tmpl.get_section_name('resources')
    raw = dict(tmpl.t)
    raw[section] = resources
    new = _tmpl_mod().Template.create(raw, files=tmpl.files, env=tmpl.env)
    new.id = getattr(tmpl, 'id', None)
    return new


def snippet(group, generation):
    """The member definition (a resource snippet) of ``generation``."""
    defs = group.definitions or {}
    found = defs.get(str(generation))
    if found is None:
        raise exception.Error('Scaling group %s has no definition of '
                              'generation %s' % (group.id, generation))
    return copy.deepcopy(found)


def member_template(context, stack_row, tmpl):
    """``tmpl`` with the members of ``stack_row`` when it is a member stack.

    Cheap for every other stack: a stack whose template has resources is
    not a member stack; otherwise one primary-key lookup of the group.
    """
    if _has_resources(tmpl):
        return tmpl
    with db_api.reader(context) as session:
        group = session.get(models.ScalingGroup, stack_row.id)
        if group is None:
            return tmpl
        rows = session.query(models.ScalingMember).filter(
            models.ScalingMember.group_id == group.id).order_by(
            models.ScalingMember.created_at, models.ScalingMember.name).all()
    resources = {}
    for m in rows:
        try:
            resources[m.name] = snippet(group, m.generation)
        except exception.Error:
            LOG.warning('member %s of group %s: no definition', m.name,
                        group.id)
    return _with_resources(tmpl, resources)


def resource_rows(context, stack_id, names):
    """``{name: resource row}`` of ``names`` in the member stack (one
    query; the newest row of a name wins, replaced rows left out)."""
    if not names:
        return {}
    R = models.Resource
    with db_api.reader(context) as session:
        rows = session.query(R).filter(
            R.stack_id == stack_id, R.name.in_(list(names))).order_by(
            R.id).all()
    return {r.name: r for r in rows if r.replaced_by is None}


class LeaseFence:
    """A member stack's ``resource_write_guard``: a write of a member's
    resource row goes ahead only while ``engine_id`` holds the group's
    lease under ``fence`` (one locking read in the write's transaction,
    :func:`heat.db.api.scaling_group_check_lease`), else LeaseLost and
    nothing of that transaction is written. Once refused, every later
    write is refused at once, without asking the database."""

    def __init__(self, group_id, engine_id, fence):
        self.group_id = group_id
        self.engine_id = engine_id
        self.fence = fence
        #: set once a write was refused: the lease moved on
        self.lost = threading.Event()
        self._lock = threading.Lock()
        #: writes refused so far
        self.refused = 0

    def check(self):
        """Raise LeaseLost if a write was refused already."""
        if self.lost.is_set():
            raise exception.LeaseLost(group=self.group_id, fence=self.fence)

    def __call__(self, context):
        try:
            self.check()
            db_api.scaling_group_check_lease(context, self.group_id,
                                             self.engine_id, self.fence)
        except exception.LeaseLost:
            with self._lock:
                self.refused += 1
            self.lost.set()
            raise


class MemberStack:
    """Build ``Stack`` objects of a member stack limited to some members."""

    @staticmethod
    def for_members(context, group, names, generations=None, guard=None,
                    without_rows=()):
        """A ``Stack`` of ``group``'s member stack holding only ``names``.

        :param generations: ``{name: generation}`` for each name (default:
            the group's current generation)
        :param guard: the stack's ``resource_write_guard`` (a
            :class:`LeaseFence`), called in each member row write's
            transaction before it
        :param without_rows: names known to have no resource row (members
            whose ``scaling_member`` row the caller's committed intent
            just inserted: no member had the name, so neither has a
            resource row); not looked up
        """
        stack_mod = _stack_mod()
        row = db_api.stack_get(context, group.id, group.project)
        if row is None:
            raise exception.EntityNotFound(entity='Stack', name=group.id)
        base = stack_mod.Stack._load_template(context, row.raw_template_id)
        generations = generations or {}
        resources = {n: snippet(group, generations.get(n, group.generation))
                     for n in names}
        tmpl = _with_resources(base, resources)
        stk = stack_mod.Stack(
            context, row.name, tmpl, stack_id=row.id, action=row.action,
            status=row.status, status_reason=row.status_reason or '',
            timeout_mins=row.timeout, disable_rollback=row.disable_rollback,
            owner_id=row.owner_id, nested_depth=row.nested_depth,
            user_creds_id=row.user_creds_id, tags=row.tag_names,
            created_time=row.created_at, updated_time=row.updated_at,
            username=row.username, tenant_id=row.tenant,
            prev_raw_template_id=row.prev_raw_template_id,
            parent_resource_name=row.parent_resource_name)
        skip = set(without_rows)
        stk._db_rows = (resource_rows(
            context, row.id, [n for n in names if n not in skip]), [])
        if guard is not None:
            stk.resource_write_guard = guard
        _known_root(stk)
        return stk


#: ``{member stack id: root stack id}``: a stack's owners never change,
#: so each member stack's root is read once per process, not once per
#: batch (a member's row stores it); bounded by clearing
_ROOTS = {}
_ROOTS_MAX = 10000
_roots_lock = threading.Lock()


def _known_root(stk):
    """Set ``stk``'s root stack id from :data:`_ROOTS`, or read it (up
    the owner chain, as ``Stack.root_stack_id`` does) and keep it."""
    with _roots_lock:
        root = _ROOTS.get(stk.id)
    if root is not None:
        stk._root_id = root
        return
    root = stk.root_stack_id()
    if root is not None:
        with _roots_lock:
            if len(_ROOTS) >= _ROOTS_MAX:
                _ROOTS.clear()
            _ROOTS[stk.id] = root


def create_member_stack(context, *, stack_id, name, project,
                        template_format, environment, files, owner_id,
                        nested_depth, parent_resource_name, timeout_mins):
    """Store the member stack (template with no resources),
    ``CREATE_IN_PROGRESS`` with its event, as upstream's nested stack
    starts: the end of the group's first convergence completes it (see
    :mod:`heat.engine.autoscaling.converger`). The stack."""
    from heat.engine import environment as env_mod
    stack_mod = _stack_mod()
    env = env_mod.Environment(environment or {})
    tmpl = _tmpl_mod().Template.create(empty_template(template_format),
                                       files=files or {}, env=env)
    reason = 'Stack CREATE started'
    stk = stack_mod.Stack(
        context, name, tmpl, action='CREATE', status='IN_PROGRESS',
        status_reason=reason,
        timeout_mins=timeout_mins, disable_rollback=True,
        owner_id=owner_id, nested_depth=nested_depth, tenant_id=project,
        parent_resource_name=parent_resource_name)
    stk.id = stack_id
    stk.store()
    db_api.event_create(context, {
        'stack_id': stack_id, 'resource_action': 'CREATE',
        'resource_status': 'IN_PROGRESS', 'resource_name': name,
        'resource_type': 'OS::Heat::Stack',
        'physical_resource_id': stack_id,
        'resource_status_reason': reason})
    return stk


def validate_definition(context, project, definition, template_format,
                        environment=None, files=None):
    """Validate a member definition as a stack would validate the
    resource (its type resolved through ``environment`` and ``files``,
    its properties checked). Raises ``Invalid`` naming the field
    (``/resource/type: ...``, ``/resource/properties/length: ...``)."""
    from heat.engine import environment as env_mod
    key = 'Resources' if template_format == 'cfn' else 'resources'
    body = empty_template(template_format)
    body[key] = {'member': definition}
    try:
        env = env_mod.Environment(environment or {})
        tmpl = _tmpl_mod().Template.create(body, files=files or {}, env=env)
        stk = _stack_mod().Stack(context, 'member-definition', tmpl,
                                 tenant_id=project)
        stk.validate()
    except exception.HeatException as exc:
        message = str(exc)
        path = getattr(exc, 'path', None) or []
        if isinstance(exc, (exception.ResourceTypeNotFound,
                            exception.ResourceTypeUnavailable)) or \
                'Resource Type' in message:
            where = '/resource/type'
        else:
            parts = [str(p) for p in path][2:] if len(path) > 2 else []
            where = '/resource' + ''.join('/' + p.lower() if p in (
                'Properties', 'Type') else '/' + p for p in parts)
        prefix = 'resources.member.'
        text = getattr(exc, 'error_message', None) or message
        if text.startswith(prefix):
            text = text[len(prefix):]
        raise exception.Invalid(reason='%s: %s' % (where, text)) from exc


def validate_group_update(context, group, definition=None,
                          environment=None, files=None):
    """:func:`validate_definition` of a group's definition after an
    update (the given parts, else the stored ones)."""
    if definition is None:
        definition = (group.definitions or {}).get(str(group.generation))
    if environment is None or files is None:
        row = db_api.stack_get(context, group.id, group.project)
        if row is not None:
            old = _stack_mod().Stack._load_template(context,
                                                    row.raw_template_id)
            if environment is None:
                environment = old.env.env_as_dict()
            if files is None:
                files = dict(old.files or {})
    if definition is not None:
        validate_definition(context, group.project, definition,
                            group.template_format, environment, files)


def update_member_stack_template(context, group, environment=None,
                                 files=None):
    """Store a new raw template with the given environment/files."""
    from heat.engine import environment as env_mod
    row = db_api.stack_get(context, group.id, group.project)
    if row is None:
        return
    old = _stack_mod().Stack._load_template(context, row.raw_template_id)
    env = (env_mod.Environment(environment) if environment is not None
           else old.env)
    new_files = files if files is not None else old.files
    t_row = db_api.raw_template_create(context, {
        'template': empty_template(group.template_format),
        'environment': env.env_as_dict(),
        'files': dict(new_files) if new_files else None})
    db_api.stack_update(context, group.id, group.project,
                        {'raw_template_id': t_row.id})


def count_resources(context, stack_id):
    R = models.Resource
    with db_api.reader(context) as session:
        return session.query(sa.func.count(R.id)).filter(
            R.stack_id == stack_id).scalar()
