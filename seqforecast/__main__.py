"""``python -m seqforecast``: the command line (see :mod:`seqforecast.cli`)."""

import sys

from seqforecast.cli import main

if __name__ == "__main__":
    sys.exit(main())
