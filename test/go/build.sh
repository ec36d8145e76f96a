#!/usr/bin/env bash
# Builds a test-only Go tool, test/go/<name>/main.go, into .cache/go-tools/<name>, from Debian's Go
# toolchain and Go library packages in GOPATH mode (no module downloads), plus the sources copied
# into test/go/third_party/src/ (see test/go/third_party/README.md). Rebuilds only when its
# source, this script or the Go version changed. Prints the binary's path on stdout; build output
# goes to stderr.
#
# Needs the Debian packages golang-go and golang-k8s-sigs-yaml-dev (npm test provisions them).
set -euo pipefail

if [ $# -ne 1 ] || [ ! -f "$(dirname "$0")/$1/main.go" ]; then
  echo "usage: test/go/build.sh <tool>   (a directory of test/go/ with a main.go)" >&2
  exit 2
fi
root="$(cd "$(dirname "$0")/../.." && pwd)"
name=$1
src="$root/test/go/$name/main.go"
out="$root/.cache/go-tools"
bin="$out/$name"
gocode=/usr/share/gocode

command -v go >/dev/null || { echo "test/go/build.sh: 'go' not found: apt-get install -y golang-go golang-k8s-sigs-yaml-dev" >&2; exit 1; }

mkdir -p "$out"
# Test files may run in parallel workers: one build at a time, the others wait and reuse it.
exec 9>"$out/$name.lock"
flock 9

third_party="$root/test/go/third_party"
hash="$(cat "$src" "$0" <(go version) <(find "$third_party" -type f -name '*.go' -print0 | sort -z | xargs -0 cat) | sha256sum | cut -d' ' -f1)"
if [ -x "$bin" ] && [ "$(cat "$bin.sha256" 2>/dev/null)" = "$hash" ]; then
  echo "$bin"
  exit 0
fi

echo "test/go/build.sh: building $bin" >&2
GO111MODULE=off GOPATH="$third_party:$gocode" GOFLAGS="" GOCACHE="$out/go-build" CGO_ENABLED=0 \
  go build -o "$bin.tmp" "$src" >&2 || { echo "test/go/build.sh: go build failed" >&2; exit 1; }
mv "$bin.tmp" "$bin"
echo "$hash" >"$bin.sha256"
echo "$bin"
