"""The ``openstack autoscaling ...`` commands (osc-lib / cliff)."""
