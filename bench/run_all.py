"""Run every benchmark in this folder; each writes its own section of docs/performance.md.

Benchmarks are measurements, not tests: they are not part of `make test`.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCRIPTS = ["calculators.py", "catchup.py", "pricing_bench.py"]


def main() -> int:
    failures = 0
    for name in SCRIPTS:
        script = HERE / name
        if not script.exists():
            print(f"missing benchmark {name}", file=sys.stderr)
            failures += 1
            continue
        print(f"== {name}", flush=True)
        result = subprocess.run([sys.executable, str(script)], cwd=HERE.parent, check=False)
        failures += result.returncode != 0
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
