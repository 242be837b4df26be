"""`python -m model ...`: the command line lives in cli/, above model/; this file only runs as a script."""

import sys

from cli import main

sys.exit(main())
