"""``python -m reducer_cli``: the same as the ``reducer-cli`` console script."""

import sys

from .cli import main

sys.exit(main())
