#!/usr/bin/env bash
# Installs the front-end packages (GOV.UK Frontend, MoJ Frontend, Chart.js) from npm and copies their built files
# into static/vendor/, where Django's staticfiles finds them. Nothing is hand-copied and nothing comes from a CDN.
set -euo pipefail
cd "$(dirname "$0")/.."
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
cp "$govuk/govuk-frontend.min.js" "$out/govuk/"
cp -r "$moj/assets" "$out/moj/assets"
cp "$moj/moj-frontend.min.js" "$out/moj/"
cp node_modules/chart.js/dist/chart.umd.min.js "$out/chartjs/"
# The packaged CSS points at /assets/ on the site root; point it at the copy beside the stylesheet instead.
sed 's#url(/assets/#url(assets/#g' "$govuk/govuk-frontend.min.css" > "$out/govuk/govuk-frontend.min.css"
sed 's#url(/assets/#url(assets/#g' "$moj/moj-frontend.min.css" > "$out/moj/moj-frontend.min.css"
echo "Front-end assets installed in $out"
