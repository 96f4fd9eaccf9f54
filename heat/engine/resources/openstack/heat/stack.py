"""``OS::Heat::Stack``: a stack created from a template given inline.

Upstream creates the stack through the Heat API of a region (or another
cloud, with ``context``). This engine has one region, so the stack is a
nested stack of this one: ``template`` (HOT or CFN text) with
``parameters``, a ``timeout`` in minutes. Attributes: ``stack_name`` and
``outputs`` (output name -> value); the reference is the stack's id.
A ``context.region_name`` other than the engine's own region is refused
(no catalog to find its Heat endpoint in), and an invalid template is
reported as upstream quotes the region's validate answer.
"""

from oslo_config import cfg

from heat.common import exception, template_format
from heat.engine import attributes, properties
from heat.engine.resources import stack_resource

#: the region of a cloud whose Keystone names none (Keystone's default)
DEFAULT_REGION = 'RegionOne'


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

    def _own_region(self):
        """The region this engine serves: ``region_name_for_services``,
        else the request's, else Keystone's default."""
        try:
            configured = cfg.CONF.region_name_for_services
        except cfg.NoSuchOptError:
            configured = None
        return (configured or getattr(self.context, 'region_name', None)
                or DEFAULT_REGION)

    def _region(self, props):
        """The region the stack is to be made in; one other than this
        engine's own is refused with upstream's message: without a
        Keystone catalog to look it up in, its Heat endpoint cannot be
        reached."""
        ctx = props[self.CONTEXT] or {}
        own = self._own_region()
        region = ctx.get(self.REGION_NAME) or own
        if region != own:
            interface = cfg.CONF.clients.endpoint_type \
                if 'clients' in cfg.CONF else 'publicURL'
            reason = ('%s endpoint for orchestration service in %s region '
                      'not found' % (interface, region))
            raise exception.StackValidationFailed(
                message='Cannot establish connection to Heat endpoint at '
                        'region "%s" due to "%s"' % (region, reason))
        return region

    def validate_nested_stack(self):
        """As upstream validates the template with the Heat API of the
        region: an error is the API's answer, quoted."""
        region = self._region(self.properties)
        try:
            nested = self._parse_nested_stack(
                '%s-%s' % (self.stack.name, self.name),
                self.child_template(), self.child_params(),
                check_limits=False)
            nested.strict_validate = False
            nested.validate()
        except exception.RequestLimitExceeded:
            raise
        except Exception as exc:
            if isinstance(exc, exception.StackValidationFailed):
                answer = exc.api_message()
            elif isinstance(exc, exception.HeatException):
                answer = exc.message
            else:
                answer = str(exc)
            raise exception.StackValidationFailed(
                message='Failed validating stack template using Heat '
                        'endpoint at region "%s" due to "ERROR: %s"'
                        % (region, answer)) from exc

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
        self._region(self.properties)
        self.create_with_template(self.child_template(), self.child_params(),
                                  self.properties[self.TIMEOUT])

    def handle_adopt(self, resource_data):
        # as a create: the same region check and timeout, the nested
        # stack's resources taken from the adopt data
        self._region(self.properties)
        self.create_with_template(self.child_template(), self.child_params(),
                                  self.properties[self.TIMEOUT],
                                  adopt_data=resource_data)

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
