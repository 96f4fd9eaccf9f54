"""The Prometheus metric source: one instant query, its values as floats.

:func:`query` asks ``GET {url}/api/v1/query?query=<promql>`` (Prometheus's
HTTP API, https://prometheus.io/docs/prometheus/latest/querying/api/) and
returns one float per series of the resulting vector, or the one float of
a scalar; an empty vector is ``[]`` (no data). NaN and infinite values are
dropped: no statistic can use them. Anything else -- a range vector or a
string result, an HTTP error, Prometheus's ``"status": "error"``, a
timeout, a refused connection, a body that is not the API's JSON -- raises
:class:`MetricError` whose text is the reason, naming the URL (the query
endpoint, without the query and without the user and password a URL such
as ``http://user:secret@host:9090`` may carry for basic authentication)
and never more than 200 characters of a body the server sent.

Why plain urllib3 and not ``prometheus-api-client``: that library is
built for pulling time series into pandas DataFrames; up to 0.6 it
required pandas, numpy, matplotlib and dateparser, and since 0.7 (those
made optional extras) it still brings dateparser and its dependencies
(regex, tzlocal, pytz) -- all for what is here one GET and a few lines of
JSON. urllib3 is already installed (requests and the health checker use
it), keeps connections to the Prometheus server alive across evaluations
(the module-level :data:`_HTTP` pool) and gives a real total timeout.
"""

import json
import math
import urllib.parse

import urllib3

#: at most this many characters of a body the server sent go into a reason
BODY_LIMIT = 200

#: one pool for the engine's evaluations (urllib3's PoolManager is
#: thread-safe); a handful of Prometheus servers at most
_HTTP = urllib3.PoolManager(num_pools=16, maxsize=8)


class MetricError(Exception):
    """The query gave no usable value; ``str()`` is the reason."""


def _cut(text):
    text = ' '.join(str(text).split())
    if len(text) > BODY_LIMIT:
        return text[:BODY_LIMIT] + '...'
    return text


def _float(raw, endpoint):
    try:
        return float(raw)
    except (TypeError, ValueError):
        raise MetricError('%s: a sample value is not a number: %s'
                          % (endpoint, _cut(repr(raw)))) from None


def _sample(value, endpoint):
    """The float of a ``[timestamp, "value"]`` pair."""
    if not isinstance(value, (list, tuple)) or len(value) != 2:
        raise MetricError('%s: malformed sample: %s'
                          % (endpoint, _cut(json.dumps(value))))
    return _float(value[1], endpoint)


def query(url, promql, timeout):
    """The values of the instant query ``promql`` at Prometheus ``url``.

    :param url: the server's base URL, e.g. ``http://127.0.0.1:9090``
        (a path prefix is kept: ``http://host/prometheus``).
    :param promql: the PromQL expression.
    :param timeout: seconds for the whole request.
    :returns: a list of finite floats, one per series (``[]``: no data).
    :raises MetricError: with the reason.
    """
    if not url:
        raise MetricError('no Prometheus URL (set the metric\'s url or '
                          '[autoscaling] prometheus_url)')
    headers = {'Accept': 'application/json'}
    base = url.rstrip('/')
    try:
        parts = urllib.parse.urlsplit(base)
        if parts.username is not None or parts.password is not None:
            # basic auth from the URL; the reasons name it without them
            headers.update(urllib3.make_headers(basic_auth='%s:%s' % (
                urllib.parse.unquote(parts.username or ''),
                urllib.parse.unquote(parts.password or ''))))
            base = urllib.parse.urlunsplit(parts._replace(
                netloc=parts.netloc.rpartition('@')[2]))
    except ValueError as exc:
        raise MetricError('bad Prometheus URL: %s' % _cut(exc)) from exc
    endpoint = base + '/api/v1/query'
    full = '%s?%s' % (endpoint, urllib.parse.urlencode({'query': promql}))
    try:
        resp = _HTTP.request(
            'GET', full, headers=headers,
            timeout=urllib3.Timeout(total=timeout), retries=False,
            redirect=False, preload_content=True)
    except urllib3.exceptions.NewConnectionError as exc:
        # before TimeoutError: urllib3 makes it a ConnectTimeoutError
        raise MetricError('%s: cannot connect: %s'
                          % (endpoint, _cut(_reason(exc)))) from exc
    except urllib3.exceptions.TimeoutError:
        raise MetricError('%s: timed out after %s s'
                          % (endpoint, timeout)) from None
    except urllib3.exceptions.HTTPError as exc:
        raise MetricError('%s: %s' % (endpoint, _cut(_reason(exc)))) from exc
    except ValueError as exc:  # a URL urllib3 cannot parse
        raise MetricError('%s: bad URL: %s'
                          % (endpoint, _cut(exc))) from exc
    body = resp.data
    try:
        doc = json.loads(body)
    except ValueError:
        doc = None
    if isinstance(doc, dict) and doc.get('status') == 'error':
        # Prometheus answers errors with 400/422/503 and this body
        raise MetricError('%s: Prometheus error (HTTP %d) %s: %s'
                          % (endpoint, resp.status,
                             _cut(doc.get('errorType', '?')),
                             _cut(doc.get('error', ''))))
    if resp.status != 200:
        raise MetricError('%s: HTTP %d: %s'
                          % (endpoint, resp.status,
                             _cut(body.decode('utf-8', 'replace'))))
    if not isinstance(doc, dict):
        raise MetricError('%s: the answer is not JSON: %s'
                          % (endpoint,
                             _cut(body.decode('utf-8', 'replace'))))
    data = doc.get('data')
    if doc.get('status') != 'success' or not isinstance(data, dict):
        raise MetricError('%s: unexpected answer: %s'
                          % (endpoint, _cut(json.dumps(doc))))
    kind = data.get('resultType')
    result = data.get('result')
    if kind == 'vector':
        if not isinstance(result, list):
            raise MetricError('%s: malformed vector: %s'
                              % (endpoint, _cut(json.dumps(result))))
        values = []
        for series in result:
            if not isinstance(series, dict) or 'value' not in series:
                raise MetricError('%s: malformed series: %s'
                                  % (endpoint, _cut(json.dumps(series))))
            values.append(_sample(series['value'], endpoint))
    elif kind == 'scalar':
        values = [_sample(result, endpoint)]
    elif kind in ('matrix', 'string'):
        raise MetricError('%s: the query gives a %s, not an instant vector '
                          'or a scalar' % (endpoint, kind))
    else:
        raise MetricError('%s: unknown result type %s'
                          % (endpoint, _cut(repr(kind))))
    return [v for v in values if math.isfinite(v)]


def _reason(exc):
    """The innermost useful text of a urllib3 error (``MaxRetryError``
    wraps the cause, e.g. ``NewConnectionError: ... refused``)."""
    cause = getattr(exc, 'reason', None)
    if cause is not None:
        return '%s: %s' % (type(cause).__name__, cause)
    return '%s: %s' % (type(exc).__name__, exc)
