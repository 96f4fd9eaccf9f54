"""Signals through pre-signed URLs (``alarm_url``): the engine side.

``POST /v1/signal/{arn}?AWSAccessKeyId=..&Signature=..`` reaches
:func:`signed_resource_signal` (``EngineService.signed_resource_signal``,
RPC version 1.37) with no authenticated user: the signature is the
authentication. The ARN names the resource
(``arn:openstack:heat::<tenant>:stacks/<name>/<id>/resources/<resource>``);
its stack is loaded in the ARN's project, and the request must be signed
with the resource's own credentials, its resource data ``access_key``
and ``secret_key`` (:func:`heat.common.signing.new_credentials`, set by
the resource that hands the URL out). With ``[DEFAULT]
signed_url_max_age`` set (seconds; 0, the default, keeps upstream's URLs
that never expire), the signed ``Timestamp`` must also be no older, nor
further in the future, than that. Any failure of the check raises
:class:`~heat.common.exception.InvalidSignature` (HTTP 403) before
anything is changed; a good request is then exactly
``EngineService.resource_signal`` in that project.
"""

import re
import urllib.parse

from heat.common import context as context_mod
from heat.common import exception, identifier, signing

#: the resource data keys holding a resource's signing credentials
ACCESS_KEY, SECRET_KEY = 'access_key', 'secret_key'

_RESOURCE_PATH = re.compile(r'^/resources/(?P<name>[^/]+)$')


def parse_resource_arn(arn):
    """``(stack identity dict, resource name)`` of a resource ARN;
    :class:`~heat.common.exception.Invalid` (HTTP 400) naming it if it
    is not one."""
    text = arn if isinstance(arn, str) else ''
    if text.startswith(urllib.parse.quote(identifier.ARN_PREFIX, safe='')):
        text = urllib.parse.unquote(text)
    # WSGI servers (cheroot) leave a quoted "/" quoted in PATH_INFO; no
    # part of an ARN (tenant, stack name and id, resource name) holds one
    text = re.sub('%2[fF]', '/', text)
    try:
        ident = identifier.HeatIdentifier.from_arn(text)
        match = _RESOURCE_PATH.match(ident.path)
    except ValueError:
        match = None
    if match is None or not ident.tenant:
        raise exception.Invalid(
            reason='"%s" is not a resource ARN (arn:openstack:heat::'
                   '<tenant>:stacks/<name>/<id>/resources/<resource>)'
                   % (arn,))
    stack = ident.stack()
    return dict(stack), match.group('name')


def max_age(conf=None):
    """``[DEFAULT] signed_url_max_age`` in seconds, or None when signed
    URLs never expire (0, the default, as upstream)."""
    if conf is None:
        from heat.common import config
        conf = config.CONF
    seconds = getattr(conf, 'signed_url_max_age', 0) or 0
    return seconds if seconds > 0 else None


def project_context(cnxt, tenant):
    """A context of ``tenant``'s project for a signed request: no user,
    the caller's request id kept."""
    return context_mod.RequestContext(
        project_id=tenant, roles=[],
        request_id=getattr(cnxt, 'request_id', None))


def signed_resource_signal(service, cnxt, arn, method, path, params,
                           details, idempotency_key=None):
    """Check the signature, then signal the resource (see the module
    doc). ``params`` is the query: a dict or a list of ``[name, value]``
    pairs. Returns what ``resource_signal`` returns."""
    stack_identity, resource_name = parse_resource_arn(arn)
    scnxt = project_context(cnxt, stack_identity['tenant'])
    scnxt, stack = service._load(scnxt, stack_identity)
    rsrc = stack.resources.get(resource_name)
    if rsrc is None:
        raise exception.ResourceNotFound(resource_name=resource_name,
                                         stack_name=stack.name)
    data = rsrc.data() if rsrc.id is not None else {}
    access_key, secret = data.get(ACCESS_KEY), data.get(SECRET_KEY)
    if not (access_key and secret):
        raise exception.InvalidSignature(
            reason='the resource %s takes no signed signals' % resource_name)
    signing.verify(secret, method, path, params, access_key=access_key,
                   max_age=max_age())
    return service.resource_signal(scnxt, stack_identity, resource_name,
                                   details, idempotency_key=idempotency_key)

