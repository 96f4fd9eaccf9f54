"""The package version, read once from the installed metadata."""

from importlib import metadata

try:
    version_string = metadata.version('heat')
except metadata.PackageNotFoundError:  # running from a source tree
    version_string = '0.1.0'
