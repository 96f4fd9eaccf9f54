"""The REST facade: Heat's Orchestration API v1 over the engine's RPCs."""
