"""The auto-scaling engine (doc/dev/autoscaling-engine.md).

``engine`` makes decisions and keeps groups, policies and webhooks;
``converger`` brings a group's members to its desired capacity;
``members`` is the member stack; ``sweep`` resumes unfinished groups;
``service`` is the RPC face (``AutoScalingMixin`` of ``EngineService``).
"""
