"""Notifications (upstream's ``orchestration.*`` event types).

:func:`notify` sends one notification through an
``oslo_messaging.Notifier`` when ``[oslo_messaging_notifications] driver``
is configured (on ``oslo_messaging.get_notification_transport``), and
hands it to every in-process subscriber (:func:`subscribe`), which is how
tests see them. It never fails its caller: a broken driver or subscriber
is logged and ignored.
"""

import logging
import threading

from oslo_config import cfg

LOG = logging.getLogger(__name__)

PUBLISHER_ID = 'orchestration'

_lock = threading.Lock()
_subscribers = []
_notifier = None
_notifier_key = None


def subscribe(fn):
    """Call ``fn(context, event_type, payload, level)`` on every
    notification of this process."""
    with _lock:
        _subscribers.append(fn)


def unsubscribe(fn):
    with _lock:
        try:
            _subscribers.remove(fn)
        except ValueError:
            pass


#: configurations whose notification options are registered (listing
#: oslo.messaging's options costs milliseconds: once per configuration)
_registered = set()


def _drivers(conf):
    try:
        if id(conf) not in _registered:
            import oslo_messaging
            for group, opts in oslo_messaging.opts.list_opts():
                if group == 'oslo_messaging_notifications':
                    try:
                        conf.register_opts(opts, group=group)
                    except cfg.DuplicateOptError:
                        pass
            _registered.add(id(conf))
        return list(conf.oslo_messaging_notifications.driver or [])
    except Exception:  # noqa: BLE001 - no driver, no notifications
        return []


def _get_notifier(conf):
    global _notifier, _notifier_key
    drivers = _drivers(conf)
    if not drivers or drivers == ['noop']:
        return None
    key = tuple(drivers)
    with _lock:
        if _notifier is None or _notifier_key != key:
            import oslo_messaging
            transport = oslo_messaging.get_notification_transport(conf)
            _notifier = oslo_messaging.Notifier(
                transport, publisher_id=PUBLISHER_ID)
            _notifier_key = key
        return _notifier


def _context_dict(context):
    to_dict = getattr(context, 'to_dict', None)
    if callable(to_dict):
        try:
            out = dict(to_dict())
            out.pop('auth_token', None)
            return out
        except Exception:  # noqa: BLE001
            return {}
    return dict(context) if isinstance(context, dict) else {}


def notify(context, event_type, payload, level='INFO', conf=None):
    """Send ``event_type`` (e.g. ``orchestration.autoscaling.start``)."""
    with _lock:
        subscribers = list(_subscribers)
    for fn in subscribers:
        try:
            fn(context, event_type, payload, level)
        except Exception:  # noqa: BLE001 - a subscriber never breaks us
            LOG.exception('Notification subscriber %r failed', fn)
    try:
        notifier = _get_notifier(conf or cfg.CONF)
        if notifier is None:
            return
        method = getattr(notifier, level.lower(), notifier.info)
        method(_context_dict(context), event_type, payload)
    except Exception:  # noqa: BLE001 - notifications are best effort
        LOG.exception('Could not send notification %s', event_type)


def reset():
    """Forget the notifier (tests that change the configuration)."""
    global _notifier, _notifier_key
    with _lock:
        _notifier = None
        _notifier_key = None
