#!/usr/bin/env bash
# Builds test/helm/renderer/main.go (helm-render, a test-only stand-in for `helm template` and
# `helm lint`) into .cache/helm-render/helm-render, from Debian's Go toolchain and Go library
# packages in GOPATH mode (no module downloads). Rebuilds only when main.go, this script or the
# Go version changed. Prints the binary's path on stdout; build output goes to stderr.
#
# Needs (Debian packages; `npm test` installs them, see test/setup/provision.sh): golang-go golang-github-masterminds-sprig-dev
# golang-github-masterminds-semver-dev golang-k8s-sigs-yaml-dev golang-github-xeipuuv-gojsonschema-dev
set -euo pipefail

root="$(cd "$(dirname "$0")/../.." && pwd)"
src="$root/test/helm/renderer/main.go"
out="$root/.cache/helm-render"
bin="$out/helm-render"
gocode=/usr/share/gocode
packages="golang-go golang-github-masterminds-sprig-dev golang-github-masterminds-semver-dev golang-k8s-sigs-yaml-dev golang-github-xeipuuv-gojsonschema-dev"

fail() {
  echo "build-renderer: $*" >&2
  echo "build-renderer: install the Debian packages: apt-get install -y $packages (npm test does, see test/setup/provision.sh)" >&2
  exit 1
}

command -v go >/dev/null || fail "'go' not found"
for pkg in github.com/Masterminds/sprig github.com/Masterminds/semver sigs.k8s.io/yaml github.com/xeipuuv/gojsonschema; do
  [ -d "$gocode/src/$pkg" ] || fail "Go package $pkg not found under $gocode/src"
done

mkdir -p "$out"
# Test files may run in parallel workers: one build at a time, the others wait and reuse it.
exec 9>"$out/lock"
flock 9

hash="$(cat "$src" "$0" <(go version) | sha256sum | cut -d' ' -f1)"
if [ -x "$bin" ] && [ "$(cat "$out/helm-render.sha256" 2>/dev/null)" = "$hash" ]; then
  echo "$bin"
  exit 0
fi

echo "build-renderer: building $bin" >&2
GO111MODULE=off GOPATH="$gocode" GOFLAGS='' GOCACHE="$out/go-build" CGO_ENABLED=0 \
  go build -o "$bin.tmp" "$src" >&2 || fail "go build failed"
mv "$bin.tmp" "$bin"
echo "$hash" >"$out/helm-render.sha256"
echo "$bin"
