"""Combining the decisions of several policies on one group.

Each policy decides on its own (simple, step, target tracking,
scheduled); :func:`combine` picks one outcome and says which policy won
and why. Two modes:

``largest`` (default, as AWS does for several policies)
    Policies that were rejected abstain. Among the accepted ones, the
    largest desired capacity wins, whatever the direction. Nothing
    accepted: the group holds.

``safest`` (as Nomad merges checks)
    Scale out beats hold beats scale in. Any accepted scale-out: the
    largest wins. Otherwise, if any policy holds (was rejected for any
    reason, including missing data or cooldown), the group holds: one
    policy is enough to veto a scale-in. Only when every policy asks to
    scale in does the group shrink, and then by the smallest step (the
    largest desired).

Ties go to the policy listed first. A suspended group stays suspended
whatever the mode. The combined decision keeps every policy's own
decision under ``inputs['policies']``, so the record shows the losers too.
"""

from heat.scaling import decision as dec

LARGEST = 'largest'
SAFEST = 'safest'
MODES = (LARGEST, SAFEST)


def _pairs(decisions):
    if hasattr(decisions, 'items'):
        decisions = list(decisions.items())
    pairs = [(str(name), d) for name, d in decisions]
    if not pairs:
        raise ValueError('combine needs at least one decision')
    names = [n for n, _d in pairs]
    if len(set(names)) != len(names):
        raise ValueError('policy names must be unique: %s'
                         % ', '.join(names))
    currents = {d.current for _n, d in pairs}
    if len(currents) != 1:
        raise ValueError('decisions start from different capacities %s'
                         % sorted(currents))
    return pairs


def _describe(name, d):
    if d.accepted:
        return '%s: %d -> %d (%s)' % (name, d.current, d.desired, d.reason)
    return '%s: holds, %s (%s)' % (name, d.rejection, d.reason)


def _largest(candidates):
    """The (name, decision) with the largest desired; first on ties."""
    best = candidates[0]
    for c in candidates[1:]:
        if c[1].desired > best[1].desired:
            best = c
    return best


def combine(decisions, mode=LARGEST):
    """One decision out of several policies' decisions.

    :param decisions: ``(name, Decision)`` pairs or a mapping name ->
        Decision, in priority order (ties go to the first); all must start
        from the same current capacity
    :param mode: ``largest`` or ``safest``
    :returns: :class:`heat.scaling.decision.Decision` whose
        ``inputs['winner']`` names the winning policy (None when the group
        holds because nothing was accepted)
    """
    if mode not in MODES:
        raise ValueError('combine mode %r is not one of %s'
                         % (mode, ', '.join(MODES)))
    pairs = _pairs(decisions)
    current = pairs[0][1].current
    b = dec.DecisionBuilder(
        current, kind='combine', mode=mode,
        policies={n: d.to_dict() for n, d in pairs})
    for name, d in pairs:
        b.step('policy', d.desired, _describe(name, d))

    def finish(winner, why):
        b.inputs['winner'] = winner[0] if winner else None
        if winner is None:
            b.step('combine', current, why)
            code = _common_rejection([d for _n, d in pairs])
            return b.reject(code, why)
        name, d = winner
        b.step('combine', d.desired, why)
        if d.accepted:
            return b.accept(d.desired, '%s; %s' % (why, d.reason),
                            cooldown_end=d.cooldown_end)
        return b.reject(d.rejection or dec.REJECT_NO_CHANGE,
                        '%s; %s' % (why, d.reason),
                        cooldown_end=d.cooldown_end)

    suspended = [(n, d) for n, d in pairs
                 if d.rejection == dec.REJECT_SUSPENDED]
    if suspended:
        return finish(suspended[0], 'scaling is suspended (reported by %r)'
                      % suspended[0][0])
    accepted = [(n, d) for n, d in pairs if d.accepted]
    if mode == LARGEST:
        if not accepted:
            return finish(None, 'largest: no policy proposes a change')
        winner = _largest(accepted)
        return finish(winner, 'largest: %r wins with %d of %s' % (
            winner[0], winner[1].desired,
            ', '.join('%s=%d' % (n, d.desired) for n, d in accepted)))
    ups = [(n, d) for n, d in accepted if d.desired > current]
    if ups:
        winner = _largest(ups)
        return finish(winner, 'safest: %r wins with scale-out to %d'
                      % (winner[0], winner[1].desired))
    holders = [(n, d) for n, d in pairs if not d.accepted]
    if holders:
        name, d = holders[0]
        if not accepted:
            return finish(None, 'safest: no policy proposes a change')
        return finish(holders[0], 'safest: %r holds (%s), which vetoes '
                      'the scale-in of %s' % (
                          name, d.rejection,
                          ', '.join(n for n, _d in accepted)))
    winner = _largest(accepted)
    return finish(winner, 'safest: every policy scales in; %r has the '
                  'smallest step, to %d' % (winner[0], winner[1].desired))


def _common_rejection(decisions):
    codes = {d.rejection for d in decisions if d.rejection}
    if len(codes) == 1:
        return codes.pop()
    return dec.REJECT_NO_CHANGE
