#!/usr/bin/env bash
# Installs the front-end packages (GOV.UK Frontend, MoJ Frontend, Chart.js) from npm and copies their built files
# into static/vendor/, where Django's staticfiles finds them. Nothing is hand-copied and nothing comes from a CDN.
# With --if-changed it does nothing when static/vendor was built from the current package-lock.json and this script
# (a stamp file in static/vendor records which).
set -euo pipefail
cd "$(dirname "$0")/.."
stamp=static/vendor/.built-$(cat package-lock.json scripts/assets.sh | sha1sum | cut -c1-12)
if [ "${1:-}" = --if-changed ] && [ -f "$stamp" ]; then
  echo "Front-end assets in static/vendor are up to date"
  exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "npm is needed once to install the GOV.UK and MoJ Frontend packages (Node.js 18+)." >&2
  exit 1
fi
npm ci --no-audit --no-fund --loglevel=error
out=static/vendor
rm -rf "$out" && mkdir -p "$out/govuk" "$out/moj" "$out/chartjs"
govuk=node_modules/govuk-frontend/dist/govuk
moj=node_modules/@ministryofjustice/frontend/moj
cp -r "$govuk/assets" "$out/govuk/assets"
# Every built file ends with a sourceMappingURL comment naming the .map beside it, so each map is copied too: the
# reference then resolves (production's manifest storage refuses a file whose reference is missing, and rewrites it
# to the map's hashed name), and browser developer tools can show the packages' sources.
cp "$govuk/govuk-frontend.min.js" "$govuk/govuk-frontend.min.js.map" "$govuk/govuk-frontend.min.css.map" "$out/govuk/"
cp -r "$moj/assets" "$out/moj/assets"
cp "$moj/moj-frontend.min.js" "$moj/moj-frontend.min.js.map" "$moj/moj-frontend.min.css.map" "$out/moj/"
cp node_modules/chart.js/dist/chart.umd.min.js node_modules/chart.js/dist/chart.umd.min.js.map "$out/chartjs/"
# The packaged CSS points at /assets/ on the site root; point it at the copy beside the stylesheet instead.
sed 's#url(/assets/#url(assets/#g' "$govuk/govuk-frontend.min.css" > "$out/govuk/govuk-frontend.min.css"
sed 's#url(/assets/#url(assets/#g' "$moj/moj-frontend.min.css" > "$out/moj/moj-frontend.min.css"
# Every sourceMappingURL must name a file that is here (a package update that renames a map fails the build now,
# not collectstatic later).
{ grep -rl --include='*.js' --include='*.css' 'sourceMappingURL=' "$out" || true; } | while read -r file; do
  map=$(grep -o 'sourceMappingURL=[^ *]*' "$file" | tail -1 | cut -d= -f2)
  [ -f "$(dirname "$file")/$map" ] || { echo "$file names a missing source map: $map" >&2; exit 1; }
done
touch "$stamp"
echo "Front-end assets installed in $out"
