"""Heat resource types that drive an Auto-Scaling API v1 service:
``OS::AutoScaling::Group``, ``OS::AutoScaling::Policy`` and
``OS::AutoScaling::Webhook`` (module :mod:`.resources`).

Load them into a Heat engine through its resource plug-in mechanism: this
project's engine finds them by their ``heat.resource_plugins`` entry
point once the package is installed; upstream OpenStack Heat loads them
from a directory of its ``plugin_dirs`` option: :func:`plugin_dir` (also
``python -m heat_autoscaling_resources``) prints the one to add.
"""

import os


def plugin_dir():
    """The directory to add to Heat's ``plugin_dirs``."""
    return os.path.dirname(os.path.abspath(__file__))
