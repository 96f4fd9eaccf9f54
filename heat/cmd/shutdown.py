"""Stopping a long-running command on SIGTERM within a bound.

``[DEFAULT] graceful_shutdown_timeout`` (seconds) bounds the time from
SIGTERM (or SIGINT) to the end of the process, whatever it is doing:

1. At once the process stops taking new work (the command closes its
   listening socket, stops consuming RPC messages, tells convergers to
   stop at their next batch).
2. Work in flight (stack actions, RPCs being served, API requests) gets
   until :attr:`Shutdown.grace_deadline`: the bound less a reserve for the
   last steps (stopping the heartbeat, deleting the service row). A stack
   action paused on a hook is not waited for (nothing but a signal this
   process no longer takes would move it on): it is abandoned at once.
3. Whatever still runs then is abandoned: it is logged and the process
   ends with ``os._exit`` (threads that are not daemons, a converger's
   member pool, would otherwise hold the interpreter's exit). Its stack
   locks stay with an engine whose service row is gone, that is a dead
   engine: another engine's stale-stack check takes them over; a group
   lease it holds expires (``[autoscaling] lease_ttl``) and a sweep
   resumes the group.

A watchdog ends the process at the bound in any case (the orderly stop
itself may hang: a database that does not answer), and a second signal
ends it at once.
"""

import logging
import os
import signal
import sys
import threading
import time

LOG = logging.getLogger('heat')

#: the most of the bound kept for the last steps, after in-flight work
RESERVE = 2.0


class Shutdown:
    """The stop of one process: installed before it says it is ready."""

    def __init__(self, name, timeout):
        self.name = name
        self.timeout = float(timeout)
        self.requested = threading.Event()
        self.started_at = None
        self.abandoned = []
        self._background = []

    # -- the signal -------------------------------------------------------

    def install(self):
        signal.signal(signal.SIGINT, self._on_signal)
        signal.signal(signal.SIGTERM, self._on_signal)
        return self

    def _on_signal(self, signum, frame):
        if self.started_at is not None:
            LOG.warning('%s: second signal %d while stopping: exiting now',
                        self.name, signum)
            _exit(1)
        self.request(signum)

    def request(self, signum=None):
        """Start the stop (the signal handler's work; tests call it)."""
        self.started_at = time.monotonic()
        LOG.info('%s: stopping on signal %s; in-flight work gets %.1f s '
                 '(graceful_shutdown_timeout %.0f s)', self.name, signum,
                 self.grace_deadline - self.started_at, self.timeout)
        threading.Thread(target=self._watchdog, name='shutdown-watchdog',
                         daemon=True).start()
        self.requested.set()

    def wait(self):
        """Block until a stop is requested."""
        while not self.requested.wait(1):
            pass

    # -- the clock --------------------------------------------------------

    @property
    def grace_deadline(self):
        """When in-flight work is abandoned."""
        return self.started_at + self.timeout - min(RESERVE,
                                                    self.timeout / 5)

    @property
    def hard_deadline(self):
        """When the watchdog ends the process."""
        return self.started_at + self.timeout - min(0.5, self.timeout / 10)

    def remaining(self):
        """Seconds left for in-flight work."""
        return max(0.0, self.grace_deadline - time.monotonic())

    def _watchdog(self):
        time.sleep(max(0.0, self.hard_deadline - time.monotonic()))
        LOG.error('%s: still stopping %.1f s after the signal: exiting now; '
                  'abandoned: %s', self.name,
                  time.monotonic() - self.started_at,
                  ', '.join(self.abandoned + self._running()) or 'nothing')
        _exit(1)

    # -- stopping things ----------------------------------------------------

    def in_background(self, what, fn, *args):
        """Run ``fn`` (a blocking stop) in a daemon thread; joined by
        :meth:`join`."""
        thread = threading.Thread(target=self._run, args=(what, fn, args),
                                  name='stop-%s' % what, daemon=True)
        self._background.append((what, thread))
        thread.start()
        return thread

    def _run(self, what, fn, args):
        try:
            fn(*args)
        except Exception:  # noqa: BLE001 - the other stops go on
            LOG.exception('%s: stopping %s failed', self.name, what)

    def join(self):
        """Wait for the background stops until the grace deadline; those
        still running are abandoned."""
        for what, thread in self._background:
            thread.join(self.remaining())
            if thread.is_alive():
                self.abandon(what)
        self._background = []

    def _running(self):
        return [what for what, thread in self._background
                if thread.is_alive()]

    def abandon(self, *what):
        self.abandoned.extend(what)

    def finish(self, failed=False):
        """End the process's stop: log it; with work abandoned, end the
        process now (``os._exit``, status 1 if ``failed``: an error, not
        a signal, stopped it), as its threads would hold the interpreter's
        exit. Returns only when nothing was abandoned."""
        elapsed = time.monotonic() - self.started_at
        if not self.abandoned:
            LOG.info('%s: stopped in %.1f s', self.name, elapsed)
            return
        LOG.warning('%s: stopped in %.1f s; abandoned to other engines '
                    '(locks and leases left for takeover): %s',
                    self.name, elapsed, ', '.join(self.abandoned))
        _exit(1 if failed else 0)


def _flush():
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()


def _exit(code):
    """Flush what was written (a moment at most: a handler may be stuck
    on a full pipe), then end the process at once."""
    flusher = threading.Thread(target=_flush, name='shutdown-flush',
                               daemon=True)
    flusher.start()
    flusher.join(0.5)
    os._exit(code)
