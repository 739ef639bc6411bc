#!/usr/bin/env bash
# Fetch the JavaScript the built pages load (MathJax, require.js, the widget manager, and the HTML twins'
# Vega files), as npm packages, into .cache/widgets-js/npm/<name>@<version>/.
# The book serves them itself (_ext/vendor_js.py copies them into _static/vendor/npm/ and checks their hashes),
# so the build needs them and a built book works with no network.
# The packages are read from _config.yml (its "npm:<name>@<version>/..." entries), so the two cannot drift apart.
set -euo pipefail
cd "$(dirname "$0")/.."

dest=.cache/widgets-js/npm
if ! command -v npm >/dev/null 2>&1; then
    echo "fetch_widget_js: npm not found; the book cannot be built without these files (install Node.js and npm)" >&2
    exit 1
fi

packages=$(grep -oE '"npm:(@[a-z0-9._-]+/)?[a-z0-9._-]+@[0-9][^/"]*' _config.yml | sed 's|^"npm:||' | sort -u)
if [ -z "$packages" ]; then
    echo "fetch_widget_js: no \"npm:<name>@<version>/...\" entries found in _config.yml" >&2
    exit 1
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for spec in $packages; do
    if [ -f "$dest/$spec/package.json" ]; then
        echo "fetch_widget_js: $spec already present"
        continue
    fi
    echo "fetch_widget_js: npm pack $spec"
    tarball=$(cd "$tmp" && npm pack --silent "$spec" | tail -n 1)
    mkdir -p "$dest/$spec"
    tar -xzf "$tmp/$tarball" -C "$dest/$spec" --strip-components=1
done
