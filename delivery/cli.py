"""Command-line parsing for the delivery tools: a usage error is one line and exit status 2,
like every other error of theirs."""

from __future__ import annotations

import argparse
import sys
from typing import NoReturn


class OneLineParser(argparse.ArgumentParser):
    """`argparse` with its two-line usage error replaced by one line on stderr."""

    def error(self, message: str) -> NoReturn:
        tool = self.prog.split()[-1].rsplit(".", 1)[-1]
        print(f"{tool}: error: {message} (see --help)", file=sys.stderr)
        sys.exit(2)
