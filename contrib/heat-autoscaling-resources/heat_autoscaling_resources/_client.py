"""The Auto-Scaling API client of a stack's resources.

Where the endpoint comes from, by the first that applies:

1. ``[clients_autoscaling] endpoint``: a URL, in which ``%(project_id)s``
   (or ``%(tenant_id)s``) is replaced by the stack's project;
2. the service catalog of the stack's credentials (service type
   ``autoscaling``, interface ``[clients_autoscaling] endpoint_type``).

The requests carry the stack's credentials: the trust, token or password
the engine holds for the stack (upstream Heat's
``RequestContext.keystone_session``; this engine's cloud connection).
With a configured endpoint and a stack that has no credentials at all (an
engine without Keystone), requests go without a token. Credentials are
never read from properties.

Written against what upstream OpenStack Heat and this project's engine
both offer, so the same module loads into either.
"""

from heat_autoscalingclient import client as as_client
from oslo_config import cfg

GROUP = 'clients_autoscaling'

OPTS = [
    cfg.StrOpt('endpoint',
               help='The Auto-Scaling API endpoint of the resource types '
                    'OS::AutoScaling::*, e.g. '
                    'http://127.0.0.1:8004/autoscaling/v1/%(project_id)s '
                    '(%(project_id)s: the stack\'s project). Unset: the '
                    'service catalog\'s "autoscaling" endpoint.'),
    cfg.StrOpt('endpoint_type', default='publicURL',
               choices=['publicURL', 'internalURL', 'adminURL', 'public',
                        'internal', 'admin'],
               help='Which catalog endpoint of the autoscaling service '
                    'to use.'),
    cfg.StrOpt('region_name',
               help='The catalog region of the autoscaling service '
                    '(unset: the region of the stack\'s context).'),
    cfg.BoolOpt('insecure', default=False,
                help='Do not verify the endpoint\'s TLS certificate (only '
                     'with a configured endpoint and no credentials).'),
    cfg.StrOpt('ca_file',
               help='CA bundle verifying the endpoint\'s TLS certificate '
                    '(only with a configured endpoint and no '
                    'credentials).'),
    cfg.FloatOpt('timeout', default=60.0, min=1.0,
                 help='Seconds one API request may take (only with a '
                      'configured endpoint and no credentials; otherwise '
                      'the stack session\'s).'),
]

cfg.CONF.register_opts(OPTS, group=GROUP)

_INTERFACES = {'publicURL': 'public', 'internalURL': 'internal',
               'adminURL': 'admin'}


def list_opts():
    """The options, for oslo-config-generator (namespace
    ``heat_autoscaling_resources``)."""
    yield GROUP, OPTS


class NoEndpoint(Exception):
    """Neither an endpoint option nor credentials with a catalog."""


def _conf():
    return cfg.CONF[GROUP]


def _has_credentials(context):
    return any(getattr(context, name, None) for name in
               ('trust_id', 'auth_token', 'auth_token_info', 'password'))


def _context_session(context):
    """The keystoneauth1 session of the stack's credentials."""
    # upstream Heat: the context's own session (trust, token or password)
    if hasattr(type(context), 'keystone_session'):
        return context.keystone_session
    # this project's engine: the session of the context's cloud connection
    clients = getattr(context, 'clients', None)
    if clients is not None:
        return clients.connection.session
    raise NoEndpoint('the stack has no credentials to reach the '
                     'Auto-Scaling API and [%s] endpoint is not set' % GROUP)


def endpoint_for(context):
    """The configured endpoint for the context's project, or None."""
    url = _conf().endpoint
    if not url:
        return None
    project = getattr(context, 'project_id', None) or getattr(
        context, 'tenant_id', None) or ''
    return url.replace('%(project_id)s', project).replace(
        '%(tenant_id)s', project)


def make_client(context):
    """A :class:`heat_autoscalingclient.client.Client` for the stack."""
    conf = _conf()
    endpoint = endpoint_for(context)
    if endpoint and not _has_credentials(context):
        verify = False if conf.insecure else (conf.ca_file or True)
        return as_client.Client(endpoint_override=endpoint,
                                timeout=conf.timeout, verify=verify)
    session = _context_session(context)
    region = conf.region_name or getattr(context, 'region_name', None)
    return as_client.Client(
        session=session, endpoint_override=endpoint,
        interface=_INTERFACES.get(conf.endpoint_type, conf.endpoint_type),
        region_name=region)
