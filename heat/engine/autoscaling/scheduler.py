"""The evaluator of scheduled policies: every engine, every
``[autoscaling] schedule_interval`` seconds, applies the occurrences
that fell due since a policy was last evaluated.

For each scheduled policy the occurrences in ``(checked_until, now]``
(``checked_until`` is kept in the policy's ``params``) are due:

* the latest, if it is at most ``[autoscaling] schedule_grace_seconds``
  old, is applied through the decision transaction
  (:meth:`AutoScalingEngine.apply_scheduled`, trigger ``schedule``);
* every other one is recorded as a ``MISSED`` activity saying why (too
  late: no engine evaluated it within the grace; or superseded by a
  later occurrence), never applied.

Each occurrence is keyed ``schedule:<policy id>:<occurrence POSIX
seconds>``: the key's receipt, written in the transaction that applies
or records the occurrence, makes it happen exactly once whatever the
number of engines evaluating the same policy at the same time, and
after a restart. ``checked_until`` then moves to ``now`` (never back):
it only saves work, the receipts are what guarantee.

Test hook (the suites on real processes,
:mod:`heat.tests.functional.test_scheduled_crash`): with the environment
variable :data:`CRASH_ENV` naming a file when the scheduler starts, an
engine reads that file (``<point> [<key prefix>]``, point
``before-commit`` or ``after-commit``) whenever one of its transactions
writes an occurrence's receipt (a key ``schedule:...`` beginning with the
prefix). The first engine to find its point there takes the file
(renames it to ``<file>.fired`` and writes its pid, the point and the key
in it) and gets SIGKILL from itself just before that transaction's
COMMIT (nothing of it stored: the server rolls it back) or right after it
(the decision stored, nothing after it done: no cast, no
``checked_until``). Without the variable nothing is hooked.
"""

import collections
import logging
import os
import signal

import sqlalchemy as sa
from oslo_config import cfg
from oslo_db import exception as db_exc
from sqlalchemy import orm

from heat.common import context as context_mod
from heat.common import exception
from heat.db import api as db_api
from heat.db import models
from heat.engine.autoscaling import engine as eng
from heat.engine.autoscaling import schedule as schedule_mod
from heat.engine.autoscaling import sweep
from heat.scaling import scheduled

LOG = logging.getLogger(__name__)

#: missed occurrences recorded one by one per policy and evaluation (the
#: older ones are counted in the oldest record's reason)
MAX_MISSED_RECORDS = 10
#: how far back (beyond the grace) occurrences are enumerated at all
LOOKBACK = 7 * 86400
#: occurrences enumerated per policy and evaluation at most
MAX_OCCURRENCES = 20000


#: the environment variable naming the crash-point file (see the module's
#: docstring)
CRASH_ENV = 'HEAT_TEST_SCHEDULE_CRASH'
_CLAIM = 'heat_schedule_claim'


def _sigkill():
    os.kill(os.getpid(), signal.SIGKILL)


#: what a crash point does (a unit test replaces it with a raise)
crash = _sigkill


def _note_claim(session, flush_context):
    for obj in session.new:
        if isinstance(obj, models.ScalingTriggerReceipt) and \
                (obj.idempotency_key or '').startswith('schedule:'):
            session.info[_CLAIM] = obj.idempotency_key


def _forget_claim(session, transaction):
    if transaction.parent is None:
        session.info.pop(_CLAIM, None)  # the transaction ended


def _crash_point(point, key):
    path = os.environ.get(CRASH_ENV)
    if not key or not path:
        return
    try:
        with open(path) as f:
            words = f.read().split()
    except OSError:
        return
    if not words or words[0] != point or (
            len(words) > 1 and not key.startswith(words[1])):
        return
    fired = path + '.fired'
    try:
        os.rename(path, fired)
    except OSError:
        return  # another engine took it
    with open(fired, 'w') as f:
        f.write('%d %s %s\n' % (os.getpid(), point, key))
    LOG.warning('Crash point %s of %s (%s=%s): SIGKILL', point, key,
                CRASH_ENV, path)
    crash()


# (a savepoint's release fires the commit events too: only the
# transaction's own COMMIT counts)
def _before_commit(session):
    if not session.in_nested_transaction():
        _crash_point('before-commit', session.info.get(_CLAIM))


def _after_commit(session):
    if not session.in_nested_transaction():
        _crash_point('after-commit', session.info.pop(_CLAIM, None))


_HOOKS = (('after_flush', _note_claim), ('before_commit', _before_commit),
          ('after_commit', _after_commit),
          ('after_transaction_end', _forget_claim))


def crash_points(on=True):
    """Hook (``on``) or unhook the crash points of :data:`CRASH_ENV`
    into every session of the process."""
    for name, fn in _HOOKS:
        hooked = sa.event.contains(orm.Session, name, fn)
        if on and not hooked:
            sa.event.listen(orm.Session, name, fn)
        elif not on and hooked:
            sa.event.remove(orm.Session, name, fn)


def occurrence_key(policy_id, occurrence):
    return 'schedule:%s:%d' % (policy_id, int(round(occurrence)))


def due_occurrences(action, since, now, grace):
    """``(latest occurrences, count of older ones, where counting
    began)``: the occurrences of ``action`` in ``(since, now]``, the
    last :data:`MAX_MISSED_RECORDS` + 1 of them listed, oldest first."""
    start = max(since, now - grace - LOOKBACK)
    kept = collections.deque(maxlen=MAX_MISSED_RECORDS + 1)
    total = 0
    t = start
    while total < MAX_OCCURRENCES:
        t = scheduled.next_fire(action, t)
        if t is None or t > now:
            break
        kept.append(t)
        total += 1
    return list(kept), total - len(kept), start


def _policies():
    P = models.ScalingPolicy
    with db_api.reader(None) as session:
        return session.query(P).filter(P.kind == schedule_mod.KIND).order_by(
            P.id).all()


def advance(policy_id, until):
    """``checked_until`` of the policy to ``until`` (never back; only
    that key of ``params`` is written, and not ``updated_at``)."""
    P = models.ScalingPolicy
    with db_api.writer(None) as session:
        row = session.query(P).filter(P.id == policy_id).with_for_update(
        ).one_or_none()
        if row is None:
            return
        params = dict(row.params or {})
        if float(params.get(schedule_mod.CHECKED_UNTIL) or 0) >= until:
            return
        params[schedule_mod.CHECKED_UNTIL] = until
        session.execute(
            sa.update(P).where(P.id == policy_id).values(
                params=params, updated_at=P.updated_at),
            execution_options={'synchronize_session': False})


def evaluate_policy(as_engine, p, now, grace):
    """Apply or record the due occurrences of scheduled policy ``p``;
    the results of the applied ones (a list of decision dicts)."""
    action = schedule_mod.action_of(p)
    since = schedule_mod.checked_until(p)
    if now <= since:
        return []
    due, older, start = due_occurrences(action, since, now, grace)
    cnxt = context_mod.RequestContext(project_id=p.project, is_admin=True)
    applied = []
    if due:
        latest = due[-1]
        in_time = now - latest <= grace
        for i, occ in enumerate(due[:-1]):
            why = ('superseded by the occurrence at %s'
                   % schedule_mod.iso_utc(latest) if in_time else
                   'no engine evaluated it within schedule_grace_seconds '
                   '(%ds)' % grace)
            if i == 0 and (older or start > since):
                why += '; %s earlier occurrence(s) since %s missed as ' \
                       'well, not recorded one by one' % (
                           older if start <= since else 'more',
                           schedule_mod.iso_utc(since))
            as_engine.record_missed(cnxt, p, occ, why,
                                    occurrence_key(p.id, occ))
        key = occurrence_key(p.id, latest)
        if in_time:
            try:
                applied.append(as_engine.apply_scheduled(
                    cnxt, p, latest, 'schedule', key,
                    note='evaluated %ds late' % (now - latest)
                    if now - latest >= 1 else None))
            except exception.ScalingGroupBusy as exc:
                LOG.info('Scheduled policy %s not applied: %s', p.id, exc)
        else:
            as_engine.record_missed(
                cnxt, p, latest,
                'evaluated at %s, %ds after it: later than '
                'schedule_grace_seconds (%ds)' % (
                    schedule_mod.iso_utc(now), now - latest, grace), key)
    advance(p.id, now)
    return applied


def evaluate_once(as_engine, now=None, grace=None):
    """Evaluate every scheduled policy once; the decisions applied."""
    now = eng.clock() if now is None else now
    if grace is None:
        grace = cfg.CONF.autoscaling.schedule_grace_seconds
    out = []
    for p in _policies():
        try:
            out.extend(evaluate_policy(as_engine, p, now, grace))
        except exception.EntityNotFound:
            pass  # the policy or its group went meanwhile
        except db_exc.DBConnectionError:
            raise
        except Exception:  # noqa: BLE001 - the other policies still run
            LOG.exception('Scheduled policy %s: evaluation failed', p.id)
    return out


class Scheduler(sweep.Periodic):
    """:func:`evaluate_once` every ``interval`` seconds."""

    thread_name = 'as-schedule'
    what = 'Scheduled policies'

    def __init__(self, as_engine, interval):
        super().__init__(interval)
        self.as_engine = as_engine
        if os.environ.get(CRASH_ENV):
            crash_points()

    def run_once(self):
        evaluate_once(self.as_engine)
