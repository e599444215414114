"""`python -m coop_drive.cli` is `coop-drive`."""

import sys

from coop_drive.cli.main import main

sys.exit(main())
