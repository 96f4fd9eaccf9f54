"""Provider templates as resources.

A resource whose type is a template (``type: my.yaml``) or is mapped to
one in the environment's ``resource_registry`` (``My::Server: my.yaml``)
is a nested stack made from that template:

* the template's parameters are the resource's properties (a parameter
  without a default is a required property); only the values the parent
  gives are passed, so the template's own defaults apply to the others,
  and falsy values (``''``, 0, false, [], {}) pass unchanged;
* its outputs are the resource's attributes; an ``OS::stack_id`` output
  is the resource's reference (``get_resource``), otherwise the nested
  stack's ARN;
* the template text comes from the stack's ``files`` map. There is no
  fetching over the network: a name missing from ``files`` is an error.

The registry entry that maps the type to this template is left out of the
nested stack's environment, so a template implementing ``OS::Nova::Server``
may itself use ``OS::Nova::Server``.

The engine's type registry (``heat.engine.resources.create_resource``)
finds this class as :data:`TEMPLATE_RESOURCE_CLASS`.
"""

import copy
import functools
import json
import weakref

from heat.common import exception, template_format
from heat.engine import attributes, properties
from heat.engine import template as tmpl_mod
from heat.engine.resources import stack_resource

#: Output of a provider template giving the resource's reference.
STACK_ID_OUTPUT = 'OS::stack_id'


@functools.lru_cache(maxsize=256)
def _parse_provider(template_name, text, defaulted=frozenset()):
    """``(template dict, property schemata, attribute schemata)`` of a
    provider template's text; parsed once per distinct text (a group of
    a thousand provider members parses it once).

    ``defaulted`` names the parameters the environment's
    ``parameter_defaults`` give a value: as upstream, their properties
    are not required even when the template has no default (the nested
    stack gets the value from the environment it inherits)."""
    parsed = template_format.parse(text, source=template_name)
    tmpl = tmpl_mod.Template.create(parsed)
    props = {}
    for name, schema in tmpl.param_schemata().items():
        props[name] = properties.Schema.from_param(schema)
        if name in defaulted:
            props[name].required = False
    outputs = tmpl.t.get(tmpl.get_section_name('outputs')) or {}
    attrs = {}
    for name, body in outputs.items():
        desc = body.get(tmpl.get_section_name('description')) \
            if isinstance(body, dict) else None
        attrs[name] = attributes.Schema(desc or 'No description given')
    return parsed, props, attrs


class _AttributesSchema(dict):
    """A provider's attributes (its outputs), which also answers for
    ``resource.<name>[.<attribute>]``: an attribute of a resource of the
    nested stack, as upstream's template resources allow."""

    def __contains__(self, key):
        if isinstance(key, str) and key.startswith('resource.'):
            return True
        return super().__contains__(key)


def _load_provider(stack, template_name):
    """:func:`_parse_provider` of a template of ``stack``'s files map."""
    files = stack.t.files or {}
    text = files.get(template_name)
    if text is None:
        raise ValueError('Could not fetch remote template "%s": it is '
                         'not in the files map' % template_name)
    if isinstance(text, dict):
        text = json.dumps(text)
    env = getattr(stack, 'env', None)
    defaults = getattr(env, 'param_defaults', None) or {}
    return _parse_provider(template_name, text, frozenset(defaults))


def _facade_schemata(stack, info):
    """``(property schemata, attribute names)`` of the facade ``info``
    (a ResourceInfo); None when the type is not one the engine has."""
    if info.template_name is not None:
        try:
            _, props, attrs = _load_provider(stack, info.template_name)
        except Exception:
            return None
        return props, _ordered(attrs, attributes.BASE_ATTRIBUTES)
    from heat.engine import resources
    try:
        cls = resources.get_class(info.value)
    except exception.HeatException:
        # upstream: no facade when the type is not registered
        return None
    if issubclass(cls, TemplateResource):
        return None
    props = {name: schema for name, schema in
             (getattr(cls, 'properties_schema', None) or {}).items()
             if isinstance(schema, properties.Schema)}
    return props, _ordered(getattr(cls, 'attributes_schema', None) or {},
                           getattr(cls, 'base_attributes_schema', None) or {})


def _ordered(*names):
    """The names of each iterable in turn, each once."""
    return list(dict.fromkeys(n for group in names for n in group))


#: group types whose members are, upstream, ``OS::Heat::ScaledResource``
#: (mapped to ``AWS::EC2::Instance`` in the member stack, and a type no
#: class implements): a provider template for their members has no facade
_SCALED_RESOURCE_GROUPS = ('AWS::AutoScaling::AutoScalingGroup',
                           'OS::Heat::InstanceGroup')

#: the parameter type a property of each type becomes in a provider
#: template (an Integer property is given by a number parameter)
_PARAM_PROP_TYPE = {properties.Schema.INTEGER: properties.Schema.NUMBER}


def template_name_of(type_name, stack, resource_name=None):
    """The provider template a type resolves to (None if none)."""
    info = stack.env.get_resource_info(type_name, resource_name)
    return info.template_name if info is not None else None


def _registry_key(type_name, stack, resource_name, template_name):
    """The registry key mapping ``type_name`` to the template, for removal
    from the child environment (None when the type is the template)."""
    if type_name == template_name:
        return None
    info = stack.env.get_resource_info(type_name, resource_name)
    chain = list(getattr(info, 'chain', []) or [])
    if len(chain) >= 2 and chain[-1] == template_name:
        key = chain[-2]
        registry = getattr(stack.env.registry, '_registry', {})
        if key in registry:
            return key
    return None


class TemplateResource(stack_resource.StackResource):
    """A resource implemented by a provider template's nested stack."""

    properties_schema = {}
    attributes_schema = {}

    def __init__(self, name, definition, stack):
        self._provider = None
        self.validation_exception = None
        self._set_provider(name, definition, stack)
        super().__init__(name, definition, stack)
        self.env_key_to_remove = _registry_key(
            definition.resource_type, stack, name, self.template_name)

    def _set_provider(self, name, definition, stack):
        """(Re)read the provider template from the stack's files and
        registry: schemas follow it (its text may change on update)."""
        type_name = definition.resource_type
        self.template_name = (template_name_of(type_name, stack, name) or
                              type_name)
        try:
            self._provider = self._load(stack)
        except Exception as exc:
            # Reported by validate() (and create), as upstream.
            self._provider = None
            self.validation_exception = exc
            self.properties_schema = {}
            self.attributes_schema = {}
            return
        self._use_provider(self._provider)

    def _use_provider(self, provider):
        self._provider = provider
        self.validation_exception = None
        _, props, attrs = provider
        self.properties_schema = props
        self.attributes_schema = _AttributesSchema(attrs)

    def _provider_it_has(self, before_update):
        """The provider this resource already is, when the new files no
        longer hold its template (a group's members not in the current
        batch, an old resource being replaced): the one it was built
        with, else its nested stack's stored template, as upstream falls
        back to the nested stack's template."""
        if before_update is not None:
            return before_update
        nested = self.nested() if self.resource_id is not None else None
        if nested is None:
            return None
        try:
            return _parse_provider(self.template_name,
                                   json.dumps(nested.t.t))
        except Exception:  # noqa: BLE001 - then the files' error stands
            return None

    def update(self, after, before=None, prev_resource=None):
        if self.implementation_changed(after):
            # another provider template (or type): a replacement, which
            # the base class raises; this one keeps the provider it has
            return super().update(after, before, prev_resource)
        # The stack's files (and so the template) may have changed.
        old = self._provider
        self._set_provider(self.name, after, self.stack)
        if self._provider is None:
            kept = self._provider_it_has(old)
            if kept is not None:
                self._use_provider(kept)
        if self._provider is not old:
            self._properties = None
            self.attributes = attributes.Attributes(
                self.name, dict(self.base_attributes_schema,
                                **self.attributes_schema),
                self._make_resolver(weakref.ref(self)))
        self.env_key_to_remove = _registry_key(
            after.resource_type, self.stack, self.name, self.template_name)
        return super().update(after, before, prev_resource)

    def metadata_update(self, new_metadata=None):
        """Re-resolve the template's metadata and store it (as upstream's
        provider resources do after a signal: metadata may name other
        resources' attributes, e.g. a group's ``InstanceList``)."""
        if new_metadata is None:
            new_metadata = self._template_metadata()
        if self.id is not None and self.action != self.INIT:
            self.metadata_set(new_metadata)

    def _load(self, stack):
        return _load_provider(stack, self.template_name)

    @property
    def template_url(self):
        return self.template_name

    # -- StackResource ---------------------------------------------------

    def child_template(self):
        if self.validation_exception is not None:
            raise self.validation_exception
        return copy.deepcopy(self._provider[0])

    def child_params(self):
        """The parent's property values, as the nested parameters."""
        params = {}
        for name in self.properties_schema:
            if self.properties.get_user_value(name) is None:
                continue
            params[name] = self.properties[name]
        return params

    def validate(self):
        if self.validation_exception is not None:
            raise exception.StackValidationFailed(
                message=str(self.validation_exception),
                path=['resources', self.name])
        result = super().validate()
        self._validate_against_facade()
        return result

    def _validate_against_facade(self):
        """As upstream: a template registered for a type that exists
        without it (another mapping of the type, or a type the engine
        implements) stands in for that facade, so it must take the
        facade's required properties, with the same types, require none
        the facade lacks, and have every facade attribute as an
        output."""
        registry = getattr(self.stack.env, 'registry', None)
        if registry is None or self._is_scaled_resource():
            return
        info = registry.facade_info(self.type(), self.name,
                                    self.template_name)
        facade = _facade_schemata(self.stack, info) if info else None
        if facade is None:
            return
        facade_props, facade_attrs = facade
        for name, fs in facade_props.items():
            ps = self.properties_schema.get(name)
            if ps is None:
                if fs.required:
                    raise exception.StackValidationFailed(
                        message='Required property %s for facade %s '
                                'missing in provider' % (name, self.type()))
                continue
            expected = _PARAM_PROP_TYPE.get(fs.type, fs.type)
            if expected != properties.Schema.ANY and expected != ps.type:
                raise exception.StackValidationFailed(
                    message='Property %s type mismatch between facade %s '
                            '(%s) and provider (%s)' % (
                                name, self.type(), fs.type, ps.type))
        for name, ps in self.properties_schema.items():
            if ps.required and name not in facade_props:
                raise exception.StackValidationFailed(
                    message='Provider requires property %s unknown in '
                            'facade %s' % (name, self.type()))
        provided = set(self.attributes_schema) | set(
            self.base_attributes_schema)
        for name in facade_attrs:
            if name not in provided:
                raise exception.StackValidationFailed(
                    message='Attribute %s for facade %s missing in '
                            'provider' % (name, self.type()))

    def _is_scaled_resource(self):
        parent = getattr(self.stack, 'parent_resource', None)
        try:
            return parent is not None and \
                parent.type() in _SCALED_RESOURCE_GROUPS
        except Exception:  # noqa: BLE001 - no parent type, no exception
            return False

    # -- references and attributes ---------------------------------------

    def _has_output(self, name):
        return (self._provider is not None and
                dict.__contains__(self.attributes_schema, name))

    def FnGetRefId(self):
        nested = self.nested()
        if nested is None:
            return self.name
        if self._has_output(STACK_ID_OUTPUT):
            return nested.output(STACK_ID_OUTPUT)
        return nested.identifier().arn()

    def _resolve_attribute(self, name):
        if not self._has_output(name):
            return None
        nested = self.nested()
        if nested is None:
            return None
        try:
            return nested.output(name)
        except exception.NotFound:
            raise
        except Exception as exc:
            # as upstream: the nested output's error, named by the
            # resource and the output it was read from
            raise exception.TemplateOutputError(
                resource=self.name, attribute=name,
                message=str(exc)) from exc

    def _nested_resource_attribute(self, key, path):
        """``resource.<name>``: the nested resource's reference;
        ``resource.<name>.<attribute>`` (and a path): its attribute."""
        nested = self.nested()
        if nested is None:
            return None
        parts = key.split('.', 2)
        if not nested.has_resource(parts[1]):
            raise exception.InvalidTemplateAttribute(resource=self.name,
                                                     key=key)
        member = nested[parts[1]]
        attr_path = parts[2:] + list(path)
        if not attr_path:
            return member.FnGetRefId()
        return member.FnGetAtt(*attr_path)

    def FnGetAtt(self, key, *path):
        if isinstance(key, str) and key.startswith('resource.'):
            return self._nested_resource_attribute(key, path)
        if key not in self.attributes_schema:
            return super().FnGetAtt(key, *path)
        value = self._resolve_attribute(key)
        return attributes.select_from_attribute(value, path) if path \
            else value


#: What ``heat.engine.resources.create_resource`` instantiates for a type
#: the environment resolves to a template.
TEMPLATE_RESOURCE_CLASS = TemplateResource
