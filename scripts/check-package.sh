#!/usr/bin/env bash
# What a user gets from `npm install convergent`: packs the built checkout, installs the tarball
# into an empty folder (from the registry, as a consumer would: no lock, no overrides), runs the
# CLI's embedded example there, and type-checks and runs a consumer script
# (test/package/consumer/) with skipLibCheck off, with TypeScript 7 (this project's) and 5.
# Needs `npm run build` first (CI runs it before this). About half a minute with a warm npm cache.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d /tmp/convergent-package.XXXXXX)"   # outside the checkout: nothing resolves from it
trap 'rm -rf "$work"' EXIT
fail() { echo "check-package: $*" >&2; exit 1; }

# 1. Pack what `files` selects (the build is already there; --ignore-scripts skips a rebuild).
cd "$repo"
tarball="$work/$(npm pack --ignore-scripts --silent --pack-destination "$work" | tail -1)"
[ -f "$tarball" ] || fail "npm pack wrote no tarball"
bytes=$(stat -c %s "$tarball")
echo "check-package: packed $(basename "$tarball") ($((bytes / 1024)) KiB)"
# Only the runtime code, its types, the web page (dist/web/, for `convergent serve`), the docs and
# the example plugin and browser pages; never tests, sources, maps or nets the README's train command writes.
unexpected=$(tar -tzf "$tarball" | sed 's#^package/##' \
  | grep -vE '^(package\.json|README\.md|LICENSE[^/]*|dist/(src|cli)/.*\.(js|d\.ts)|dist/web/.*|types/.*\.d\.ts|examples/[^/]+\.mjs|examples/browser/.*\.(html|js))$' || true)
[ -z "$unexpected" ] || fail "files that do not belong in the package: $(echo "$unexpected" | head -5 | tr '\n' ' ')"
[ "$bytes" -lt $((2 * 1024 * 1024)) ] || fail "the tarball is $((bytes / 1024)) KiB (over 2 MiB)"

# 2. Install it into an empty folder, as a consumer would.
consumer="$work/consumer"
mkdir -p "$consumer"
cp "$repo/test/package/consumer/index.ts" "$repo/test/package/consumer/tsconfig.json" "$consumer/"
echo '{ "name": "consumer", "private": true, "type": "module", "allowScripts": { "webgpu": true } }' > "$consumer/package.json"
cd "$consumer"
npm install --no-audit --no-fund --loglevel=error "$tarball" || fail "npm install of the tarball failed"

# 3. The CLI runs from the install (the embedded example needs no data and no GPU).
npx --no-install convergent run --example --backend wasm --quiet --out "$work/example" \
  || fail "npx convergent run --example failed in the consumer folder"
[ -s "$work/example/tables/summary.csv" ] || fail "the example wrote no tables/summary.csv"

# 4. The published declarations type-check for a consumer, every file with no exception: the
# public types use convergent's own structural Table (src/tables/types.ts), so a consumer's check
# never reaches arquero's or flechette's declarations (which have errors of their own).
typecheck() {
  local label="$1"; shift
  local out rc=0
  out=$("$@" -p . --typeRoots "$repo/node_modules/@types" 2>&1) || rc=$?
  [ "$rc" -eq 0 ] || fail "the consumer script does not type-check with $label (exit $rc):"$'\n'"$out"
  echo "check-package: consumer types check with $label"
}
typecheck "TypeScript 7" "$repo/node_modules/.bin/tsc"
node out/index.js | grep -qx 'assignment 0,1,2 -> 1,0,2' || fail "the consumer script printed a wrong assignment"

# TypeScript 5 has no WebGPU in "dom": the package's types@<6 entry must bring @webgpu/types.
mkdir -p "$work/ts5" && echo '{ "name": "ts5", "private": true }' > "$work/ts5/package.json"
(cd "$work/ts5" && npm install --no-audit --no-fund --loglevel=error typescript@5.9.3) || fail "could not install TypeScript 5.9.3"
typecheck "TypeScript 5.9" "$work/ts5/node_modules/.bin/tsc" --noEmit

echo "check-package: ok"
