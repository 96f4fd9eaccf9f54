"""Commands of the Auto-Scaling API v1."""
