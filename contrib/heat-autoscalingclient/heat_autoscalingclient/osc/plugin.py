"""OpenStackClient plugin of the Auto-Scaling service (service type
``autoscaling``).

The endpoint: ``--os-endpoint`` with ``--os-auth-type none`` (or
``token_endpoint``/``admin_token``), ``autoscaling_endpoint_override`` in
clouds.yaml, or the service catalog.
"""

import logging

from osc_lib import utils

LOG = logging.getLogger(__name__)

DEFAULT_API_VERSION = '1'
API_VERSION_OPTION = 'os_autoscaling_api_version'
API_NAME = 'autoscaling'
API_VERSIONS = {
    '1': 'heat_autoscalingclient.client.Client',
}


def make_client(instance):
    """The :class:`heat_autoscalingclient.client.Client` of the
    ``openstack`` command's client manager ``instance``."""
    from heat_autoscalingclient import client as as_client
    kwargs = {'region_name': instance.region_name,
              'interface': instance.interface or 'public'}
    # An override (clouds.yaml's autoscaling_endpoint_override), the
    # --os-endpoint of auth_type none / token_endpoint, or the catalog's
    # (this last one authenticates first).
    endpoint = instance.get_endpoint_for_service_type(
        API_NAME, region_name=instance.region_name,
        interface=instance.interface or 'public')
    if endpoint:
        kwargs['endpoint_override'] = endpoint
    LOG.debug('autoscaling endpoint: %s', endpoint)
    return as_client.Client(session=instance.session, **kwargs)


def build_option_parser(parser):
    """The global ``--os-autoscaling-api-version`` option."""
    parser.add_argument(
        '--os-autoscaling-api-version',
        metavar='<autoscaling-api-version>',
        default=utils.env('OS_AUTOSCALING_API_VERSION',
                          default=DEFAULT_API_VERSION),
        help='Auto-Scaling API version, default=%s '
             '(Env: OS_AUTOSCALING_API_VERSION)' % DEFAULT_API_VERSION)
    return parser
