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
def _parse_provider(template_name, text):
    """``(template dict, property schemata, attribute schemata)`` of a
    provider template's text; parsed once per distinct text (a group of
    a thousand provider members parses it once)."""
    parsed = template_format.parse(text, source=template_name)
    tmpl = tmpl_mod.Template.create(parsed)
    props = {name: properties.Schema.from_param(schema)
             for name, schema in tmpl.param_schemata().items()}
    outputs = tmpl.t.get(tmpl.get_section_name('outputs')) or {}
    attrs = {}
    for name, body in outputs.items():
        desc = body.get(tmpl.get_section_name('description')) \
            if isinstance(body, dict) else None
        attrs[name] = attributes.Schema(desc or 'No description given')
    return parsed, props, attrs


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
        self.validation_exception = None
        _, props, attrs = self._provider
        self.properties_schema = props
        self.attributes_schema = attrs

    def update(self, after, before=None, prev_resource=None):
        # The stack's files (and so the template) may have changed.
        old = self._provider
        self._set_provider(self.name, after, self.stack)
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
        files = stack.t.files or {}
        text = files.get(self.template_name)
        if text is None:
            raise ValueError('Could not fetch remote template "%s": it is '
                             'not in the files map' % self.template_name)
        if isinstance(text, dict):
            text = json.dumps(text)
        return _parse_provider(self.template_name, text)

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
        return super().validate()

    # -- references and attributes ---------------------------------------

    def _has_output(self, name):
        return self._provider is not None and name in self.attributes_schema

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
        return nested.output(name)

    def FnGetAtt(self, key, *path):
        if key not in self.attributes_schema:
            return super().FnGetAtt(key, *path)
        value = self._resolve_attribute(key)
        return attributes.select_from_attribute(value, path) if path \
            else value


#: What ``heat.engine.resources.create_resource`` instantiates for a type
#: the environment resolves to a template.
TEMPLATE_RESOURCE_CLASS = TemplateResource
