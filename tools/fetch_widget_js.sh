#!/usr/bin/env bash
# Fetch the JavaScript that the built pages load from jsDelivr (widget manager, require.js, MathJax),
# as npm packages, into .cache/widgets-js/npm/<name>@<version>/ (the same layout as https://cdn.jsdelivr.net/npm/).
# tests/test_browser.py answers the pages' requests from there, because the test machine has no CDN access.
# The packages are read from _config.yml (nb_ipywidgets_js, mathjax_path, and twins_js: the HTML twins' Vega files,
# which the book itself serves, so the build needs them), so the book and the tests cannot drift apart.
set -euo pipefail
cd "$(dirname "$0")/.."

dest=.cache/widgets-js/npm
if ! command -v npm >/dev/null 2>&1; then
    echo "fetch_widget_js: npm not found; the browser tests will skip (install Node.js and npm to run them)" >&2
    exit 0
fi

packages=$( (grep -oE 'https://cdn\.jsdelivr\.net/npm/(@[a-z0-9._-]+/)?[a-z0-9._-]+@[0-9][^/"]*' _config.yml \
              | sed 's|https://cdn.jsdelivr.net/npm/||';
            grep -oE '"npm:(@[a-z0-9._-]+/)?[a-z0-9._-]+@[0-9][^/"]*' _config.yml | sed 's|^"npm:||') | sort -u)
if [ -z "$packages" ]; then
    echo "fetch_widget_js: no jsDelivr npm URLs found in _config.yml" >&2
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
