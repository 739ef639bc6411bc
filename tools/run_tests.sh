#!/usr/bin/env bash
# Every test in one pytest run: the sim package's tests, the browser and Binder checks in tests/,
# and nbval (strict: stored outputs must match a fresh run) over every notebook in chapters/ and labs/.
# Extra arguments go to pytest, e.g. `bash tools/run_tests.sh -k browser`.
set -euo pipefail
cd "$(dirname "$0")/.."

export PYTHONHASHSEED=0   # the same seed tools/execute_notebooks.py gives the kernel
paths=()
for folder in tests chapters labs; do
    [ -d "$folder" ] && paths+=("$folder")
done
sanitize=()
[ -f tests/nbval_sanitize.cfg ] && sanitize=(--nbval-sanitize-with tests/nbval_sanitize.cfg)
exec .venv/bin/pytest --nbval "${sanitize[@]}" "${paths[@]}" "$@"
