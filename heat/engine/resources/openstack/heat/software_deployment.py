"""Software deployments: ``OS::Heat::SoftwareDeployment``,
``OS::Heat::StructuredDeployment`` and their groups,
``OS::Heat::SoftwareDeploymentGroup`` and
``OS::Heat::StructuredDeploymentGroup``.

A deployment associates a server (any id: no Nova is needed) with a
config. For each action in ``actions`` (default CREATE and UPDATE) it
makes a *derived config*: the source config with each input's value
(from ``input_values``, else the input's default; values with no
declared input become inputs too) and the ``deploy_*`` inputs
(``deploy_server_id``, ``deploy_action``, ``deploy_stack_id``,
``deploy_resource_name``, ``deploy_signal_transport``, and for
CFN_SIGNAL ``deploy_signal_id``, a pre-signed URL of ``POST
/v1/signal/<arn>``, with ``deploy_signal_verb``). It then creates (or
updates) its row in ``software_deployment`` (the physical id is the
deployment id) pointing at the derived config, which is what the
server's agent reads (``GET /software_deployments/metadata/<server>``).

Waiting: with ``NO_SIGNAL`` the deployment is COMPLETE at once;
otherwise it is IN_PROGRESS and the resource waits (within the stack
timeout) until a signal (``POST .../resources/<name>/signal``, the
pre-signed URL, or the ``signal_software_deployment`` /
``update_software_deployment`` RPCs) makes it COMPLETE, or FAILED
(``Deployment to server failed: <reason>``). Attributes
``deploy_stdout``, ``deploy_stderr``, ``deploy_status_code`` and every
output of the config are the signalled values.

``TEMP_URL_SIGNAL`` and ``ZAQAR_SIGNAL`` need swift and zaqar, which
this engine does not offer: they fail validation naming the property.

A group makes one deployment per entry of its ``servers`` map (named by
the key) in a nested stack; its attributes are maps keyed by those
names. Upstream's ``update_policy`` of the groups: ``batch_create``
creates ``max_batch_size`` deployments at a time, ``rolling_update``
updates the new or changed ones ``max_batch_size`` at a time, with
``pause_time`` seconds between batches (ResourceGroup's batches with no
``min_in_service``). ``OS::Heat::SoftwareDeployments`` and
``OS::Heat::StructuredDeployments`` are upstream's hidden old names of the
groups: the same classes.

A deployment whose config is a ``OS::Heat::SoftwareComponent`` (group
``component``) runs for the actions the component has a config for.
"""

import datetime
import urllib.parse
import uuid

from heat.common import config as heat_config
from heat.common import exception, signing
from heat.engine import attributes, constraints, properties, resource
from heat.engine import software_config_service as sc_service
from heat.engine.resources import stack_resource
from heat.engine.resources.openstack.heat import resource_group
from heat.scaling import rolling_update as ru

ACCESS_KEY, SECRET_KEY = 'access_key', 'secret_key'

SIGNAL_TRANSPORTS = (CFN_SIGNAL, TEMP_URL_SIGNAL, HEAT_SIGNAL, NO_SIGNAL,
                     ZAQAR_SIGNAL) = (
    'CFN_SIGNAL', 'TEMP_URL_SIGNAL', 'HEAT_SIGNAL', 'NO_SIGNAL',
    'ZAQAR_SIGNAL')
#: transports needing a service this engine does not offer
MISSING_SERVICES = {TEMP_URL_SIGNAL: 'swift (Object Storage)',
                    ZAQAR_SIGNAL: 'zaqar (Messaging)'}


def default_transport():
    """``[DEFAULT] default_deployment_signal_transport``."""
    return heat_config.CONF.default_deployment_signal_transport


def check_transport(rsrc, transport):
    """Refuse a ``signal_transport`` needing a missing service, naming
    ``rsrc``'s property."""
    service = MISSING_SERVICES.get(transport)
    if service is not None:
        raise exception.StackValidationFailed(
            message='signal_transport %s needs the %s service, which this '
                    'engine does not offer (use CFN_SIGNAL, HEAT_SIGNAL or '
                    'NO_SIGNAL)' % (transport, service),
            path=rsrc.t.path('properties') + ['signal_transport'])


#: the group of a software component's config (OS::Heat::SoftwareComponent)
COMPONENT_GROUP = 'component'


def component_actions(config):
    """The actions a software component's stored config (``{'configs':
    [{actions, config, tool}]}``) has a config for."""
    found = set()
    for item in (config or {}).get('configs') or []:
        found.update((item or {}).get('actions') or [])
    return found


def _input(name, value, description=None):
    entry = {'name': name, 'type': 'String', 'value': value,
             'replace_on_change': False}
    if description:
        entry['description'] = description
    return entry


class SoftwareDeployment(resource.Resource):
    """Deploys a software config to a server (see the module doc)."""

    PROPERTIES = (CONFIG, SERVER, INPUT_VALUES, DEPLOY_ACTIONS, NAME,
                  SIGNAL_TRANSPORT) = (
        'config', 'server', 'input_values', 'actions', 'name',
        'signal_transport')
    ALLOWED_DEPLOY_ACTIONS = (resource.Resource.CREATE,
                              resource.Resource.UPDATE,
                              resource.Resource.DELETE,
                              resource.Resource.SUSPEND,
                              resource.Resource.RESUME)
    ATTRIBUTES = (STDOUT, STDERR, STATUS_CODE) = sc_service.OUTPUTS

    DERIVED_CONFIG_INPUTS = (
        DEPLOY_SERVER_ID, DEPLOY_ACTION, DEPLOY_SIGNAL_ID, DEPLOY_STACK_ID,
        DEPLOY_RESOURCE_NAME, DEPLOY_SIGNAL_VERB, DEPLOY_SIGNAL_TRANSPORT,
    ) = (
        'deploy_server_id', 'deploy_action', 'deploy_signal_id',
        'deploy_stack_id', 'deploy_resource_name', 'deploy_signal_verb',
        'deploy_signal_transport')

    properties_schema = {
        CONFIG: properties.Schema(
            properties.Schema.STRING,
            'ID of software configuration resource to execute when '
            'applying to the server.', update_allowed=True),
        SERVER: properties.Schema(
            properties.Schema.STRING,
            'ID of resource to apply configuration to. Normally this '
            'should be a Nova server ID.', required=True),
        INPUT_VALUES: properties.Schema(
            properties.Schema.MAP,
            'Input values to apply to the software configuration on this '
            'server.', update_allowed=True),
        DEPLOY_ACTIONS: properties.Schema(
            properties.Schema.LIST,
            'Which lifecycle actions of the deployment resource will '
            'result in this deployment being triggered.',
            update_allowed=True,
            default=[resource.Resource.CREATE, resource.Resource.UPDATE],
            constraints=[constraints.AllowedValues(
                list(ALLOWED_DEPLOY_ACTIONS))]),
        NAME: properties.Schema(
            properties.Schema.STRING,
            'Name of the derived config associated with this deployment. '
            'This is used to apply a sort order to the list of '
            'configurations currently deployed to a server.',
            update_allowed=True),
        SIGNAL_TRANSPORT: properties.Schema(
            properties.Schema.STRING,
            'How the server should signal to heat with the deployment '
            'output values. CFN_SIGNAL will allow an HTTP POST to a CFN '
            'keypair signed URL. TEMP_URL_SIGNAL will create a Swift '
            'TempURL to be signaled via HTTP PUT. HEAT_SIGNAL will allow '
            'calls to the Heat API resource-signal using the provided '
            'keystone credentials. ZAQAR_SIGNAL will create a dedicated '
            'zaqar queue to be signaled using the provided keystone '
            'credentials. NO_SIGNAL will result in the resource going to '
            'the COMPLETE state without waiting for any signal.',
            default=default_transport(),
            constraints=[constraints.AllowedValues(
                list(SIGNAL_TRANSPORTS))]),
    }

    attributes_schema = stack_resource.OpenAttributeSchema({
        STDOUT: attributes.Schema(
            'Captured stdout from the configuration execution.',
            type=attributes.Schema.STRING),
        STDERR: attributes.Schema(
            'Captured stderr from the configuration execution.',
            type=attributes.Schema.STRING),
        STATUS_CODE: attributes.Schema(
            'Returned status code from the configuration execution.',
            type=attributes.Schema.STRING),
    })

    #: a server may signal whatever the resource is doing
    no_signal_actions = ()
    #: signals change the deployment row, not the stack's metadata
    signal_needs_metadata_updates = False
    #: a signal must find the deployment id while the action runs
    persist_resource_id = True
    secret_data_keys = frozenset((ACCESS_KEY, SECRET_KEY))
    poll_max = 1.0

    # -- validation --------------------------------------------------------

    def _transport(self):
        return self.properties[self.SIGNAL_TRANSPORT] or default_transport()

    def validate(self):
        result = super().validate()
        check_transport(self, self._transport())
        return result

    # -- the derived config ------------------------------------------------

    def _load_config(self, config_id=None):
        if config_id is None:
            config_id = self.properties[self.CONFIG]
        if not config_id:
            return {}
        return sc_service.API.show_software_config(self.context, config_id)

    def _signal_inputs(self, transport):
        if transport != CFN_SIGNAL:
            return []
        return [_input(self.DEPLOY_SIGNAL_ID, self._signed_url(),
                       'ID of signal to use for signaling output values'),
                _input(self.DEPLOY_SIGNAL_VERB, 'POST',
                       'HTTP verb to use for signaling output values')]

    def _signed_url(self):
        data = self.data()
        access, secret = data.get(ACCESS_KEY), data.get(SECRET_KEY)
        if not (access and secret):
            access, secret = signing.new_credentials()
            self.data_set(ACCESS_KEY, access, redact=True)
            self.data_set(SECRET_KEY, secret, redact=True)
        path = '/v1/signal/' + urllib.parse.quote(self.identifier().arn(),
                                                  safe='')
        return signing.presigned_url('POST', signing.public_base_url(),
                                     path, access, secret)

    def _derived_inputs(self, action, source):
        values = dict(self.properties[self.INPUT_VALUES] or {})
        inputs = []
        for declared in source.get(sc_service.CONFIG_INPUTS) or []:
            entry = dict(declared)
            entry['value'] = values.pop(declared['name'],
                                        declared.get('default'))
            inputs.append(entry)
        # values with no declared input are inputs too
        for name, value in values.items():
            inputs.append(_input(name, value))
        transport = self._transport()
        inputs += [
            _input(self.DEPLOY_SERVER_ID, self.properties[self.SERVER],
                   'ID of the server being deployed to'),
            _input(self.DEPLOY_ACTION, action,
                   'Name of the current action being deployed'),
            _input(self.DEPLOY_STACK_ID,
                   self.stack.identifier().stack_path(),
                   'ID of the stack this deployment belongs to'),
            _input(self.DEPLOY_RESOURCE_NAME, self.name,
                   'Name of this deployment resource in the stack'),
            _input(self.DEPLOY_SIGNAL_TRANSPORT, transport,
                   'How the server should signal to heat with the '
                   'deployment output values.'),
        ] + self._signal_inputs(transport)
        return inputs

    def _derived_config(self, action, source, inputs):
        """The config body of the derived config (StructuredDeployment
        substitutes the inputs)."""
        return source.get(sc_service.CONFIG_CONFIG)

    def _create_derived_config(self, action, source):
        inputs = self._derived_inputs(action, source)
        body = self._derived_config(action, source, inputs)
        name = (self.properties[self.NAME] or
                source.get(sc_service.CONFIG_NAME) or
                self.physical_resource_name())
        made = sc_service.API.create_software_config(
            self.context, source.get(sc_service.CONFIG_GROUP) or
            'Heat::Ungrouped', name, '' if body is None else body,
            inputs=inputs,
            outputs=source.get(sc_service.CONFIG_OUTPUTS) or [],
            options=source.get(sc_service.CONFIG_OPTIONS) or {})
        return made[sc_service.CONFIG_ID]

    def _derived_config_id(self):
        return sc_service.API.show_software_deployment(
            self.context, self.resource_id)[sc_service.DEPLOYMENT_CONFIG_ID]

    def _delete_config(self, config_id):
        try:
            sc_service.API.delete_software_config(self.context, config_id)
        except (exception.NotFound, exception.InvalidRestrictedAction):
            pass

    # -- running an action -------------------------------------------------

    def _deploys_on(self, action, source):
        """As upstream: a deployment of a software component runs for
        the actions its configs name (the in-instance hook picks the
        config of the action), whatever ``actions`` says; any other for
        the actions of ``actions``."""
        if source and source.get(sc_service.CONFIG_GROUP) == \
                COMPONENT_GROUP:
            return action in component_actions(
                source.get(sc_service.CONFIG_CONFIG))
        return action in (self.properties[self.DEPLOY_ACTIONS] or [])

    def _handle_action(self, action, source=None, prev_config_id=None):
        """Deploy for ``action`` if it is one of ``actions``; the
        deployment to wait for (None: nothing to wait for)."""
        if source is None:
            source = self._load_config()
        if not self._deploys_on(action, source):
            return None
        config_id = self._create_derived_config(action, source)
        if self._transport() == NO_SIGNAL:
            status, reason = (sc_service.COMPLETE,
                              'Not waiting for outputs signal')
        else:
            status, reason = sc_service.IN_PROGRESS, 'Deploy data available'
        fields = {'config_id': config_id, 'action': action,
                  'input_values': self.properties[self.INPUT_VALUES],
                  'status': status, 'status_reason': reason}
        if self.resource_id is None:
            deployment_id = str(uuid.uuid4())
            self.resource_id_set(deployment_id)
            sd = sc_service.API.create_software_deployment(
                self.context, self.properties[self.SERVER],
                deployment_id=deployment_id,
                stack_user_project_id=getattr(
                    self.stack, 'stack_user_project_id', None),
                **fields)
        else:
            if prev_config_id is None:
                prev_config_id = self._derived_config_id()
            sd = sc_service.API.update_software_deployment(
                self.context, self.resource_id, **fields)
            if prev_config_id:
                self._delete_config(prev_config_id)
        return None if status == sc_service.COMPLETE else sd

    def _check_complete(self):
        sd = sc_service.API.show_software_deployment(self.context,
                                                     self.resource_id)
        status = sd[sc_service.DEPLOYMENT_STATUS]
        if status == sc_service.COMPLETE:
            return True
        if status == sc_service.FAILED:
            raise resource.Error('Deployment to server failed: %s'
                                 % sd[sc_service.DEPLOYMENT_STATUS_REASON])
        return False

    def _check(self, sd):
        return not sd or self._check_complete()

    def handle_create(self):
        return self._handle_action(self.CREATE)

    check_create_complete = _check

    def handle_update(self, json_snippet, tmpl_diff, prop_diff):
        prev_config_id = self._derived_config_id()
        old = {i['name']: i for i in self._load_config(prev_config_id).get(
            sc_service.CONFIG_INPUTS) or []}
        self.properties = self.make_properties(json_snippet)
        source = self._load_config()
        for entry in self._derived_inputs(self.UPDATE, source):
            before = old.get(entry['name'])
            if (entry.get('replace_on_change') and before is not None and
                    before.get('value') != entry.get('value')):
                raise resource.UpdateReplace(self.name)
        return self._handle_action(self.UPDATE, source, prev_config_id)

    check_update_complete = _check

    def handle_suspend(self):
        return self._handle_action(self.SUSPEND)

    check_suspend_complete = _check

    def handle_resume(self):
        return self._handle_action(self.RESUME)

    check_resume_complete = _check

    def handle_delete(self):
        if self.resource_id is None:
            return None
        try:
            return self._handle_action(self.DELETE)
        except exception.NotFound:
            return None

    def check_delete_complete(self, sd):
        if sd and not self._check_complete():
            return False
        self._delete_deployment()
        return True

    def _delete_deployment(self):
        if self.resource_id is None:
            return
        try:
            config_id = self._derived_config_id()
            sc_service.API.delete_software_deployment(self.context,
                                                      self.resource_id)
        except exception.NotFound:
            return
        self._delete_config(config_id)

    def handle_signal(self, details=None):
        return sc_service.API.signal_software_deployment(
            self.context, self.resource_id, details,
            datetime.datetime.now(datetime.timezone.utc).isoformat())

    # -- attributes --------------------------------------------------------

    def get_attribute(self, key, *path):
        """The deployment's output values (any declared output)."""
        if key in self.base_attributes_schema and key not in self.ATTRIBUTES:
            return super().get_attribute(key, *path)
        if self.resource_id is not None:
            try:
                sd = sc_service.API.show_software_deployment(
                    self.context, self.resource_id)
            except exception.NotFound:
                sd = {}
            outputs = sd.get(sc_service.DEPLOYMENT_OUTPUT_VALUES) or {}
            if key in outputs:
                return attributes.select_from_attribute(outputs[key], path)
        if key in self.ATTRIBUTES:
            return None
        try:
            declared = self._load_config().get(sc_service.CONFIG_OUTPUTS)
        except exception.NotFound:
            declared = None
        if declared is not None and key not in [o['name']
                                                for o in declared]:
            raise exception.InvalidTemplateAttribute(resource=self.name,
                                                     key=key)
        return None

    def FnGetAtts(self):
        return {k: self.FnGetAtt(k) for k in self.ATTRIBUTES}


class StructuredDeployment(SoftwareDeployment):
    """A deployment of a StructuredConfig: ``{<input_key>: <name>}`` in
    the config map is replaced by that input's value."""

    _EXTRA = (INPUT_KEY, INPUT_VALUES_VALIDATE) = (
        'input_key', 'input_values_validate')
    PROPERTIES = SoftwareDeployment.PROPERTIES + _EXTRA
    VALIDATIONS = (LAX, STRICT) = ('LAX', 'STRICT')

    properties_schema = dict(SoftwareDeployment.properties_schema)
    properties_schema.update({
        INPUT_KEY: properties.Schema(
            properties.Schema.STRING,
            'Name of key to use for substituting inputs during '
            'deployment.', default='get_input'),
        INPUT_VALUES_VALIDATE: properties.Schema(
            properties.Schema.STRING,
            'Perform a check on the input values passed to verify that '
            'each required input has a corresponding value. When the '
            'property is set to STRICT and no value is passed, an '
            'exception is raised.', default=LAX,
            constraints=[constraints.AllowedValues(list(VALIDATIONS))]),
    })

    def _derived_config(self, action, source, inputs):
        values = {i['name']: i.get('value') for i in inputs}
        return substitute_inputs(
            source.get(sc_service.CONFIG_CONFIG), values,
            self.properties[self.INPUT_KEY],
            self.properties[self.INPUT_VALUES_VALIDATE] == self.STRICT)


def substitute_inputs(snippet, values, input_key, strict=False):
    """``snippet`` with each ``{input_key: name}`` replaced by
    ``values[name]`` (None if missing, ``UserParameterMissing`` if
    ``strict``)."""
    if isinstance(snippet, dict):
        if len(snippet) == 1:
            (fn_name, arg), = snippet.items()
            if fn_name == input_key and isinstance(arg, str):
                if strict and arg not in values:
                    raise exception.UserParameterMissing(key=arg)
                return values.get(arg)
        return {k: substitute_inputs(v, values, input_key, strict)
                for k, v in snippet.items()}
    if isinstance(snippet, list):
        return [substitute_inputs(v, values, input_key, strict)
                for v in snippet]
    return snippet


class SoftwareDeploymentGroup(stack_resource.StackResource):
    """One deployment per server of ``servers`` (see the module doc)."""

    MEMBER_TYPE = 'OS::Heat::SoftwareDeployment'
    MEMBER_CLASS = SoftwareDeployment

    SERVERS = 'servers'
    PROPERTIES = (SERVERS,) + tuple(
        p for p in SoftwareDeployment.PROPERTIES if p != 'server')
    ATTRIBUTES = (STDOUTS, STDERRS, STATUS_CODES) = (
        'deploy_stdouts', 'deploy_stderrs', 'deploy_status_codes')
    _MEMBER_ATTRS = dict(zip(ATTRIBUTES, SoftwareDeployment.ATTRIBUTES))

    properties_schema = {
        SERVERS: properties.Schema(
            properties.Schema.MAP,
            'A map of names and server IDs to apply configuration to. The '
            'name is arbitrary and is used as the Heat resource name for '
            'the corresponding deployment.',
            update_allowed=True, required=True),
    }
    properties_schema.update(
        (k, v) for k, v in SoftwareDeployment.properties_schema.items()
        if k != SoftwareDeployment.SERVER)

    attributes_schema = stack_resource.OpenAttributeSchema({
        STDOUTS: attributes.Schema(
            'A map of Nova names and captured stdouts from the '
            'configuration execution to each server.',
            type=attributes.Schema.MAP),
        STDERRS: attributes.Schema(
            'A map of Nova names and captured stderrs from the '
            'configuration execution to each server.',
            type=attributes.Schema.MAP),
        STATUS_CODES: attributes.Schema(
            'A map of Nova names and returned status code from the '
            'configuration execution.', type=attributes.Schema.MAP),
    })

    _RG = resource_group.ResourceGroup
    ROLLING_UPDATE, BATCH_CREATE = _RG.ROLLING_UPDATE, _RG.BATCH_CREATE
    MAX_BATCH_SIZE, PAUSE_TIME = _RG.MAX_BATCH_SIZE, _RG.PAUSE_TIME

    # ResourceGroup's, as upstream (its deployment groups are resource
    # groups), without min_in_service: a deployment serves nothing
    rolling_update_schema = dict(_RG.rolling_update_schema)
    del rolling_update_schema[_RG.MIN_IN_SERVICE]
    batch_create_schema = _RG.batch_create_schema
    update_policy_schema = {
        ROLLING_UPDATE: properties.Schema(
            properties.Schema.MAP, schema=rolling_update_schema),
        BATCH_CREATE: properties.Schema(
            properties.Schema.MAP, schema=batch_create_schema),
    }
    _update_policy = _RG._update_policy

    def validate(self):
        # before the members' own check, to name this resource's property
        check_transport(self, self.properties[
            SoftwareDeployment.SIGNAL_TRANSPORT] or default_transport())
        policy = self._update_policy()
        policy.validate()
        rolling = policy[self.ROLLING_UPDATE]
        if rolling and rolling.get(self.PAUSE_TIME, 0) > \
                resource_group.MAX_PAUSE_SECS:
            # ResourceGroup's limit and message (upstream inherits it)
            raise exception.StackValidationFailed(
                message='Maximum %s allowed is 1hr(3600s), provided %s '
                        'seconds.' % (self.PAUSE_TIME,
                                      rolling[self.PAUSE_TIME]),
                path=['resources', self.name])
        return super().validate()

    def _member_properties(self, server_id):
        props = {k: self.properties[k] for k in self.properties_schema
                 if k != self.SERVERS and self.properties[k] is not None}
        props[SoftwareDeployment.SERVER] = server_id
        return props

    def _member_snippet(self, server_id):
        return {'type': self.MEMBER_TYPE,
                'properties': self._member_properties(server_id)}

    def _template(self, snippets):
        return {'heat_template_version': '2015-04-30',
                'resources': dict(snippets)}

    def child_template(self):
        servers = self.properties[self.SERVERS] or {}
        return self._template((name, self._member_snippet(server))
                              for name, server in servers.items())

    def child_params(self):
        return {}

    # -- batches (update_policy rolling_update, batch_create) ------------

    # ResourceGroup's: the stack's timeout, a pause a cancel interrupts
    _timeout_secs = _RG._timeout_secs
    _pause = _RG._pause

    def _run_batches(self, batches, pause, build):
        """``build(done)`` is the nested template once the first
        ``done`` changes are applied; one nested update per batch, a
        pause between two."""
        ru.update_timeout(len(batches), pause, self._timeout_secs())
        done = 0
        for i, size in enumerate(batches):
            if i and pause > 0:
                self._pause(pause)
            done += size
            self.update_with_template(build(done), {})

    def handle_create(self):
        batch = self._update_policy()[self.BATCH_CREATE]
        servers = list((self.properties[self.SERVERS] or {}).items())
        if not batch or not servers:
            return super().handle_create()
        # the nested stack exists from the start, empty, then grows by
        # max_batch_size deployments at a time, in the servers' order
        self.create_with_template(self._template([]), {})
        snippets = [(name, self._member_snippet(server))
                    for name, server in servers]
        self._run_batches(
            _batch_sizes(len(snippets), batch[self.MAX_BATCH_SIZE]),
            batch[self.PAUSE_TIME],
            lambda done: self._template(snippets[:done]))
        return None

    def handle_update(self, json_snippet, tmpl_diff, prop_diff):
        rolling = self._update_policy(json_snippet)[self.ROLLING_UPDATE]
        nested = self.nested()
        if not rolling or not prop_diff or nested is None:
            return super().handle_update(json_snippet, tmpl_diff, prop_diff)
        self.properties = self.make_properties(json_snippet)
        section = nested.t.get_section_name('resources')
        current = dict(nested.t.t.get(section) or {})
        wanted = [(name, self._member_snippet(server)) for name, server in
                  (self.properties[self.SERVERS] or {}).items()]
        # deployments removed from servers go with the first batch; the
        # new or changed ones (in the servers' order) max_batch_size at
        # a time; the others keep their definition
        changes = [name for name, snippet in wanted
                   if current.get(name) != snippet]
        batches = _batch_sizes(len(changes), rolling[self.MAX_BATCH_SIZE])
        if not batches:
            batches = [0]

        def build(done):
            applied = set(changes[:done])
            return self._template(
                (name, snippet if name in applied or name not in current
                 else current[name])
                for name, snippet in wanted
                if name in applied or name in current)
        self._run_batches(batches, rolling[self.PAUSE_TIME], build)
        return None

    def _names(self):
        return list(self.properties[self.SERVERS] or {})

    def FnGetAtt(self, key, *path):
        member_key = self._MEMBER_ATTRS.get(key, key)
        nested = self.nested()
        values = {}
        for name in self._names():
            member = nested.resources.get(name) if nested else None
            values[name] = (member.FnGetAtt(member_key)
                            if member is not None else None)
        return attributes.select_from_attribute(values, path)

    def get_attribute(self, key, *path):
        return self.FnGetAtt(key, *path)

    def FnGetAtts(self):
        return {k: self.FnGetAtt(k) for k in self.ATTRIBUTES}


class StructuredDeploymentGroup(SoftwareDeploymentGroup):
    """One StructuredDeployment per server of ``servers``."""

    MEMBER_TYPE = 'OS::Heat::StructuredDeployment'
    MEMBER_CLASS = StructuredDeployment

    PROPERTIES = SoftwareDeploymentGroup.PROPERTIES + (
        StructuredDeployment.INPUT_KEY,
        StructuredDeployment.INPUT_VALUES_VALIDATE)
    properties_schema = dict(SoftwareDeploymentGroup.properties_schema)
    properties_schema.update(
        (k, StructuredDeployment.properties_schema[k])
        for k in (StructuredDeployment.INPUT_KEY,
                  StructuredDeployment.INPUT_VALUES_VALIDATE))


def _batch_sizes(count, batch_size):
    """``count`` changes in batches of at most ``batch_size``: the batches
    of ResourceGroup's rolling update with no ``min_in_service``, as
    upstream's group (``_replace(0, max_batch_size, pause_time)``)."""
    return [num for _, num in ru.resource_group_batches(count, count,
                                                         batch_size, 0)]


def resource_mapping():
    return {
        'OS::Heat::SoftwareDeployment': SoftwareDeployment,
        'OS::Heat::StructuredDeployment': StructuredDeployment,
        'OS::Heat::SoftwareDeploymentGroup': SoftwareDeploymentGroup,
        'OS::Heat::StructuredDeploymentGroup': StructuredDeploymentGroup,
        # upstream's deprecated, then hidden, names of the group types
        # (heat.engine.resource_types.HIDDEN): the same classes, so an
        # update to the new name keeps the resource (upstream's
        # substitute_class)
        'OS::Heat::SoftwareDeployments': SoftwareDeploymentGroup,
        'OS::Heat::StructuredDeployments': StructuredDeploymentGroup,
    }
