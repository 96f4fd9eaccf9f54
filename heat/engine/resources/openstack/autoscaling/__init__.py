"""Auto-scaling resource types (thin callers of the AS RPCs)."""
