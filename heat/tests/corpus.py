"""Locating the shared compatibility corpus.

The corpus lives beside the repository (``../shared/corpus``) on developer
machines and in CI; ``HEAT_CORPUS_DIR`` points elsewhere.
"""

import json
import os

_HERE = os.path.dirname(os.path.abspath(__file__))
_REPO = os.path.dirname(os.path.dirname(_HERE))


def corpus_dir():
    path = os.environ.get('HEAT_CORPUS_DIR') or os.path.join(
        _REPO, '..', 'shared', 'corpus')
    return os.path.normpath(path)


def available():
    return os.path.isdir(os.path.join(corpus_dir(), 'templates'))


def templates_dir():
    return os.path.join(corpus_dir(), 'templates')


def expectations(name_part):
    """Load the expectation table whose file name contains ``name_part``."""
    folder = os.path.join(templates_dir(), 'heat', 'expectations')
    matches = [f for f in sorted(os.listdir(folder)) if name_part in f]
    if len(matches) != 1:
        raise LookupError('%r matches %r' % (name_part, matches))
    with open(os.path.join(folder, matches[0])) as f:
        return json.load(f)
