"""The dependency graph of a stack's resources.

:class:`Dependencies` is built from ``(requirer, required)`` edges (a
``None`` required adds a node with no dependency). Iterating gives a
topological order, every node after the nodes it requires; reversed, the
order to delete in. A cycle raises
:class:`~heat.common.exception.CircularDependencyException` whose message
names the nodes of one cycle in order (``a -> b -> a``).
"""

from heat.common import exception


class Dependencies:
    """A directed graph of requirements between named nodes."""

    def __init__(self, edges=()):
        # insertion-ordered: the order of the template is the tie-breaker
        self._requires = {}
        self._required_by = {}
        for edge in edges:
            self += edge

    def _node(self, key):
        if key not in self._requires:
            self._requires[key] = {}
            self._required_by[key] = {}

    def __iadd__(self, edge):
        requirer, required = edge
        self._node(requirer)
        if required is not None:
            self._node(required)
            self._requires[requirer][required] = None
            self._required_by[required][requirer] = None
        return self

    def __contains__(self, key):
        return key in self._requires

    def __len__(self):
        return len(self._requires)

    def requires(self, key):
        """The nodes ``key`` requires."""
        return list(self._requires[key])

    def required_by(self, key):
        """The nodes that require ``key``."""
        return list(self._required_by[key])

    def leaves(self):
        """Nodes that require nothing."""
        return [k for k, req in self._requires.items() if not req]

    def roots(self):
        """Nodes nothing requires."""
        return [k for k, by in self._required_by.items() if not by]

    def graph(self, reverse=False):
        """``{node: [nodes it requires]}`` (reversed: required-by)."""
        source = self._required_by if reverse else self._requires
        return {k: list(v) for k, v in source.items()}

    def edges(self):
        """``(requirer, required)`` pairs; isolated nodes as ``(n, None)``."""
        out = []
        for key, required in self._requires.items():
            if not required and not self._required_by[key]:
                out.append((key, None))
            out.extend((key, r) for r in required)
        return out

    def _order(self, forward):
        before = self._requires if forward else self._required_by
        after = self._required_by if forward else self._requires
        waiting = {k: len(v) for k, v in before.items()}
        ready = [k for k, n in waiting.items() if n == 0]
        order = []
        while ready:
            key = ready.pop(0)
            order.append(key)
            for other in after[key]:
                waiting[other] -= 1
                if waiting[other] == 0:
                    ready.append(other)
        if len(order) != len(waiting):
            cycle = self.find_cycle()
            raise exception.CircularDependencyException(
                cycle=' -> '.join(str(k) for k in cycle))
        return order

    def __iter__(self):
        """Nodes in an order where each comes after what it requires."""
        return iter(self._order(forward=True))

    def __reversed__(self):
        """Nodes in an order where each comes before what it requires."""
        return iter(self._order(forward=False))

    def find_cycle(self):
        """One cycle as ``[a, b, ..., a]``, or None when there is none."""
        state = {}
        trail = []

        def visit(key):
            state[key] = 'open'
            trail.append(key)
            for nxt in self._requires[key]:
                if state.get(nxt) == 'open':
                    return trail[trail.index(nxt):] + [nxt]
                if nxt not in state:
                    found = visit(nxt)
                    if found:
                        return found
            state[key] = 'done'
            trail.pop()
            return None

        for key in self._requires:
            if key not in state:
                found = visit(key)
                if found:
                    return found
        return None

    def __str__(self):
        return '{%s}' % ', '.join(
            '%s: {%s}' % (k, ', '.join(str(r) for r in v))
            for k, v in self._requires.items())

    def __repr__(self):
        return 'Dependencies(%r)' % sorted(self.edges(), key=repr)
