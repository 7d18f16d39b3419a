"""Run every scenario in scenarios/ and write each plan and the comparison (default results/).

    python run_scenarios.py [--out DIR] [NAME ...]
"""

from __future__ import annotations

import sys

from siting.cli import main

if __name__ == "__main__":
    sys.exit(main(["compare", *sys.argv[1:]]))
