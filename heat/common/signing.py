"""Pre-signed URLs: the ``alarm_url`` of a scaling policy (upstream's
``AlarmUrl`` / ``alarm_url``), checked by ``POST /v1/signal/{arn}``.

The scheme is EC2 signature version 2 (what upstream Heat's
``signal_responder`` hands out), except that the host is **not** signed:
the signature covers the method, the path and the query, so the same URL
stays valid behind a proxy or a renamed host::

    string_to_sign = METHOD + "\\n" + normalised path + "\\n" + canonical query
    Signature      = base64(HMAC-SHA256(secret, string_to_sign))

- the path is unquoted then quoted again (``/`` kept), so the quoted form
  a client sends (``/v1/signal/arn%3Aopenstack...%2Fresources%2Fp``) and
  the unquoted one a WSGI server puts in ``PATH_INFO`` sign alike;
- the canonical query is every parameter but ``Signature``, sorted by
  name, each name and value percent-encoded (RFC 3986 unreserved
  characters kept) and joined as ``k=v`` with ``&``.

The query of a pre-signed URL carries ``AWSAccessKeyId``,
``SignatureMethod=HmacSHA256``, ``SignatureVersion=2``, ``Timestamp``
(ISO 8601, UTC) and ``Signature``. As upstream, a URL never expires:
:func:`verify` checks the age of ``Timestamp`` only when given
``max_age`` (heat-engine passes ``[DEFAULT] signed_url_max_age`` when an
operator sets it, see :mod:`heat.engine.signed_signal`); the age is
checked after the signature, so only an authentic URL is told that it
expired. Every comparison of a secret-derived value is made with
:func:`hmac.compare_digest`; no error message contains the secret, the
expected signature or the access key stored.
"""

import base64
import datetime
import hashlib
import hmac
import secrets
import socket
import urllib.parse

from heat.common import exception

PARAMS = (ACCESS_KEY_ID, SIGNATURE_METHOD, SIGNATURE_VERSION, TIMESTAMP,
          SIGNATURE) = ('AWSAccessKeyId', 'SignatureMethod',
                        'SignatureVersion', 'Timestamp', 'Signature')
METHOD_NAME = 'HmacSHA256'
VERSION = '2'
TIMESTAMP_FORMAT = '%Y-%m-%dT%H:%M:%SZ'

#: methods tried to tell "signed for another method" from a bad signature
_METHODS = ('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD')
_ANY_HOST = ('', '0.0.0.0', '::', '[::]')


def new_credentials():
    """``(access_key, secret)``: fresh random URL-safe strings."""
    return secrets.token_hex(16), secrets.token_urlsafe(32)


def public_base_url(conf=None):
    """The URL clients reach heat-api at: ``heat_metadata_server_url``,
    else ``http://<[heat_api] bind_host>:<bind_port>`` (a wildcard bind
    address is replaced by this host's name). No trailing slash."""
    if conf is None:
        from heat.common import config
        conf = config.CONF
    url = getattr(conf, 'heat_metadata_server_url', None)
    if url:
        return url.rstrip('/')
    group = getattr(conf, 'heat_api', None)
    host = getattr(group, 'bind_host', None) or '127.0.0.1'
    port = getattr(group, 'bind_port', None) or 8004
    if host in _ANY_HOST:
        host = socket.gethostname()
    if ':' in host and not host.startswith('['):
        host = '[%s]' % host
    return 'http://%s:%s' % (host, port)


def _text(value):
    if isinstance(value, bytes):
        return value.decode('utf-8', 'replace')
    return str(value)


def _pairs(params):
    """``[(name, value)]`` of a mapping, a WebOb MultiDict or a list of
    pairs (what a query travels as over RPC: lists of 2 items)."""
    if params is None:
        return []
    if hasattr(params, 'items'):
        items = params.items()
    else:
        items = params
    out = []
    for item in items:
        try:
            key, value = item
        except (TypeError, ValueError) as exc:
            raise exception.InvalidSignature(
                reason='malformed query parameters') from exc
        out.append((_text(key), _text(value)))
    return out


def _single(params):
    """``{name: value}``; a parameter given twice is refused (which of
    the two was signed would be ambiguous)."""
    out = {}
    for key, value in _pairs(params):
        if key in out:
            raise exception.InvalidSignature(
                reason='the query parameter %s is given more than once'
                       % key)
        out[key] = value
    return out


def normalise_path(path):
    """The path as signed: unquoted, then quoted again keeping ``/``."""
    path = _text(path or '/')
    return urllib.parse.quote(urllib.parse.unquote(path), safe='/')


def _enc(text):
    return urllib.parse.quote(text, safe='-_.~')


def canonical_query(params):
    """Sorted ``k=v`` pairs (``Signature`` left out) joined with ``&``."""
    pairs = sorted((k, v) for k, v in _pairs(params) if k != SIGNATURE)
    return '&'.join('%s=%s' % (_enc(k), _enc(v)) for k, v in pairs)


def string_to_sign(method, path, params):
    """What is signed: method, normalised path and canonical query."""
    return '\n'.join((_text(method).upper(), normalise_path(path),
                      canonical_query(params)))


def sign(secret, method, path, params):
    """The base64 HMAC-SHA256 signature of the request."""
    digest = hmac.new(_text(secret).encode('utf-8'),
                      string_to_sign(method, path, params).encode('utf-8'),
                      hashlib.sha256).digest()
    return base64.b64encode(digest).decode('ascii')


def _now(now):
    if now is None:
        return datetime.datetime.now(datetime.timezone.utc)
    if isinstance(now, (int, float)):
        return datetime.datetime.fromtimestamp(now, datetime.timezone.utc)
    if now.tzinfo is None:
        return now.replace(tzinfo=datetime.timezone.utc)
    return now


def timestamp(now=None):
    """``now`` (default: the clock) as a signed-URL ``Timestamp``."""
    # not strftime: glibc writes year 999 as "999", which no ISO 8601
    # parser (ours included) reads back (found by fuzzing)
    ts = _now(now)
    return '%04d-%02d-%02dT%02d:%02d:%02dZ' % (
        ts.year, ts.month, ts.day, ts.hour, ts.minute, ts.second)


def presigned_params(method, path, access_key, secret, now=None):
    """The query (a dict, ``Signature`` included) signing ``method path``."""
    params = {ACCESS_KEY_ID: access_key,
              SIGNATURE_METHOD: METHOD_NAME,
              SIGNATURE_VERSION: VERSION,
              TIMESTAMP: timestamp(now)}
    params[SIGNATURE] = sign(secret, method, path, params)
    return params


def presigned_url(method, base_url, path, access_key, secret, now=None):
    """``base_url`` + ``path`` + a signed query (see the module doc).

    ``path`` is the path below ``base_url`` (e.g. ``/v1/signal/`` + the
    quoted ARN); a path in ``base_url`` itself is signed with it.
    """
    base = base_url.rstrip('/')
    if not path.startswith('/'):
        path = '/' + path
    full_path = (urllib.parse.urlsplit(base).path or '') + path
    params = presigned_params(method, full_path, access_key, secret, now)
    return '%s%s?%s' % (base, path, urllib.parse.urlencode(
        sorted(params.items()), quote_via=urllib.parse.quote))


def _equal(given, expected):
    """Constant-time comparison of two texts (any characters)."""
    return hmac.compare_digest(_text(given).encode('utf-8'),
                               _text(expected).encode('utf-8'))


def _parse_timestamp(value):
    for fmt in (TIMESTAMP_FORMAT, '%Y-%m-%dT%H:%M:%S.%fZ'):
        try:
            return datetime.datetime.strptime(value, fmt).replace(
                tzinfo=datetime.timezone.utc)
        except ValueError:
            continue
    try:
        ts = datetime.datetime.fromisoformat(value)
    except ValueError:
        return None
    if ts.tzinfo is None:
        ts = ts.replace(tzinfo=datetime.timezone.utc)
    return ts


def verify(secret, method, path, params, max_age=None, now=None,
           access_key=None):
    """Check a signed request; raise :class:`~heat.common.exception.
    InvalidSignature` with the reason when it fails, return None if not.

    ``access_key``: when given, ``AWSAccessKeyId`` must equal it.
    ``max_age`` (seconds): when given, ``Timestamp`` must be no older
    than that (nor that far in the future); by default, as upstream's
    ``alarm_url``, a signed URL never expires.
    """
    values = _single(params)
    missing = [p for p in PARAMS if not values.get(p)]
    if missing:
        raise exception.InvalidSignature(
            reason='missing query parameter%s %s' % (
                's' if len(missing) > 1 else '', ', '.join(missing)))
    if values[SIGNATURE_METHOD] != METHOD_NAME:
        raise exception.InvalidSignature(
            reason='unsupported SignatureMethod (only %s is accepted)'
                   % METHOD_NAME)
    if values[SIGNATURE_VERSION] != VERSION:
        raise exception.InvalidSignature(
            reason='unsupported SignatureVersion (only %s is accepted)'
                   % VERSION)
    ts = _parse_timestamp(values[TIMESTAMP])
    if ts is None:
        raise exception.InvalidSignature(reason='malformed Timestamp')
    if not secret:
        raise exception.InvalidSignature(
            reason='no signing credentials for this resource')
    if access_key is not None and not _equal(values[ACCESS_KEY_ID],
                                             access_key):
        raise exception.InvalidSignature(reason='unknown AWSAccessKeyId')
    method = _text(method).upper()
    given = values[SIGNATURE]
    pairs = list(values.items())
    if not _equal(given, sign(secret, method, path, pairs)):
        for other in _METHODS:
            if other != method and _equal(
                    given, sign(secret, other, path, pairs)):
                raise exception.InvalidSignature(
                    reason='the URL is signed for %s, not %s'
                           % (other, method))
        raise exception.InvalidSignature(
            reason='the signature does not match the method, path and '
                   'query')
    if max_age is not None:
        age = (_now(now) - ts).total_seconds()
        if age > max_age:
            raise exception.InvalidSignature(
                reason='the URL has expired (signed %s, older than %s '
                       'seconds)' % (values[TIMESTAMP], max_age))
        if -age > max_age:
            raise exception.InvalidSignature(
                reason='the Timestamp %s is in the future'
                       % values[TIMESTAMP])
