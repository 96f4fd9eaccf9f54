"""heat: a Heat-compatible engine with first-class auto-scaling."""

import warnings

# futurist imports eventlet when it is installed (oslo.service brings it),
# and eventlet imports dnspython, whose DSA key classes make cryptography
# warn at import: eight lines on every start of every command, about code
# heat never runs (no DNSSEC here).
warnings.filterwarnings('ignore', message='DSA is deprecated',
                        module=r'dns\.dnssecalgs')
