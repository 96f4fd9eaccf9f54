"""The engine RPC layer: names (``api``), the client (``client``), the
transports (``transport``) and the server exposing EngineService
(``server``). See ``doc/dev/rpc.md``."""

# oslo.messaging imports oslo.service, whose default backend is eventlet.
# This engine runs on native threads: select oslo.service's threading
# backend before anything imports oslo.messaging.
# futurist (under oslo.messaging) imports eventlet, when installed, only
# to detect it; eventlet then warns that it is deprecated. Nothing here
# uses it, so that warning would only mislead whoever reads the log.
import warnings  # noqa: E402

warnings.filterwarnings('ignore', message=r'\s*Eventlet is deprecated')

from oslo_service import backend as _oslo_service_backend  # noqa: E402

try:
    _oslo_service_backend.init_backend(
        _oslo_service_backend.BackendType.THREADING)
except _oslo_service_backend.exceptions.BackendAlreadySelected:
    pass
