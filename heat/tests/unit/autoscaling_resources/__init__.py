"""Tests of the auto-scaling resource types."""
