#!/usr/bin/env python
"""Write the formula-driven workbook: python build_workbook.py [--template T] [--set name=value ...] (see cli/build.py)."""

import sys

from cli.build import main

if __name__ == "__main__":
    sys.exit(main())
