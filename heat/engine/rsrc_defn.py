"""A resource definition, independent of the template format.

The template classes build a :class:`ResourceDefinition` from each entry of
the ``resources`` section: the fields hold parsed snippets (functions bound
to the stack), resolved only when asked for.
"""

import collections.abc
import itertools

from heat.common import exception
from heat.engine import function

DELETION_POLICIES = (DELETE, RETAIN, SNAPSHOT) = ('Delete', 'Retain',
                                                   'Snapshot')


class ResourceDefinition:
    """One resource of a template.

    ``depends_on`` is a list of names. ``deletion_policy`` is one of
    :data:`DELETION_POLICIES` or None (the default, ``Delete``); a resource
    with an ``external_id`` is never deleted, so its policy is ``Retain``.
    ``section`` and the ``*_key`` names are the template's spelling of the
    fields, used in the path of errors.
    """

    DELETION_POLICIES = DELETION_POLICIES
    DELETE, RETAIN, SNAPSHOT = DELETE, RETAIN, SNAPSHOT

    def __init__(self, name, resource_type, properties=None, metadata=None,
                 depends_on=None, deletion_policy=None, update_policy=None,
                 description=None, condition=None, external_id=None,
                 keys=None, section='resources'):
        self.name = name
        self.resource_type = resource_type
        self.properties = properties
        self.metadata = metadata
        self.depends_on = list(depends_on or [])
        if external_id is not None:
            deletion_policy = RETAIN
        if deletion_policy is not None and \
                deletion_policy not in DELETION_POLICIES:
            raise ValueError('Invalid deletion policy "%s"'
                             % (deletion_policy,))
        self.deletion_policy = deletion_policy
        self.update_policy = update_policy
        self.description = description
        self.condition = condition
        self.external_id = external_id
        self.section = section
        self.keys = dict(_HOT_KEYS)
        self.keys.update(keys or {})

    # -- paths -----------------------------------------------------------

    def path(self, field=None):
        """The template path of the resource, or of one of its fields."""
        out = [self.section, self.name]
        if field is not None:
            out.append(self.keys.get(field, field))
        return out

    def _dotted(self, field):
        return '.'.join(str(p) for p in self.path(field))

    # -- checks ----------------------------------------------------------

    def validate(self):
        """Check the arguments of every function in the definition."""
        self._validate_properties()
        for field in ('metadata', 'update_policy', 'external_id'):
            function.validate(getattr(self, field), self.path(field))

    def _validate_properties(self):
        """As :meth:`validate`, for ``properties``. A parameter that the
        template does not declare is, as upstream meets it (resolving the
        property's value), a ``Property error`` of the top-level property
        that names it, not of the function."""
        props = self.properties
        if not isinstance(props, collections.abc.Mapping):
            function.validate(props, self.path('properties'))
            return
        for key, value in props.items():
            path = self.path('properties') + [key]
            try:
                function.validate(value, path)
            except exception.StackValidationFailed as exc:
                missing = _cause(exc, exception.UserParameterMissing)
                if missing is None:
                    raise
                raise exception.StackValidationFailed(
                    error='Property error', path=path,
                    message=str(missing)) from exc

    def required_resource_names(self):
        """Names this resource refers to: functions, then ``depends_on``.

        Done without looking at the rest of the template; use
        :meth:`dependencies` for checked names. A resource with an
        ``external_id`` exists outside the stack, so it depends on nothing;
        giving it a ``depends_on`` is an error, as upstream.
        """
        if self.external_id is not None:
            if self.depends_on:
                raise exception.InvalidExternalResourceDependency(
                    external_id=function.resolve(
                        self.external_id, path=self.path('external_id')),
                    resource_type=self.resource_type)
            return []
        names = itertools.chain(
            self.depends_on,
            function.dependencies(self.properties,
                                  self._dotted('properties')),
            function.dependencies(self.metadata, self._dotted('metadata')))
        return list(dict.fromkeys(names))

    def dependencies(self, stack):
        """Names of the resources of ``stack`` this resource needs.

        A ``depends_on`` name that is not a resource of the template is an
        error (:class:`~heat.common.exception.InvalidTemplateReference`);
        one whose condition left it out of the stack is dropped.
        """
        defined = None
        out = []
        for name in self.required_resource_names():
            if stack.has_resource(name):
                out.append(name)
                continue
            if defined is None:
                # only for a name the stack does not hold (rare): the
                # template's names are not gathered for every resource
                # of a big stack (that made its graph quadratic)
                template = getattr(stack, 't', None)
                all_names = getattr(template, 'all_rsrc_names', None)
                defined = set(all_names()) if callable(all_names) else set()
            if name in defined:
                continue
            raise exception.InvalidTemplateReference(resource=name,
                                                     key=self.name)
        return out

    def dep_attrs(self, resource_name):
        """Attributes of ``resource_name`` used by properties/metadata."""
        return itertools.chain(
            function.dep_attrs(self.properties, resource_name),
            function.dep_attrs(self.metadata, resource_name))

    # -- values ----------------------------------------------------------

    def resolved_properties(self):
        """The properties with every function resolved ({} when none)."""
        return function.resolve(self.properties,
                                path=self.path('properties')) or {}

    def resolved_metadata(self):
        """The metadata with every function resolved ({} when none)."""
        return function.resolve(self.metadata,
                                path=self.path('metadata')) or {}

    def resolved_update_policy(self):
        return function.resolve(self.update_policy,
                                path=self.path('update_policy')) or {}

    def resolved_external_id(self):
        return function.resolve(self.external_id,
                                path=self.path('external_id'))

    def effective_deletion_policy(self):
        """The policy in force: ``Delete`` unless the template says."""
        return self.deletion_policy or DELETE

    def render_hot(self):
        """The HOT form of this definition (functions as template data)."""
        fields = (('type', self.resource_type),
                  ('properties', self.properties),
                  ('metadata', self.metadata),
                  ('depends_on', self.depends_on or None),
                  ('deletion_policy', self.deletion_policy),
                  ('update_policy', self.update_policy),
                  ('description', self.description),
                  ('external_id', self.external_id),
                  ('condition', self.condition))
        return {k: function.unparse(v) for k, v in fields if v is not None}

    def __eq__(self, other):
        if not isinstance(other, ResourceDefinition):
            return NotImplemented
        return self.render_hot() == other.render_hot()

    def __hash__(self):
        return hash((self.name, self.resource_type))

    def __repr__(self):
        return 'ResourceDefinition(%r, %r)' % (self.name, self.resource_type)


_HOT_KEYS = {'type': 'type', 'properties': 'properties',
             'metadata': 'metadata', 'depends_on': 'depends_on',
             'deletion_policy': 'deletion_policy',
             'update_policy': 'update_policy', 'description': 'description',
             'condition': 'condition', 'external_id': 'external_id'}


def _cause(exc, kind):
    """``exc`` or the exception it was raised from that is a ``kind``."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, kind):
            return exc
        seen.add(id(exc))
        exc = exc.__cause__
    return None
