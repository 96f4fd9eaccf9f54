"""Keystone plumbing for upstream Heat's functional tests run on heat-all.

Copied by ``tools/upstream_functional.py`` into the site-packages of its
own venv (``~/.cache/heat-upstream-functional/env-*``) and imported there
by a ``.pth`` line; it is never imported by this project. It does nothing
unless ``HEAT_UPSTREAM_FUNCTIONAL_ENDPOINT`` is set.

Upstream's tests build every client from a Keystone password session
(``KeystoneWrapperClient`` in ``heat_integrationtests/common/clients.py``
and ``heat_tempest_plugin/services/clients.py``). When either module is
imported, its ``KeystoneWrapperClient`` is replaced by one whose session
carries a fixed token and a service catalog that holds only Heat's
endpoint (``http://127.0.0.1:<port>/v1/<project>``), as the ``openstack``
CLI's ``--os-auth-type none --os-endpoint ...`` does. Nothing else in the
tests changes: the Heat client is upstream's, built by upstream's code on
that session; every other client (Nova, Swift, Keystone, Neutron...) is
built as upstream builds it and, when a test uses it, fails with
``EndpointNotFound`` naming ``MARKER``, which the runner counts as "needs
another cloud service"; upstream's own checks (``is_service_available``,
``requires_service_type``) see the same catalog and skip.
"""

import importlib.machinery
import os
import sys

ENV_ENDPOINT = 'HEAT_UPSTREAM_FUNCTIONAL_ENDPOINT'
ENV_PROJECT = 'HEAT_UPSTREAM_FUNCTIONAL_PROJECT'
ENV_TOKEN = 'HEAT_UPSTREAM_FUNCTIONAL_TOKEN'
#: in the message of every EndpointNotFound this catalog raises
MARKER = 'heat-upstream-functional: not served (only Heat is)'
#: the service types the catalog holds
HEAT_TYPES = ('orchestration',)
TARGETS = ('heat_integrationtests.common.clients',
           'heat_tempest_plugin.services.clients')


def _build():
    from keystoneauth1 import exceptions as ks_exc
    from keystoneauth1 import plugin
    from keystoneauth1 import session as ks_session

    endpoint = os.environ[ENV_ENDPOINT].rstrip('/')
    project = os.environ.get(ENV_PROJECT) or endpoint.rsplit('/', 1)[-1]
    token = os.environ.get(ENV_TOKEN) or 'heat-upstream-functional'

    def not_found(service_type):
        return ks_exc.EndpointNotFound(
            '%s: service type %r' % (MARKER, service_type))

    class HeatOnlyAuth(plugin.BaseAuthPlugin):
        """A fixed token; Heat's endpoint for 'orchestration', no other."""

        def get_token(self, session, **kwargs):
            return token

        def get_endpoint(self, session, service_type=None, **kwargs):
            if service_type in HEAT_TYPES:
                return endpoint
            return None  # the session raises EndpointNotFound

        def get_project_id(self, session, **kwargs):
            return project

        def get_user_id(self, session, **kwargs):
            return 'heat-upstream-functional'

    class Catalog:
        def url_for(self, service_type=None, **kwargs):
            if service_type in HEAT_TYPES:
                return endpoint
            raise not_found(service_type)

    class AccessInfo:
        service_catalog = Catalog()
        auth_token = token
        project_id = project

    class KeystoneWrapperClient:
        """Upstream's KeystoneWrapperClient without Keystone."""

        def __init__(self, auth_plugin, verify=True):
            self.password_plugin = auth_plugin  # upstream's, never used
            self.auth_plugin = HeatOnlyAuth()
            self.session = ks_session.Session(auth=self.auth_plugin,
                                              verify=verify)

        @property
        def auth_token(self):
            return token

        @property
        def auth_ref(self):
            return AccessInfo()

        @property
        def project_id(self):
            return project

        def get_endpoint_url(self, service_type, region=None,
                             endpoint_type='public'):
            return Catalog().url_for(service_type=service_type)

    return KeystoneWrapperClient


class _Finder:
    """Patches TARGETS right after their own code has run."""

    @classmethod
    def find_spec(cls, name, path=None, target=None):
        if name not in TARGETS:
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is None or spec.loader is None:
            return spec
        exec_module = spec.loader.exec_module

        def patched_exec_module(module):
            exec_module(module)
            module.KeystoneWrapperClient = _build()

        spec.loader.exec_module = patched_exec_module
        return spec


def install():
    if os.environ.get(ENV_ENDPOINT) and _Finder not in sys.meta_path:
        sys.meta_path.insert(0, _Finder)


install()
