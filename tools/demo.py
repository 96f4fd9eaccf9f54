"""The main job on the embedded default (filled in as layers land)."""

print('heat: nothing to demonstrate yet')
