"""The Orchestration API for any WSGI server: ``heat.api.wsgi:application``.

``heat-api`` serves the API with its own threaded server (cheroot). To run
it under another WSGI server (gunicorn, uWSGI, mod_wsgi), point the server
at ``heat.api.wsgi:application`` and name the configuration files in
``HEAT_CONFIG_FILE`` (several separated by ``:``), e.g.::

    HEAT_CONFIG_FILE=/etc/heat/heat.conf \\
        gunicorn --bind 0.0.0.0:8004 --workers 4 heat.api.wsgi:application

The application is built on the first request of each worker process
(after the server forked it), from the configuration then: the database,
the message bus (``transport_url``: the engines run as ``heat-engine``
processes) and ``auth_strategy``.
"""

import threading

_lock = threading.Lock()
_app = None


def _build():
    from heat.cmd import api
    return api.application_from_env()


def application(environ, start_response):
    """The WSGI callable: the API, built on first use."""
    global _app
    if _app is None:
        with _lock:
            if _app is None:
                _app = _build()
    return _app(environ, start_response)
