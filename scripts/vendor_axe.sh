#!/bin/sh
# Regenerate tests/browser/vendor/axe-core/ from the npm registry (run by hand, not in CI).
# The browser tests inject axe.min.js into each built page to audit it offline.
# axe-core is MPL-2.0: its LICENSE file is vendored next to the script.
set -eu
VERSION=4.14.1
HERE=$(cd "$(dirname "$0")/.." && pwd)
DEST="$HERE/tests/browser/vendor/axe-core"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
(cd "$TMP" && npm pack --silent "axe-core@$VERSION" >/dev/null && tar -xzf "axe-core-$VERSION.tgz")
mkdir -p "$DEST"
cp "$TMP/package/axe.min.js" "$TMP/package/LICENSE" "$DEST/"
test -f "$TMP/package/LICENSE-3RD-PARTY.txt" && cp "$TMP/package/LICENSE-3RD-PARTY.txt" "$DEST/"
printf 'axe-core %s from the npm registry (npm pack axe-core@%s), MPL-2.0.\nRegenerate with scripts/vendor_axe.sh.\n' \
  "$VERSION" "$VERSION" >"$DEST/README"
echo "vendored axe-core $VERSION into $DEST"
