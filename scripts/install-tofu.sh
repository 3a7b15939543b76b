#!/usr/bin/env bash
# Builds OpenTofu from source through the Go module proxy, for machines where
# neither terraform nor tofu is installed and no release binary can be
# downloaded. `go install` refuses OpenTofu (its go.mod has replace
# directives), so the module is downloaded, copied out of the read-only
# module cache and built in place.
#
# Usage: scripts/install-tofu.sh [VERSION] [DEST_DIR]
set -euo pipefail
version=${1:-v1.10.10}
dest=${2:-/usr/local/bin}
src=$(GOFLAGS=-mod=mod go mod download -json "github.com/opentofu/opentofu@${version}" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
if [ -z "$src" ]; then
  echo "install-tofu: could not download github.com/opentofu/opentofu@${version}" >&2
  exit 1
fi
build=$(mktemp -d)
trap 'rm -rf "$build"' EXIT
cp -r "$src"/. "$build"
chmod -R u+w "$build"
(cd "$build" && go build -trimpath -ldflags="-s -w" -o "$dest/tofu" ./cmd/tofu)
"$dest/tofu" version
