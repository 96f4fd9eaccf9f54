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
]


def register_opts(conf):
    conf.register_opts(api_opts)


def list_opts():
    yield None, list(api_opts)
