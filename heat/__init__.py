"""heat: a Heat-compatible engine with first-class auto-scaling."""
