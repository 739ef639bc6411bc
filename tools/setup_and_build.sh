#!/usr/bin/env bash
# Set up a fresh machine with Python 3.11 and build the book:
#   1. .venv with python3.11 (created if missing) and every pinned package, the sim package editable;
#   2. the JavaScript the pages load (MathJax, the widget manager, Vega; npm packages into .cache/widgets-js),
#      which the book serves itself;
#   3. Debian's chromium for the browser tests (installed with apt-get only when running as root);
#   4. the book, with warnings as errors: the HTML lands in _build/html/index.html.
set -euo pipefail
cd "$(dirname "$0")/.."

python=${PYTHON:-python3.11}
if [ ! -x .venv/bin/python ]; then
    if ! command -v "$python" >/dev/null 2>&1; then
        echo "setup: $python not found; install Python 3.11 (or set PYTHON=/path/to/python3.11)" >&2
        exit 1
    fi
    echo "setup: creating .venv with $python"
    "$python" -m venv .venv
fi
if ! .venv/bin/python -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
    echo "setup: .venv is not Python 3.11 ($(.venv/bin/python --version)); remove .venv and run again" >&2
    exit 1
fi

echo "setup: installing requirements.txt into .venv"
SECONDS=0
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
echo "setup: pip install took ${SECONDS} s"

echo "setup: fetching the JavaScript the pages load (npm)"
bash tools/fetch_widget_js.sh

if [ -x /usr/bin/chromium ] || command -v chromium >/dev/null 2>&1; then
    echo "setup: chromium present"
elif [ "$(id -u)" -eq 0 ]; then
    echo "setup: installing Debian's chromium for the browser tests"
    apt-get update -qq </dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium </dev/null
else
    echo "setup: chromium not found and not root: skipping it (browser tests will skip; as root: apt-get install chromium)"
fi

echo "setup: building the book (warnings are errors)"
SECONDS=0
.venv/bin/jupyter-book clean . >/dev/null
.venv/bin/jupyter-book build . -W --keep-going
echo "setup: build took ${SECONDS} s"
echo "setup: done. The book is in _build/html/index.html"
