"""``python -m mockscim`` is ``mockscim``."""

import sys

from mockscim.cli import main

sys.exit(main())
