"""``OS::Heat::Stack``: a stack created from a template given inline.

Upstream creates the stack through the Heat API of a region (or another
cloud, with ``context``). This engine has one region, so the stack is a
nested stack of this one: ``template`` (HOT or CFN text) with
``parameters``, a ``timeout`` in minutes. Attributes: ``stack_name`` and
``outputs`` (output name -> value); the reference is the stack's id.
"""

from heat.common import exception, template_format
from heat.engine import attributes, properties
from heat.engine.resources import stack_resource


class Stack(stack_resource.StackResource):
    """A nested stack from an inline template."""

    PROPERTIES = (CONTEXT, TEMPLATE, TIMEOUT, PARAMETERS) = (
        'context', 'template', 'timeout', 'parameters')
    _CONTEXT_KEYS = (REGION_NAME, CREDENTIAL_SECRET_ID, CA_CERT,
                     SSL_INSECURE) = (
        'region_name', 'credential_secret_id', 'ca_cert', 'insecure')
    ATTRIBUTES = (NAME_ATTR, OUTPUTS) = ('stack_name', 'outputs')

    properties_schema = {
        CONTEXT: properties.Schema(
            properties.Schema.MAP, 'Context for this stack.',
            update_allowed=True,
            schema={
                REGION_NAME: properties.Schema(
                    properties.Schema.STRING,
                    'Region name in which this stack will be created.'),
                CREDENTIAL_SECRET_ID: properties.Schema(
                    properties.Schema.STRING,
                    'A Barbican secret holding the credentials of a remote '
                    'cloud (not supported by this engine).'),
                CA_CERT: properties.Schema(
                    properties.Schema.STRING,
                    'CA certificate of the remote cloud (not supported).'),
                SSL_INSECURE: properties.Schema(
                    properties.Schema.BOOLEAN,
                    'Skip TLS verification of the remote cloud (not '
                    'supported).', default=False),
            }),
        TEMPLATE: properties.Schema(
            properties.Schema.STRING,
            'Template that specifies the stack to be created as a '
            'resource.', required=True, update_allowed=True),
        TIMEOUT: properties.Schema(
            properties.Schema.INTEGER,
            'Number of minutes to wait for this stack creation.',
            update_allowed=True),
        PARAMETERS: properties.Schema(
            properties.Schema.MAP, 'Set of parameters passed to this stack.',
            default={}, update_allowed=True),
    }

    attributes_schema = {
        NAME_ATTR: attributes.Schema('Name of the stack.'),
        OUTPUTS: attributes.Schema(
            'A dict of key-value pairs output from the stack.'),
    }

    def _props(self, definition=None):
        if definition is None or definition is self.t:
            return self.properties
        return self.make_properties(definition)

    def _check_context(self, props):
        ctx = props[self.CONTEXT] or {}
        if ctx.get(self.CREDENTIAL_SECRET_ID):
            raise exception.StackValidationFailed(
                message='Stacks in a remote cloud (credential_secret_id) '
                        'are not supported by this engine',
                path=['resources', self.name, 'properties', self.CONTEXT])

    def child_template(self, props=None):
        props = props or self.properties
        return template_format.parse(props[self.TEMPLATE])

    def child_params(self, props=None):
        props = props or self.properties
        return dict(props[self.PARAMETERS] or {})

    def validate(self):
        self._check_context(self.properties)
        return super().validate()

    def handle_create(self):
        self.create_with_template(self.child_template(), self.child_params(),
                                  self.properties[self.TIMEOUT])

    def handle_update(self, json_snippet, tmpl_diff, prop_diff):
        props = self._props(json_snippet)
        self.update_with_template(self.child_template(props),
                                  self.child_params(props),
                                  props[self.TIMEOUT])

    def needs_replace_with_prop_diff(self, changed, after_props,
                                     before_props):
        if self.CONTEXT not in changed:
            return False
        after = (after_props.get(self.CONTEXT) or {}).get(self.REGION_NAME)
        before = (before_props.get(self.CONTEXT) or {}).get(self.REGION_NAME)
        return after != before

    def FnGetRefId(self):
        return self.resource_id or self.name

    def _resolve_attribute(self, name):
        nested = self.nested()
        if name == self.NAME_ATTR:
            return nested.name if nested is not None else \
                self.physical_resource_name()
        if name == self.OUTPUTS:
            if nested is None:
                return None
            return dict(nested.outputs())
        return None


def resource_mapping():
    return {'OS::Heat::Stack': Stack}
