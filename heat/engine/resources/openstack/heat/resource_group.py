"""OS::Heat::ResourceGroup: N identically defined resources in a nested stack.

The group owns one nested stack whose resources are the members, named by
index (``'0'``, ``'1'``, ...). Names removed through ``removal_policies``
go on a skip list kept in the resource's data (``name_blacklist``, the key
upstream uses) and are never reused: numbering continues above them.

The module has two halves:

* pure helpers (no engine objects): member names, the skip list update,
  the member definition (``index_var`` substitution, None-valued
  properties dropped), the nested template, rolling-update and
  ``batch_create`` plans (sizes from :mod:`heat.scaling.rolling_update`);
* :class:`ResourceGroup`, the resource, which applies them to its nested
  stack through :class:`~heat.engine.resources.stack_resource.StackResource`.

Cost: the nested template is built once per create/update/batch; each
member's snippet costs O(size of ``resource_def``), never O(N).
"""

import copy
import time

from heat.common import exception
from heat.engine import attributes, constraints, properties
from heat.engine.resources import stack_resource
from heat.scaling import rolling_update as ru

#: The template version of the nested stack (upstream's).
NESTED_VERSION = '2015-04-30'

#: Resource data key of the skip list (comma-separated names, sorted).
SKIP_LIST_KEY = 'name_blacklist'

REMOVAL_MODES = (APPEND, UPDATE) = ('append', 'update')

REFS_MAP = 'refs_map'


# -- pure helpers -----------------------------------------------------------

def member_names(count, skip=()):
    """The names of a ``count``-member group, skipping ``skip``."""
    return ru.resource_group_names(count, skip)


def count_skipped(existing, skip):
    """How many of the ``existing`` member names are on the skip list."""
    return len(set(skip) & set(existing))


def parse_skip_list(stored):
    """The skip list stored in resource data (``'0,3'``) as a list."""
    return stored.split(',') if stored else []


def format_skip_list(names):
    return ','.join(sorted(names))


def new_skip_entries(removal_policies, current, members, name_for_ref,
                     nested_exists=True):
    """Names the ``removal_policies`` ask to remove.

    :param removal_policies: the ``removal_policies`` property value
    :param current: the stored skip list (a set)
    :param members: names of the nested stack's members (failed included)
    :param name_for_ref: maps a member's reference (``get_resource`` value,
        as in ``refs``) to its name, or None
    :param nested_exists: False before the nested stack exists: every
        entry is then taken as a name
    :returns: a list of names, in the order given

    An entry is a member name (a number is accepted and taken as text) or a
    member's reference; anything matching neither is ignored.
    """
    out = []
    for policy in removal_policies or ():
        for entry in (policy or {}).get('resource_list') or ():
            name = str(entry)
            if name in current or not nested_exists or name in members:
                out.append(name)
            elif isinstance(entry, str):
                found = name_for_ref(entry)
                if found is not None:
                    out.append(found)
    return out


def updated_skip_list(current, mode, removal_policies, members,
                      name_for_ref, nested_exists=True):
    """The new skip list and whether it differs from ``current``.

    ``mode`` ``'append'`` (the default) adds to the stored list;
    ``'update'`` replaces it with what the policies name now.
    """
    current = set(current)
    start = set() if mode == UPDATE else set(current)
    new = start | set(new_skip_entries(removal_policies, current, members,
                                       name_for_ref, nested_exists))
    return new, new != current


def clean_resource_def(resource_def, include_all=False):
    """A copy of ``resource_def`` for members.

    Properties whose value is None are dropped (so the member type's
    defaults apply) unless ``include_all``; falsy values (``''``, 0,
    False, [], {}) are kept.
    """
    res_def = copy.deepcopy(dict(resource_def or {}))
    props = res_def.get('properties')
    if props and not include_all:
        res_def['properties'] = {k: v for k, v in props.items()
                                 if v is not None}
    return res_def


def substitute_index(value, index_var, name):
    """``value`` with ``index_var`` replaced by ``name`` in every string.

    Strings, map values and list items are walked; map keys are not.
    """
    if isinstance(value, str):
        return value.replace(index_var, name)
    if isinstance(value, dict):
        return {k: substitute_index(v, index_var, name)
                for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [substitute_index(v, index_var, name) for v in value]
    return value


def member_snippet(res_def, name, index_var):
    """The HOT snippet of member ``name`` (index substituted in properties
    only: never in the type name or metadata)."""
    snippet = {'type': res_def['type']}
    props = res_def.get('properties')
    if props:
        snippet['properties'] = substitute_index(props, index_var, name)
    if res_def.get('metadata'):
        snippet['metadata'] = copy.deepcopy(res_def['metadata'])
    return snippet


def attribute_output_name(key, *path):
    """The nested stack output holding a group attribute (upstream's)."""
    if key == 'refs':
        return 'refs'
    return ', '.join(str(p) for p in (key,) + path)


def nested_outputs(names, referenced_attrs=()):
    """Outputs of the nested template: ``refs_map`` and one per attribute
    of the group that the parent template uses (so reading them needs no
    member loading)."""
    outputs = {}
    wanted = set(names)
    for attr in referenced_attrs:
        if isinstance(attr, str):
            key, path = attr, []
        else:
            key, path = attr[0], list(attr[1:])
        if not isinstance(key, str):
            continue
        out_name = attribute_output_name(key, *path)
        value = None
        if key.startswith('resource.'):
            parts = key.split('.', 2)
            attr_path = parts[2:] + path
            if attr_path and parts[1] in wanted:
                value = {'get_attr': [parts[1]] + attr_path}
        elif key == 'refs':
            value = [{'get_resource': n} for n in names]
        elif key == 'attributes':
            if path:
                value = {n: {'get_attr': [n] + path} for n in names}
        elif key not in (REFS_MAP, 'removed_rsrc_list'):
            value = [{'get_attr': [n, key] + path} for n in names]
        if value is not None:
            outputs[out_name] = {'value': value}
    outputs[REFS_MAP] = {'value': {n: {'get_resource': n} for n in names}}
    return outputs


def nested_template(snippets, referenced_attrs=()):
    """The nested stack's template from ``[(name, snippet)]``."""
    names = [n for n, _ in snippets]
    return {'heat_template_version': NESTED_VERSION,
            'resources': dict(snippets),
            'outputs': nested_outputs(names, referenced_attrs)}


def assemble(res_def, names, index_var, referenced_attrs=()):
    """The nested template for members ``names`` on ``res_def``."""
    return nested_template([(n, member_snippet(res_def, n, index_var))
                            for n in names], referenced_attrs)


def assemble_rolling(old_snippets, res_def, size, target, max_updates,
                     index_var, skip=(), referenced_attrs=()):
    """The nested template after one rolling-update batch.

    :param old_snippets: ``{name: snippet}`` of the current members
    :param size: the group's size after the batch
    :param target: the size the update ends at
    :param max_updates: members that get the new definition in this batch
    :returns: the template; members chosen by
        :func:`heat.scaling.rolling_update.resource_group_assemble`
        (highest indices first) get ``res_def``, the others keep their
        snippet
    """
    OLD, NEW = 0, 1
    existing = []
    for name, snippet in old_snippets.items():
        gen = NEW if snippet == member_snippet(res_def, name,
                                               index_var) else OLD
        existing.append((name, gen))
    plan = ru.resource_group_assemble(existing, size, target, max_updates,
                                      NEW, skip)
    snippets = []
    for name, gen in plan:
        if gen == NEW or name not in old_snippets:
            snippets.append((name, member_snippet(res_def, name, index_var)))
        else:
            snippets.append((name, copy.deepcopy(old_snippets[name])))
    snippets.sort(key=lambda item: int(item[0]) if item[0].isdigit()
                  else item[0])
    names = member_names(size, skip)
    return {'heat_template_version': NESTED_VERSION,
            'resources': dict(snippets),
            'outputs': nested_outputs(names, referenced_attrs)}


def replace_plan(target, existing, skip, batch_size, min_in_service,
                 pause_sec):
    """The tasks of a rolling update (or of ``batch_create``).

    :param existing: the current member names
    :returns: a list of ``('update', size, max_updates)`` and
        ``('pause', seconds)`` tasks; a pause goes between two batches
        when ``pause_sec`` is positive
    """
    current = len(existing) - count_skipped(existing, skip)
    batches = list(ru.resource_group_batches(target, current, batch_size,
                                             min_in_service))
    tasks = []
    for i, (size, max_updates) in enumerate(batches):
        tasks.append(('update', size, max_updates))
        if i < len(batches) - 1 and pause_sec > 0:
            tasks.append(('pause', pause_sec))
    return tasks


def batch_count(tasks):
    return sum(1 for t in tasks if t[0] == 'update')


# -- the resource -----------------------------------------------------------

#: Upstream's stack action timeout when the stack sets none, seconds.
DEFAULT_TIMEOUT_SECS = 3600

#: Upstream's longest pause between rolling-update batches, seconds.
MAX_PAUSE_SECS = 3600


class ResourceGroup(stack_resource.StackResource):
    """``count`` members of one definition, in a nested stack."""

    PROPERTIES = (
        COUNT, INDEX_VAR, RESOURCE_DEF, REMOVAL_POLICIES,
        REMOVAL_POLICIES_MODE,
    ) = (
        'count', 'index_var', 'resource_def', 'removal_policies',
        'removal_policies_mode',
    )
    _RESOURCE_DEF_KEYS = (DEF_TYPE, DEF_PROPERTIES, DEF_METADATA) = (
        'type', 'properties', 'metadata')
    REMOVAL_RSRC_LIST = 'resource_list'
    _UPDATE_POLICY_KEYS = (ROLLING_UPDATE, BATCH_CREATE) = (
        'rolling_update', 'batch_create')
    _ROLLING_KEYS = (MIN_IN_SERVICE, MAX_BATCH_SIZE, PAUSE_TIME) = (
        'min_in_service', 'max_batch_size', 'pause_time')
    ATTRIBUTES = (REFS, REFS_MAP_ATTR, ATTR_ATTRIBUTES, REMOVED_RSRC_LIST) = (
        'refs', REFS_MAP, 'attributes', 'removed_rsrc_list')

    properties_schema = {
        COUNT: properties.Schema(
            properties.Schema.INTEGER,
            'The number of resources to create.',
            default=1, constraints=[constraints.Range(min=0)],
            update_allowed=True),
        INDEX_VAR: properties.Schema(
            properties.Schema.STRING,
            'A variable this resource replaces with the index of a given '
            'resource in the group.',
            default='%index%', constraints=[constraints.Length(min=3)]),
        RESOURCE_DEF: properties.Schema(
            properties.Schema.MAP,
            'Resource definition for the resources in the group.',
            schema={
                DEF_TYPE: properties.Schema(
                    properties.Schema.STRING,
                    'The type of the resources in the group.',
                    required=True),
                DEF_PROPERTIES: properties.Schema(
                    properties.Schema.MAP,
                    'Property values for the resources in the group.'),
                DEF_METADATA: properties.Schema(
                    properties.Schema.MAP,
                    'Supplied metadata for the resources in the group.'),
            },
            required=True, update_allowed=True),
        REMOVAL_POLICIES: properties.Schema(
            properties.Schema.LIST,
            'Policies for removal of resources on update.',
            schema=properties.Schema(
                properties.Schema.MAP,
                'Policy to be processed when doing an update which '
                'requires removal of specific resources.',
                schema={
                    REMOVAL_RSRC_LIST: properties.Schema(
                        properties.Schema.LIST,
                        'Resources to remove: member names or references '
                        '(as in "refs"). A removed name is never reused.',
                        default=[]),
                }),
            default=[], update_allowed=True),
        REMOVAL_POLICIES_MODE: properties.Schema(
            properties.Schema.STRING,
            'How to handle changes to removal_policies on update: '
            '"append" adds to the stored list, "update" replaces it.',
            default=APPEND,
            constraints=[constraints.AllowedValues(list(REMOVAL_MODES))],
            update_allowed=True),
    }

    # Members' attributes too (see FnGetAtt).
    attributes_schema = stack_resource.OpenAttributeSchema({
        REFS: attributes.Schema(
            'A list of resource IDs for the resources in the group.'),
        REFS_MAP_ATTR: attributes.Schema(
            'A map of resource names to IDs for the resources in the '
            'group.'),
        ATTR_ATTRIBUTES: attributes.Schema(
            'A map of resource names to the specified attribute of each '
            'individual resource.'),
        REMOVED_RSRC_LIST: attributes.Schema(
            'A list of removed resource names.'),
    })

    rolling_update_schema = {
        MIN_IN_SERVICE: properties.Schema(
            properties.Schema.INTEGER,
            'The minimum number of resources in service while rolling '
            'updates are being executed.',
            constraints=[constraints.Range(min=0)], default=0),
        MAX_BATCH_SIZE: properties.Schema(
            properties.Schema.INTEGER,
            'The maximum number of resources to replace at once.',
            constraints=[constraints.Range(min=1)], default=1),
        PAUSE_TIME: properties.Schema(
            properties.Schema.NUMBER,
            'The number of seconds to wait between batches of updates.',
            constraints=[constraints.Range(min=0)], default=0),
    }

    batch_create_schema = {
        MAX_BATCH_SIZE: properties.Schema(
            properties.Schema.INTEGER,
            'The maximum number of resources to create at once.',
            constraints=[constraints.Range(min=1)], default=1),
        PAUSE_TIME: properties.Schema(
            properties.Schema.NUMBER,
            'The number of seconds to wait between batches.',
            constraints=[constraints.Range(min=0)], default=0),
    }

    update_policy_schema = {
        ROLLING_UPDATE: properties.Schema(
            properties.Schema.MAP, schema=rolling_update_schema),
        BATCH_CREATE: properties.Schema(
            properties.Schema.MAP, schema=batch_create_schema),
    }

    # -- definition helpers -------------------------------------------------

    def _update_policy(self, definition=None):
        definition = definition if definition is not None else self.t
        data = definition.resolved_update_policy() or {}
        return properties.Properties(
            self.update_policy_schema, data, parent_name=self.name,
            path=['resources', self.name, 'update_policy'])

    def _props(self, definition=None):
        if definition is None or definition is self.t:
            return self.properties
        return self.make_properties(definition)

    def get_size(self, props=None):
        return (props or self.properties)[self.COUNT]

    def get_resource_def(self, include_all=False, props=None):
        """The member definition: None-valued properties dropped unless
        ``include_all``."""
        props = props or self.properties
        return clean_resource_def(props[self.RESOURCE_DEF], include_all)

    # -- validation ---------------------------------------------------------

    def validate(self):
        result = super().validate()
        policy = self._update_policy()
        policy.validate()
        rolling = policy[self.ROLLING_UPDATE]
        if rolling and rolling.get(self.PAUSE_TIME, 0) > MAX_PAUSE_SECS:
            raise exception.StackValidationFailed(
                message='Maximum %s allowed is 1hr(3600s), provided %s '
                        'seconds.' % (self.PAUSE_TIME,
                                      rolling[self.PAUSE_TIME]),
                path=['resources', self.name])
        return result

    def planned_resource_count(self):
        """``count`` times what one member holds (1, or its own nested
        stack's count): one member is built, not ``count``."""
        try:
            size = self.get_size()
            if not size:
                return 0
            res_def = self.get_resource_def(include_all=True)
            first = member_names(1, self._skip_list())
            nested = self._parse_nested_stack(
                '%s-%s' % (self.stack.name, self.name),
                assemble(res_def, first, self.properties[self.INDEX_VAR]),
                {}, check_limits=False)
            return size * nested.planned_resource_count()
        except exception.RequestLimitExceeded:
            raise
        except Exception:  # noqa: BLE001 - validate() reports it
            return 1

    def validate_nested_stack(self):
        # A zero count lets template authors switch a group off, so its
        # member definition is not checked at all then.
        try:
            if not self.get_size():
                return
            res_def = self.get_resource_def(include_all=True)
        except exception.UserParameterMissing:
            # Validating without parameter values: the count or the
            # member definition is not known yet.
            return
        first = member_names(1, self._skip_list())
        test_tmpl = assemble(res_def, first, self.properties[self.INDEX_VAR])
        self.validate_member_template(test_tmpl)

    # -- skip list ------------------------------------------------------------

    def _stored_skip_list(self):
        return parse_skip_list(self.data().get(SKIP_LIST_KEY))

    def _ref_lookup(self):
        nested = self.nested()
        cache = {}

        def name_for_ref(ref):
            if nested is None:
                return None
            if not cache:
                for name, member in nested.resources.items():
                    cache.setdefault(member.FnGetRefId(), name)
            return cache.get(ref)
        return name_for_ref

    def _members(self):
        nested = self.nested() if self.resource_id is not None else None
        return set(nested.resources) if nested is not None else set()

    def _update_skip_list(self, props):
        current = self._stored_skip_list()
        new, changed = updated_skip_list(
            current, props[self.REMOVAL_POLICIES_MODE],
            props[self.REMOVAL_POLICIES], self._members(),
            self._ref_lookup(), nested_exists=self.resource_id is not None)
        if changed:
            self.data_set(SKIP_LIST_KEY, format_skip_list(new))
        return new

    def _skip_list(self):
        skip = set(self._stored_skip_list())
        if self.resource_id is None:
            skip |= set(new_skip_entries(
                self.properties[self.REMOVAL_POLICIES], skip, set(),
                lambda ref: None, nested_exists=False))
        return skip

    # -- nested template ------------------------------------------------------

    def _referenced_attrs(self):
        fn = getattr(self, 'referenced_attrs', None)
        try:
            return list(fn()) if callable(fn) else []
        except Exception:
            return []

    def child_template(self):
        return assemble(self.get_resource_def(),
                        member_names(self.get_size(), self._skip_list()),
                        self.properties[self.INDEX_VAR],
                        self._referenced_attrs())

    def child_params(self):
        return {}

    def _timeout_secs(self):
        mins = getattr(self.stack, 'timeout_mins', None)
        return mins * 60 if mins else DEFAULT_TIMEOUT_SECS

    def _pause(self, seconds):
        event = getattr(self.stack, 'cancel_event', None)
        if event is not None and hasattr(event, 'wait'):
            event.wait(seconds)
        else:
            time.sleep(seconds)

    def _current_snippets(self):
        nested = self.nested()
        if nested is None:
            return {}
        section = nested.t.get_section_name('resources')
        return copy.deepcopy(dict(nested.t.t.get(section) or {}))

    def _run_batches(self, props, tasks, res_def, skip):
        target = self.get_size(props)
        index_var = props[self.INDEX_VAR]
        snippets = self._current_snippets()
        for task in tasks:
            if task[0] == 'pause':
                self._pause(task[1])
                continue
            _, size, max_updates = task
            tmpl = assemble_rolling(snippets, res_def, size, target,
                                    max_updates, index_var, skip,
                                    self._referenced_attrs())
            self.update_with_template(tmpl, {})
            snippets = tmpl['resources']

    # -- lifecycle ------------------------------------------------------------

    def handle_create(self):
        skip = self._update_skip_list(self.properties)
        batch = self._update_policy()[self.BATCH_CREATE]
        size = self.get_size()
        if batch and size:
            # The nested stack exists from the start (empty), then grows
            # a batch at a time.
            self.create_with_template(nested_template([]), {})
            tasks = replace_plan(size, [], skip, batch[self.MAX_BATCH_SIZE],
                                 0, batch[self.PAUSE_TIME])
            self._run_batches(self.properties, tasks,
                              self.get_resource_def(), skip)
            return None
        self.create_with_template(
            assemble(self.get_resource_def(), member_names(size, skip),
                     self.properties[self.INDEX_VAR],
                     self._referenced_attrs()), {})
        return None

    def handle_adopt(self, resource_data):
        skip = self._update_skip_list(self.properties)
        tmpl = assemble(self.get_resource_def(),
                        member_names(self.get_size(), skip),
                        self.properties[self.INDEX_VAR],
                        self._referenced_attrs())
        self.create_with_template(tmpl, {}, adopt_data=resource_data)

    def handle_update(self, json_snippet, tmpl_diff, prop_diff):
        props = self.properties = self._props(json_snippet)
        policy = self._update_policy(json_snippet)
        skip = self._update_skip_list(props)
        res_def = self.get_resource_def(props=props)
        rolling = policy[self.ROLLING_UPDATE]
        if (prop_diff and self.RESOURCE_DEF in prop_diff and rolling and
                self.nested() is not None):
            existing = list(self.nested().resources)
            tasks = replace_plan(self.get_size(props), existing, skip,
                                 rolling[self.MAX_BATCH_SIZE],
                                 rolling[self.MIN_IN_SERVICE],
                                 rolling[self.PAUSE_TIME])
            ru.update_timeout(batch_count(tasks), rolling[self.PAUSE_TIME],
                              self._timeout_secs())
            self._run_batches(props, tasks, res_def, skip)
            return None
        tmpl = assemble(res_def, member_names(self.get_size(props), skip),
                        props[self.INDEX_VAR], self._referenced_attrs())
        self.update_with_template(tmpl, {})
        return None

    # -- attributes ---------------------------------------------------------

    def _member(self, name):
        nested = self.nested()
        if nested is None:
            return None
        return nested.resources.get(name)

    def _member_ref(self, name):
        member = self._member(name)
        return member.FnGetRefId() if member is not None else None

    def _member_attr(self, name, key, *path):
        member = self._member(name)
        return member.FnGetAtt(key, *path) if member is not None else None

    def _current_names(self):
        nested = self.nested()
        names = member_names(self.get_size(), self._skip_list())
        if nested is None:
            return names
        return [n for n in names if n in nested.resources]

    def FnGetAtt(self, key, *path):
        if key == self.REMOVED_RSRC_LIST:
            return sorted(self._stored_skip_list())
        if key == self.ATTR_ATTRIBUTES and not path:
            raise exception.InvalidTemplateAttribute(resource=self.name,
                                                     key=key)
        if key.startswith('resource.'):
            parts = key.split('.', 2)
            name = parts[1]
            if self._member(name) is None:
                if self.nested() is None:
                    return None
                raise exception.NotFound(
                    message="Member '%s' not found in group resource '%s'."
                    % (name, self.name))
            if len(parts) == 2 and not path:
                return self._member_ref(name)
            attr_path = parts[2:] + list(path)
            return self._member_attr(name, *attr_path)
        names = self._current_names()
        if key == self.REFS:
            refs = [self._member_ref(n) for n in names]
            return attributes.select_from_attribute(refs, path)
        if key == self.REFS_MAP_ATTR:
            return attributes.select_from_attribute(
                {n: self._member_ref(n) for n in names}, path)
        if key == self.ATTR_ATTRIBUTES:
            return {n: self._member_attr(n, *path) for n in names}
        return [self._member_attr(n, key, *path) for n in names]

    def FnGetAtts(self):
        return {k: self.FnGetAtt(k) for k in
                (self.REFS, self.REFS_MAP_ATTR, self.REMOVED_RSRC_LIST)}


def resource_mapping():
    return {'OS::Heat::ResourceGroup': ResourceGroup}
