"""AWS::AutoScaling::* resource types (thin callers of the AS RPCs)."""
