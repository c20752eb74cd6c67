#!/usr/bin/env bash
# Refreshes the vendored browser libraries from npm: `npm pack NAME@VERSION`,
# then the one file the editor loads and the package's licence. Edit a
# version here and in README.md, run this, and commit the result.
# Needs npm and tar; nothing is installed.
set -euo pipefail
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# fetch PACKAGE@VERSION FILE-IN-PACKAGE TARGET [LICENCE-TARGET]
fetch() {
  local spec=$1 file=$2 target=$3 licence=${4:-}
  local dir="$tmp/${spec//[@\/]/_}"
  if [ ! -d "$dir" ]; then
    mkdir -p "$dir"
    (cd "$dir" && npm pack --silent "$spec" >/dev/null && tar xzf ./*.tgz)
  fi
  cp "$dir/package/$file" "$target"
  if [ -n "$licence" ]; then
    cp "$dir/package/LICENSE" "$licence"
  fi
}

fetch htm@3.1.1 preact/standalone.module.js htm-preact.mjs LICENSE.htm
fetch preact@10.7.3 LICENSE LICENSE.preact   # the Preact 10 bundled in htm's standalone build
fetch @dagrejs/dagre@3.1.3 dist/dagre.min.js dagre.min.js LICENSE.dagre
fetch d3-array@3.2.4 dist/d3-array.min.js d3-array.min.js LICENSE.d3-array
fetch d3-geo@3.1.2 dist/d3-geo.min.js d3-geo.min.js LICENSE.d3-geo
fetch topojson-client@3.1.0 dist/topojson-client.min.js topojson-client.min.js LICENSE.topojson-client
fetch world-atlas@2.0.2 countries-110m.json countries-110m.json LICENSE.world-atlas
fetch us-atlas@3.0.1 states-10m.json states-10m.json LICENSE.us-atlas
fetch i18n-iso-countries@7.14.0 codes.json iso-codes.json LICENSE.i18n-iso-countries
fetch i18n-iso-countries@7.14.0 langs/en.json iso-names-en.json
ls -l
