"""Engine-internal AWS-compatible resource types."""
