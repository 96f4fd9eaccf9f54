"""Random (version 4) UUIDs for hot paths, without a system call each.

``uuid.uuid4()`` reads 16 bytes from ``os.urandom``, a system call that
releases the GIL. In a process where other threads hold the GIL for long
(a converger building members next to the API's request threads, in
``heat-all``), the caller then waits to get it back, up to the
interpreter's switch interval (5 ms), for every id. :func:`random_uuid`
cuts its ids from one ``os.urandom`` read of :data:`BATCH` ids: the same
randomness, one system call per :data:`BATCH` ids.
"""

import os
import threading
import uuid

#: ids cut from one ``os.urandom`` read
BATCH = 256


class _Source:

    def __init__(self):
        self._lock = threading.Lock()
        self._pool = b''
        self._pid = os.getpid()

    def __call__(self):
        with self._lock:
            if len(self._pool) < 16 or self._pid != os.getpid():
                # (a forked child draws its own bytes, never the parent's)
                self._pool = os.urandom(16 * BATCH)
                self._pid = os.getpid()
            raw, self._pool = self._pool[:16], self._pool[16:]
        return str(uuid.UUID(bytes=raw, version=4))


#: a random UUID, as text (``str(uuid.uuid4())``)
random_uuid = _Source()
