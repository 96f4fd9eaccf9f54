"""The sweep: every engine, every ``[autoscaling] sweep_interval``
seconds, casts a converge for each group with work left and no live
lease (``db_api.scaling_group_needing_convergence``): a crashed engine's
work is resumed by another."""

import logging
import threading
import time

from oslo_db import exception as db_exc

from heat.common import context as context_mod
from heat.db import api as db_api
from heat.engine.autoscaling import client as as_client

LOG = logging.getLogger(__name__)


def sweep_once(cast=None, limit=100):
    """Cast converge for every group needing it; the group ids."""
    cast = cast or (lambda ctx, gid: as_client.get().converge_scaling_group(
        ctx, gid))
    ids = []
    for row in db_api.scaling_group_needing_convergence(None, limit=limit):
        ctx = context_mod.RequestContext(project_id=row.project,
                                         is_admin=True)
        try:
            cast(ctx, row.id)
            ids.append(row.id)
        except Exception:  # noqa: BLE001 - the next sweep tries again
            LOG.exception('Sweep: could not cast converge of %s', row.id)
    return ids


class Periodic:
    """A daemon thread running :meth:`run_once` every ``interval``
    seconds (0 or less: never started). A database outage is one warning
    line per run; any other error is logged and the next run goes on."""

    #: the thread's name; what the log lines call the job
    thread_name = 'as-periodic'
    what = 'Auto-scaling periodic job'

    def __init__(self, interval):
        self.interval = interval
        self._stop = threading.Event()
        self._thread = None

    def run_once(self):
        raise NotImplementedError

    def start(self):
        if self._thread is not None or self.interval <= 0:
            return self
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop,
                                        name=self.thread_name, daemon=True)
        self._thread.start()
        return self

    def _loop(self):
        # every ``interval`` from one start to the next (a run's own time
        # is not added to the wait: a 1.6 s run at a 1 s tick was a look
        # every 2.6 s)
        wait = self.interval
        while not self._stop.wait(wait):
            started = time.monotonic()
            try:
                self.run_once()
            except db_exc.DBConnectionError as exc:
                # the database is away (a restart, a failover): one line
                # a run is enough; the next run tries again
                LOG.warning('%s: database unavailable: %s', self.what,
                            str(exc).splitlines()[0][:200])
            except Exception:  # noqa: BLE001 - keep running
                LOG.exception('%s failed', self.what)
            wait = max(0.0, self.interval - (time.monotonic() - started))

    def stop(self, timeout=None):
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None


class Sweeper(Periodic):
    """:func:`sweep_once` every ``interval`` seconds, and the purge of the
    Auto-Scaling API's expired idempotency records."""

    thread_name = 'as-sweep'
    what = 'Auto-scaling sweep'

    def __init__(self, interval, cast=None):
        super().__init__(interval)
        self.cast = cast

    def run_once(self):
        sweep_once(self.cast)
        db_api.api_idempotency_purge(None)
