"""Python client and ``openstack`` CLI plugin of the Auto-Scaling API v1
(service type ``autoscaling``)."""

__version__ = '0.1.0'

from heat_autoscalingclient import exceptions  # noqa: E402
from heat_autoscalingclient.client import (  # noqa: E402
    Client,
    execute_webhook,
    lifecycle_action,
    push_webhook_samples,
)
from heat_autoscalingclient.models import (  # noqa: E402
    Activity,
    Comparison,
    Decision,
    Evaluation,
    Group,
    Member,
    Policy,
    Sample,
    SamplesAccepted,
    Webhook,
)

__all__ = ['Client', 'execute_webhook', 'lifecycle_action',
           'push_webhook_samples', 'exceptions', 'Activity', 'Comparison',
           'Decision', 'Evaluation', 'Group', 'Member', 'Policy', 'Sample',
           'SamplesAccepted', 'Webhook', '__version__']
