"""Cloud clients: one openstacksdk connection per request context.

A stack's cloud resources (``OS::Nova::Server``, ``OS::Neutron::Port``,
...) reach their OpenStack services through :class:`Clients`, which a
request context makes on first use (``context.clients``) and keeps for
its lifetime. The connection authenticates, by the first that applies:

1. a **trust** (``context.trust_id``): the ``[trustee]`` credentials
   (keystoneauth's auth options) scoped to the trust, so that signals,
   alarm URLs and the converger act for the stack owner after the user's
   token expired, as upstream does;
2. the **user's token** (``context.auth_token``, from keystonemiddleware)
   against ``[clients_keystone] auth_uri`` (or ``context.auth_url``),
   scoped to the context's project;
3. a **clouds.yaml entry** (``[clients] cloud``): this engine's own
   extension for the embedded default (``auth_strategy = noauth``), where
   no request carries a token: every stack acts as that cloud account.

With none of them there is no cloud: :func:`configured` is false, cloud
resource types say "no cloud service is configured for this engine",
and cloud constraints (``glance.image``, ``nova.flavor``...) are reported
as not verified, as before.

The services available are those of the token's service catalog (the
catalog's service types mapped to upstream Heat's client names: ``compute``
is ``nova``...). Endpoints follow upstream's options: ``[clients]
endpoint_type`` (``publicURL``), overridden per service by
``[clients_<name>] endpoint_type``, in ``region_name_for_services`` (or the
context's region). Requests retry ``client_retry_limit`` times on a
connection error and on the 5xx answers that mean "try again" (502, 503,
504), with openstacksdk's back-off, and time out after ``[clients]
api_timeout`` seconds.
"""

import logging
import threading

from oslo_config import cfg

from heat.common import exception

LOG = logging.getLogger(__name__)

#: service type in the catalog -> upstream Heat's client name
SERVICE_TYPES = {
    'compute': 'nova',
    'network': 'neutron',
    'image': 'glance',
    'identity': 'keystone',
    'alarming': 'aodh',
    'volumev3': 'cinder',
    'block-storage': 'cinder',
    'volume': 'cinder',
    'object-store': 'swift',
    'load-balancer': 'octavia',
    'orchestration': 'heat',
    'placement': 'placement',
    'dns': 'designate',
    'key-manager': 'barbican',
    'messaging': 'zaqar',
    'workflowv2': 'mistral',
    'sharev2': 'manila',
    'shared-file-system': 'manila',
    'container-infra': 'magnum',
    'baremetal': 'ironic',
    'clustering': 'senlin',
    'database': 'trove',
    'metric': 'gnocchi',
}

#: client name -> the service type whose per-service options apply
CLIENT_SERVICE_TYPES = {
    'nova': 'compute', 'neutron': 'network', 'glance': 'image',
    'keystone': 'identity', 'aodh': 'alarming', 'cinder': 'block-storage',
    'swift': 'object-store', 'octavia': 'load-balancer',
    'heat': 'orchestration',
}

#: what "no cloud" says, everywhere a cloud type or constraint needs one
NO_CLOUD_REASON = 'no cloud service is configured for this engine'

#: the compute API microversion of every connection
COMPUTE_MICROVERSION = '2.52'

#: the answers worth a retry: the service (or its proxy) says "later"
RETRIABLE_STATUS_CODES = (502, 503, 504)

_ENDPOINT_TYPES = {'publicURL': 'public', 'internalURL': 'internal',
                   'adminURL': 'admin'}

clients_opts = [
    cfg.StrOpt('endpoint_type', default='publicURL',
               help='Type of endpoint in the Identity service catalog to '
                    'use for communication with the OpenStack services '
                    '(publicURL, internalURL or adminURL).'),
    cfg.StrOpt('ca_file',
               help='Optional CA cert file to use in SSL connections.'),
    cfg.StrOpt('cert_file',
               help='Optional PEM-formatted certificate chain file.'),
    cfg.StrOpt('key_file',
               help='Optional PEM-formatted file that contains the '
                    'private key.'),
    cfg.BoolOpt('insecure', default=False,
                help="If set, then the server's certificate will not be "
                     "verified."),
    cfg.StrOpt('cloud',
               help='Name of a clouds.yaml entry (openstacksdk\'s '
                    'clouds.yaml search path, or OS_CLIENT_CONFIG_FILE) '
                    'the engine acts as when a request carries neither a '
                    'token nor a trust: the embedded default '
                    '(auth_strategy = noauth) with a cloud. Unset: no '
                    'cloud for such requests.'),
    cfg.FloatOpt('api_timeout', default=60.0, min=1,
                 help='Seconds a request to a cloud service may take.'),
]

client_specific_opts = [
    cfg.StrOpt('endpoint_type',
               help='Type of endpoint in the Identity service catalog to '
                    'use for communication with this service. Unset: '
                    '[clients] endpoint_type.'),
]

keystone_client_opts = [
    cfg.StrOpt('auth_uri',
               help='Unversioned Keystone URL in format like '
                    'http://0.0.0.0:5000, used with the user\'s token.'),
]

heat_client_opts = [
    cfg.StrOpt('url', default='',
               help='Optional heat url in format like '
                    'http://0.0.0.0:8004/v1/%(tenant_id)s: the '
                    'Orchestration API the signal endpoints of wait '
                    'condition handles name. Unset: '
                    'heat_metadata_server_url (or [heat_api] bind_host '
                    'and bind_port) followed by /v1.'),
]

service_opts = [
    cfg.StrOpt('region_name_for_services',
               help='Default region name used to get services endpoints.'),
    cfg.IntOpt('client_retry_limit', default=2, min=0,
               help='Number of times to retry when a client encounters an '
                    'expected intermittent error (a connection error, a '
                    '502, 503 or 504 answer).'),
]

#: client names with a ``[clients_<name>]`` group
CLIENT_NAMES = ('nova', 'neutron', 'glance', 'keystone', 'aodh', 'cinder',
                'swift', 'octavia', 'heat')

TRUSTEE = 'trustee'


def register_opts(conf):
    """Register the client options on ``conf`` (idempotent)."""
    from keystoneauth1 import loading
    for group, opts in list_opts():
        if group == TRUSTEE:
            continue
        try:
            conf.register_opts(opts, group=group)
        except cfg.DuplicateOptError:
            pass
    try:
        loading.register_auth_conf_options(conf, TRUSTEE)
        loading.register_session_conf_options(conf, TRUSTEE)
    except cfg.DuplicateOptError:
        pass


def list_opts():
    from keystoneauth1 import loading

    from heat.engine.clients import stack_domain, trusts
    yield None, (list(service_opts) + list(trusts.trust_opts) +
                 list(stack_domain.stack_domain_opts))
    yield 'clients', list(clients_opts)
    for name in CLIENT_NAMES:
        extra = heat_client_opts if name == 'heat' else []
        yield 'clients_' + name, list(client_specific_opts) + list(extra)
    yield 'clients_keystone', list(keystone_client_opts)
    yield TRUSTEE, (loading.get_auth_common_conf_options() +
                    loading.get_session_conf_options())


def _conf():
    conf = cfg.CONF
    if 'clients' not in conf:
        register_opts(conf)
    return conf


def _trustee_configured(conf):
    try:
        return bool(conf[TRUSTEE].auth_type)
    except (cfg.NoSuchOptError, cfg.NoSuchGroupError):
        return False


def configured(context=None):
    """Whether requests of ``context`` (any request, without one) can
    reach a cloud."""
    conf = _conf()
    if conf.clients.cloud:
        return True
    if context is None:
        return bool(conf.clients_keystone.auth_uri or
                    _trustee_configured(conf))
    return _auth_mode(context, conf) is not None


def _auth_mode(context, conf):
    if getattr(context, 'trust_id', None) and _trustee_configured(conf):
        return 'trust'
    if getattr(context, 'auth_token', None) and (
            conf.clients_keystone.auth_uri or
            getattr(context, 'auth_url', None)):
        return 'token'
    if conf.clients.cloud:
        return 'cloud'
    return None


def _keystone_v3(url):
    url = url.rstrip('/')
    return url if url.endswith('/v3') else url + '/v3'


class Clients:
    """The cloud connection of one request context (thread-safe, lazy)."""

    def __init__(self, context):
        self.context = context
        self._lock = threading.Lock()
        self._connection = None
        self._services = None

    # -- the connection ----------------------------------------------------

    @property
    def connection(self):
        """The ``openstack.connection.Connection`` (made on first use);
        raises ``CloudError`` when there is no cloud."""
        if self._connection is None:
            with self._lock:
                if self._connection is None:
                    self._connection = self._connect()
        return self._connection

    def _region(self, conf):
        return (conf.region_name_for_services or
                getattr(self.context, 'region_name', None))

    def _adapter_options(self, conf):
        """openstacksdk's per-service settings from upstream's options."""
        options = {
            'interface': _ENDPOINT_TYPES.get(conf.clients.endpoint_type,
                                             conf.clients.endpoint_type),
            'connect_retries': conf.client_retry_limit,
            'status_code_retries': conf.client_retry_limit,
            'retriable_status_codes': list(RETRIABLE_STATUS_CODES),
            'api_timeout': conf.clients.api_timeout,
            # every compute call of the connection: tags at boot and
            # ``networks: none/auto`` (2.37) need it; set here, not by a
            # resource on the shared proxy (a race between types)
            'compute_default_microversion': COMPUTE_MICROVERSION,
        }
        for name, service_type in CLIENT_SERVICE_TYPES.items():
            endpoint_type = conf['clients_' + name].endpoint_type
            if endpoint_type:
                key = service_type.replace('-', '_') + '_interface'
                options[key] = _ENDPOINT_TYPES.get(endpoint_type,
                                                   endpoint_type)
        return options

    def _session(self, conf, auth):
        from keystoneauth1 import session as ks_session
        verify = not conf.clients.insecure
        if verify and conf.clients.ca_file:
            verify = conf.clients.ca_file
        cert = None
        if conf.clients.cert_file:
            cert = (conf.clients.cert_file, conf.clients.key_file) \
                if conf.clients.key_file else conf.clients.cert_file
        return ks_session.Session(auth=auth, verify=verify, cert=cert,
                                  timeout=conf.clients.api_timeout)

    def _connect(self):
        import openstack
        from openstack import connection
        conf = _conf()
        mode = _auth_mode(self.context, conf)
        options = self._adapter_options(conf)
        if mode is None:
            if configured():
                raise exception.CloudError(
                    'no credentials to reach the cloud: the request has '
                    'no token and the stack no trust (see [trustee] and '
                    'deferred_auth_method)')
            raise exception.CloudError(NO_CLOUD_REASON)
        if mode == 'cloud':
            region = self._region(conf)
            kwargs = dict(options)
            if region:
                kwargs['region_name'] = region
            return openstack.connect(cloud=conf.clients.cloud,
                                     app_name='heat', **kwargs)
        if mode == 'trust':
            from keystoneauth1 import loading
            auth = loading.load_auth_from_conf_options(
                conf, TRUSTEE, trust_id=self.context.trust_id)
        else:
            from keystoneauth1.identity import v3
            auth = v3.Token(
                auth_url=_keystone_v3(conf.clients_keystone.auth_uri or
                                      self.context.auth_url),
                token=self.context.auth_token,
                project_id=self.context.project_id)
        return connection.Connection(
            session=self._session(conf, auth),
            region_name=self._region(conf), app_name='heat', **options)

    # -- what the cloud offers ---------------------------------------------

    def available_services(self):
        """Client names of the services in the catalog (frozenset)."""
        if self._services is None:
            conn = self.connection
            access = conn.session.auth.get_access(conn.session)
            region = self._region(_conf())
            found = set()
            for entry in access.service_catalog.catalog or ():
                name = SERVICE_TYPES.get(entry.get('type'))
                if name is None:
                    continue
                endpoints = entry.get('endpoints') or ()
                if region and endpoints and not any(
                        e.get('region_id', e.get('region')) == region
                        for e in endpoints):
                    continue
                found.add(name)
            self._services = frozenset(found)
        return self._services

    def find(self, service, resource, value):
        """The id of the ``resource`` (``flavor``, ``image``...) of
        ``service`` named or identified by ``value``; raises
        ``EntityNotFound`` naming it."""
        finder = _FINDERS.get((service, resource))
        if finder is None:
            raise exception.CloudError('%s.%s cannot be looked up'
                                       % (service, resource))
        from openstack import exceptions as sdk_exc
        try:
            found = finder(self.connection, value)
        except sdk_exc.DuplicateResource:
            raise exception.PhysicalResourceNameAmbiguity(name=value) \
                from None
        except sdk_exc.NotFoundException:
            found = None
        if found is None:
            raise exception.EntityNotFound(
                entity=_ENTITY_NAMES.get((service, resource),
                                         resource.capitalize()),
                name=value)
        return found.id

    def find_cloud_resource(self, service, resource, value):
        """For cloud constraints: true when it exists (or EntityNotFound)."""
        return bool(self.find(service, resource, value))


def _find(proxy, method):
    def finder(conn, value):
        return getattr(getattr(conn, proxy), method)(value,
                                                     ignore_missing=True)
    return finder


_FINDERS = {
    ('nova', 'flavor'): _find('compute', 'find_flavor'),
    ('nova', 'keypair'): _find('compute', 'find_keypair'),
    ('nova', 'server'): _find('compute', 'find_server'),
    ('nova', 'host'): _find('compute', 'find_hypervisor'),
    ('glance', 'image'): _find('image', 'find_image'),
    ('neutron', 'network'): _find('network', 'find_network'),
    ('neutron', 'subnet'): _find('network', 'find_subnet'),
    ('neutron', 'port'): _find('network', 'find_port'),
    ('neutron', 'router'): _find('network', 'find_router'),
    ('neutron', 'security_group'): _find('network', 'find_security_group'),
    ('neutron', 'subnetpool'): _find('network', 'find_subnet_pool'),
    ('neutron', 'address_scope'): _find('network', 'find_address_scope'),
    ('neutron', 'qos_policy'): _find('network', 'find_qos_policy'),
    ('neutron', 'segment'): _find('network', 'find_segment'),
    ('keystone', 'project'): _find('identity', 'find_project'),
    ('keystone', 'domain'): _find('identity', 'find_domain'),
    ('keystone', 'user'): _find('identity', 'find_user'),
    ('keystone', 'group'): _find('identity', 'find_group'),
    ('keystone', 'role'): _find('identity', 'find_role'),
    ('keystone', 'region'): _find('identity', 'find_region'),
    ('keystone', 'service'): _find('identity', 'find_service'),
}

#: upstream's entity names in "The Flavor (x) could not be found."
_ENTITY_NAMES = {
    ('glance', 'image'): 'Image',
    ('nova', 'flavor'): 'Flavor',
    ('nova', 'keypair'): 'Key',
    ('nova', 'server'): 'Server',
    ('neutron', 'network'): 'network',
    ('neutron', 'subnet'): 'subnet',
    ('neutron', 'port'): 'port',
    ('neutron', 'router'): 'router',
    ('neutron', 'security_group'): 'security_group',
}


def clients(context):
    """The :class:`Clients` of ``context`` (made once per context)."""
    found = getattr(context, '_heat_clients', None)
    if found is None:
        found = Clients(context)
        try:
            context._heat_clients = found
        except AttributeError:
            pass
    return found


def available_services(context):
    """Client names of the services ``context`` can reach (empty without
    a cloud; a cloud that cannot be reached is logged and counts as
    none, with the reason kept for :func:`unavailable_reason`)."""
    if not configured(context):
        return frozenset()
    try:
        return clients(context).available_services()
    except Exception as exc:  # noqa: BLE001 - any failure: no services
        LOG.warning('The cloud cannot be reached: %s', exc)
        context._heat_cloud_error = str(exc)
        return frozenset()


def unavailable_reason(context):
    """Why ``context`` reaches no service: no cloud, or the error."""
    if not configured(context):
        return NO_CLOUD_REASON
    error = getattr(context, '_heat_cloud_error', None)
    if error:
        return 'the cloud cannot be reached: %s' % error
    return 'the service is not in the service catalog'
