#!/usr/bin/env bash
# Refreshes the portal's vendored htmx from npm: the package's own
# dist/htmx.min.js (BSD Zero Clause License), embedded in the binary by
# web/portal. It records the version and SHA-256 in
# web/portal/static/htmx.VERSION, which web/portal's tests check against
# the file. Usage: scripts/vendor.sh [VERSION] (default: the one recorded).
set -euo pipefail
cd "$(dirname "$0")/.."
DEST=web/portal/static
want="${1:-$(sed -n 's/^version: //p' "$DEST/htmx.VERSION" 2>/dev/null || true)}"
want="${want:-2.0.11}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "htmx.org@$want" >/dev/null)
tar -xzf "$tmp"/htmx.org-*.tgz -C "$tmp"
version="$(node -p "require('$tmp/package/package.json').version")"
cp "$tmp/package/dist/htmx.min.js" "$DEST/htmx.min.js"
sum="$(sha256sum "$DEST/htmx.min.js" | cut -d' ' -f1)"
cat > "$DEST/htmx.VERSION" <<META
package: htmx.org
version: $version
file: dist/htmx.min.js
sha256: $sum
license: 0BSD
refresh: scripts/vendor.sh [VERSION]
META
echo "vendored htmx.org@$version ($sum)"
