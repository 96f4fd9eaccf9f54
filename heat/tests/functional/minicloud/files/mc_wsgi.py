"""Generic gunicorn entry point for an OpenStack WSGI application.

The applications parse ``sys.argv`` with oslo.config when they are
imported, and gunicorn's own command line (``--bind ... mc_wsgi:application``)
makes them exit with "unrecognized arguments" -- the worker dies, gunicorn
restarts it forever and the port accepts connections that never answer.
So the arguments are stripped before the application named in
``$MC_WSGI_APP`` (``module:attribute``) is imported. With ``$MC_WSGI_ARGV``
(a JSON list) the attribute is a factory called with ``argv=`` that list
(Aodh's ``build_wsgi_app``).

Copied into the mini cloud's state directory and run by its venv's
gunicorn; not part of the ``heat`` package.
"""

import importlib
import json
import os
import sys

sys.argv = sys.argv[:1]
_module, _, _attr = os.environ['MC_WSGI_APP'].partition(':')
_obj = getattr(importlib.import_module(_module), _attr or 'application')
_argv = os.environ.get('MC_WSGI_ARGV')
application = _obj(argv=json.loads(_argv)) if _argv else _obj
