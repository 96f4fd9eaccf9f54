"""The API versions, build info, and the part of the API this engine
does not serve (services): a clear 400 ``NotSupported``."""

import webob

from heat import version
from heat.common import exception


class MiscController:
    POLICY_SCOPE = 'build_info'

    def __init__(self, engine, conf=None):
        self.engine = engine
        self.conf = conf

    def versions(self, req):
        """Upstream's version list: 300 Multiple Choices."""
        resp = webob.Response(status=300, content_type='application/json',
                              charset='UTF-8')
        resp.json_body = {'versions': [{
            'id': 'v1.0', 'status': 'CURRENT',
            'links': [{'rel': 'self', 'href': '%s%s/v1/' % (
                req.host_url, req.script_name)}]}]}
        return resp

    def build_info(self, req):
        fn = getattr(self.engine, 'get_revision', None)
        engine_revision = fn(req.context) if fn is not None else \
            version.version_string
        return {'api': {'revision': version.version_string},
                'engine': {'revision': engine_revision}}

    def not_supported(self, req, **kwargs):
        raise exception.NotSupported(
            feature='The service API (%s)' % req.path_info)
