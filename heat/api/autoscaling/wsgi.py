"""The Auto-Scaling API alone, for any WSGI server:
``heat.api.autoscaling.wsgi:application``.

heat-api and heat-all already serve it under ``/autoscaling`` next to
``/v1``; this entry point serves only it, configured like
:mod:`heat.api.wsgi` (``HEAT_CONFIG_FILE`` names the configuration
files, several separated by ``:``), e.g.::

    HEAT_CONFIG_FILE=/etc/heat/heat.conf \\
        gunicorn --bind 0.0.0.0:8005 heat.api.autoscaling.wsgi:application

The application is built on the first request of each worker process.
"""

import threading

_lock = threading.Lock()
_app = None


def _build():
    import os

    from heat.api.autoscaling import app
    from heat.cmd import common
    from heat.common import config
    from heat.rpc import client
    files = [f for f in os.environ.get('HEAT_CONFIG_FILE', '').split(':')
             if f]
    conf = config.load(files)
    config.setup_logging(conf)
    common.prepare_database(conf, sync=False)
    return app.make_app(client.EngineClient(transport=conf), conf)


def application(environ, start_response):
    """The WSGI callable: the Auto-Scaling API, built on first use."""
    global _app
    if _app is None:
        with _lock:
            if _app is None:
                _app = _build()
    return _app(environ, start_response)
