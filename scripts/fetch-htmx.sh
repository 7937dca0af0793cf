#!/bin/sh
# Fetch the pinned htmx release from the npm registry into static/js/.
#
# The files are committed: the app has no build step and serves them as they
# are. To upgrade, change VERSION below (pick the newest 2.0.x with
# `npm view htmx.org versions`), run this script, check the pages, commit.
set -eu

VERSION="${1:-2.0.11}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DEST="$ROOT/static/js"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

cd "$WORK"
npm pack --silent "htmx.org@$VERSION" >/dev/null
tar -xzf "htmx.org-$VERSION.tgz"
mkdir -p "$DEST"
cp package/dist/htmx.min.js "$DEST/htmx.min.js"
cp package/LICENSE "$DEST/htmx.LICENSE"
SUM="$(sha256sum "$DEST/htmx.min.js" | cut -d' ' -f1)"
cat > "$DEST/htmx.VERSION" <<NOTE
htmx.org $VERSION
source: npm registry, npm pack htmx.org@$VERSION (package/dist/htmx.min.js)
sha256 (htmx.min.js): $SUM
license: BSD Zero Clause (htmx.LICENSE)
fetched by scripts/fetch-htmx.sh
NOTE
echo "htmx $VERSION -> $DEST/htmx.min.js ($SUM)"
