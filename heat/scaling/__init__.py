"""heat.scaling: the pure auto-scaling library.

Plain dataclasses in, plain dataclasses out. Nothing here touches a
database, RPC, threads or the clock (time is an argument), and randomness
comes only from a generator the caller passes in. Anyone can import it; the
AS engine (``heat.engine.autoscaling``) is its main caller. See
``doc/scaling-library.md``.
"""
