"""Configuration options of the REST API (``[DEFAULT]``), registered on
the configuration :func:`heat.api.app.make_app` is given."""

from oslo_config import cfg

api_opts = [
    cfg.IntOpt('max_json_body_size', default=1048576, min=1,
               help='Maximum raw byte size of the JSON body of an API '
                    'request; a larger one is refused with a 400.'),
    cfg.StrOpt('auth_strategy', default='noauth',
               choices=[
                   ('noauth', 'no authentication (the embedded default): '
                              'the project is the one in the URL and the '
                              'caller is a member of it'),
                   ('keystone', 'keystonemiddleware\'s auth_token '
                                '(configured in [keystone_authtoken]) '
                                'validates the token; the request context '
                                'comes from the identity it confirms, and '
                                'a request without one gets a 401')],
               help='How API requests are authenticated.'),
    # An alarm service signals one alarm_url at most every few seconds
    # (aodh evaluates alarms every 10 s or more); 10/s with a burst of 50
    # is far above that, and still stops a flood before the database.
    cfg.FloatOpt('anonymous_rate_limit', default=10.0, min=0,
                 help='Requests per second one client address may send to '
                      'one target (a pre-signed signal URL\'s resource, a '
                      'webhook token) of the endpoints that carry their '
                      'credential in the URL (POST /v1/signal/{arn}, POST '
                      '/v1/webhooks/{token}); more get a 429 with '
                      'Retry-After before any database work. The default '
                      'is far above what an alarm service sends (one '
                      'alarm every few seconds) and stops a flood. Counted '
                      'per heat-api process. 0 disables the limit. '
                      'Authenticated endpoints are never limited.'),
    cfg.IntOpt('anonymous_rate_burst', default=50, min=1,
               help='Requests one client address may send at once to one '
                    'target of the unauthenticated signal endpoints before '
                    'anonymous_rate_limit applies.'),
    cfg.FloatOpt('anonymous_client_rate_limit', default=100.0, min=0,
                 help='Requests per second one client address may send to '
                      'the unauthenticated signal endpoints over all '
                      'targets (burst: 5 seconds\' worth), so that trying '
                      'many tokens is limited too; an alarm service host '
                      'signalling hundreds of alarms stays well below it. '
                      'Counted per heat-api process. 0 disables it.'),
]


def register_opts(conf):
    conf.register_opts(api_opts)


def list_opts():
    yield None, list(api_opts)
