"""Tests of heat-autoscalingclient, against the real server."""
