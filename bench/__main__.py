"""`python -m bench [--json PATH] [--backend NAME] [--n N] [--skip-load] [--expansion MODE]`."""

import sys

from bench.run import main

sys.exit(main())
