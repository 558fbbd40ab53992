"""Run every benchmark in this folder, one process each: ``python -m benchmarks``.

Each ``bench_*.py`` prints its own medians and ratios; see its docstring for
what it compares and the options that change its rounds.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def main() -> int:
    failures = 0
    for script in sorted(Path(__file__).parent.glob("bench_*.py")):
        print(f"== {script.name}", flush=True)
        failures += subprocess.call([sys.executable, str(script)]) != 0
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
