"""The Auto-Scaling API's ``Idempotency-Key``: the first answer to a POST,
kept in the database so that a repeat reaching any API process gets it.

The API claims the key of the caller's project before acting
(:func:`claim`) and stores its answer afterwards (:func:`finish`):

- ``new``: this request is the first use of the key: act, then
  :func:`finish` with the answer (status, body, headers). An answer of
  5xx is not stored (the claim is released): a retry may mend it.
- ``done``: the stored answer: return it as it is, act on nothing.
- ``in_progress``: the first request with this key is still being
  served: the repeat is answered 409 and may be retried.
- ``mismatch``: the key came with another method, path or body: 409.

Records live ``[autoscaling] api_idempotency_retention`` seconds (one
day by default); a claim still pending after :data:`STALE_CLAIM` seconds
(the process serving it died) is taken over by the next repeat.
"""

from oslo_config import cfg

from heat.common import exception
from heat.db import api as db_api

#: seconds after which a pending claim counts as abandoned: far above
#: the time an API request waits for an engine (rpc_response_timeout)
STALE_CLAIM = 600

NEW, DONE, IN_PROGRESS, MISMATCH = ('new', 'done', 'in_progress',
                                    'mismatch')


def retention():
    try:
        return cfg.CONF.autoscaling.api_idempotency_retention
    except (cfg.NoSuchOptError, cfg.NoSuchGroupError):
        return 86400


def claim(cnxt, project, key, fingerprint):
    """``{'state': new|done|in_progress|mismatch, 'status', 'body',
    'headers'}`` (the last three for ``done``)."""
    if not isinstance(key, str) or not key or len(key) > 255:
        raise exception.Invalid(reason='an Idempotency-Key is 1 to 255 '
                                       'characters')
    row, claimed = db_api.api_idempotency_claim(
        cnxt, project, key, fingerprint, retention(), STALE_CLAIM)
    if claimed:
        return {'state': NEW}
    if row.fingerprint != fingerprint:
        return {'state': MISMATCH}
    if row.status is None:
        return {'state': IN_PROGRESS}
    return {'state': DONE, 'status': row.status, 'body': row.body,
            'headers': row.headers or {}}


def finish(cnxt, project, key, status, body=None, headers=None):
    """Store the answer of the claiming request (a 5xx releases the
    claim instead); whether anything was stored."""
    if status >= 500:
        db_api.api_idempotency_release(cnxt, project, key)
        return False
    return db_api.api_idempotency_finish(cnxt, project, key, status, body,
                                         headers or {})
