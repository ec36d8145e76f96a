#!/usr/bin/env bash
# Provisions what the test suite needs; `npm test` runs it first (the "pretest" script), so that
# command alone works on a fresh clone and a fresh Debian/Ubuntu machine:
#   - node_modules: `npm ci` when it is missing or does not match package-lock.json;
#   - tools: promtool and prometheus (alert rules, canary analysis against a real server),
#     kubectl (`kubectl kustomize`), shellcheck, PostgreSQL, Redis and rclone (the datastore
#     scripts run against real servers and a real upload), and helm-render, the tests' stand-in for helm,
#     built from Debian's Go and Go sources of Helm's template libraries (test/helm/build-renderer.sh);
#     with a `helm` binary on PATH the stand-in is optional (test/helm/render.ts uses both).
# Missing Debian packages are installed with apt-get (as root, or with sudo if it needs no
# password); otherwise it stops with one message saying what to install on Debian/Ubuntu and macOS.
# Idempotent: with everything in place it only checks, in well under a second. Written for bash 3.2
# too (macOS), where it reports what to install.
#
# Usage: test/setup/provision.sh [--check]   (--check: install nothing, report what is missing)
set -euo pipefail

root="$(cd "$(dirname "$0")/../.." && pwd)"
check_only=false
[ "${1:-}" = --check ] && check_only=true

gocode=/usr/share/gocode/src
go_sources=(github.com/Masterminds/sprig github.com/Masterminds/semver sigs.k8s.io/yaml github.com/xeipuuv/gojsonschema)
go_debs=(golang-go golang-github-masterminds-sprig-dev golang-github-masterminds-semver-dev golang-k8s-sigs-yaml-dev golang-github-xeipuuv-gojsonschema-dev)
# test/go/rollouts-eval: Argo Rollouts' condition language (expr), for the AnalysisTemplate test.
expr_debs=(golang-go golang-github-antonmedv-expr-dev)

say() { echo "test setup: $*" >&2; }

has() { command -v "$1" >/dev/null 2>&1; }

stand_in_buildable() {
  has go || return 1
  local source
  for source in "${go_sources[@]}"; do [ -d "$gocode/$source" ] || return 1; done
}

# PostgreSQL 15 or newer: Debian's server binaries (not on PATH), or pg_ctl on PATH elsewhere.
has_postgres() {
  local bin
  for bin in /usr/lib/postgresql/*/bin/postgres; do
    [ -x "$bin" ] && [ "$(basename "$(dirname "$(dirname "$bin")")")" -ge 15 ] 2>/dev/null && return 0
  done
  has pg_ctl && has pg_basebackup
}

# Prints the missing requirements, one a line: promtool, prometheus, kubectl, shellcheck,
# postgresql, redis-server, rclone, helm-render, rollouts-eval.
missing() {
  has promtool || echo promtool
  has prometheus || echo prometheus
  has kubectl || echo kubectl
  has shellcheck || echo shellcheck
  has_postgres || echo postgresql
  { has redis-server && has redis-check-rdb; } || echo redis-server
  has rclone || echo rclone
  has helm || stand_in_buildable || echo helm-render
  { has go && [ -d "$gocode/github.com/antonmedv/expr" ]; } || echo rollouts-eval
}

# Debian packages for the missing requirements given as arguments (kubectl: the package apt offers).
debian_packages() {
  local need
  for need in "$@"; do
    case "$need" in
      promtool | prometheus) echo prometheus ;;
      shellcheck | postgresql | redis-server | rclone) echo "$need" ;;
      helm-render) printf '%s\n' "${go_debs[@]}" ;;
      rollouts-eval) printf '%s\n' "${expr_debs[@]}" ;;
      kubectl)
        local candidate
        for candidate in kubectl kubernetes-client; do
          if apt-cache policy "$candidate" 2>/dev/null | grep -q 'Candidate: [0-9]'; then echo "$candidate" && break; fi
        done
        ;;
    esac
  done | sort -u
}

homebrew_formula() {
  case "$1" in
    promtool | prometheus) echo prometheus ;;
    kubectl) echo kubernetes-cli ;;
    shellcheck | rclone) echo "$1" ;;
    postgresql) echo postgresql@15 ;;
    redis-server) echo redis ;;
    helm-render) echo helm ;;
    rollouts-eval) echo go ;;
  esac
}

# The one message for what could not be provisioned; exits 1.
give_up() {
  local why="$1"
  shift
  local debs=() brews=() need
  for need in "$@"; do
    case "$need" in
      promtool | prometheus) debs+=(prometheus) ;;
      kubectl) debs+=(kubernetes-client) ;;
      shellcheck | postgresql | redis-server | rclone) debs+=("$need") ;;
      helm-render) debs+=("${go_debs[@]}") ;;
      rollouts-eval) debs+=("${expr_debs[@]}") ;;
    esac
    brews+=("$(homebrew_formula "$need")")
  done
  local list="$*"
  {
    echo "test setup: the tests need ${list// /, }, which are missing ($why)."
    echo "Install them, then run npm test again:"
    echo "  Debian/Ubuntu:    sudo apt-get install --no-install-recommends $(printf '%s\n' "${debs[@]}" | awk '!seen[$0]++' | paste -sd' ' -)"
    echo "  macOS (Homebrew): brew install $(printf '%s\n' "${brews[@]}" | awk '!seen[$0]++' | paste -sd' ' -)"
    case " $* " in *" kubectl "*) echo "(kubectl: Debian 12 has no kubernetes-client package; there it comes from the Kubernetes apt repository.)" ;; esac
    case " $* " in *" helm-render "*) echo "(helm-render is the tests' stand-in for helm, built from Debian's Go packages; with helm on PATH it is not needed.)" ;; esac
  } >&2
  exit 1
}

# Returns 0 when it installed packages, 1 when apt-get failed, 2 when apt-get cannot be used here,
# 3 when apt-get has none of the packages.
install_debian_packages() {
  local sudo=()
  if [ "$(id -u)" != 0 ]; then
    has sudo && sudo -n true 2>/dev/null || return 2
    sudo=(sudo -n)
  fi
  has apt-get || return 2
  export DEBIAN_FRONTEND=noninteractive
  local apt=(${sudo[@]+"${sudo[@]}"} env DEBIAN_FRONTEND=noninteractive apt-get -qq -o DPkg::Lock::Timeout=600)
  "${apt[@]}" update </dev/null >&2 || return 1
  local packages=() package
  while read -r package; do packages+=("$package"); done < <(debian_packages "$@")
  [ "${#packages[@]}" -gt 0 ] || return 3
  say "installing Debian packages: ${packages[*]}"
  "${apt[@]}" install -y --no-install-recommends "${packages[@]}" </dev/null >&2 || return 1
}

# node_modules matches package-lock.json when every package the lock file requires is installed
# in its locked version (node_modules/.package-lock.json is npm's record of what it installed).
node_modules_current() {
  [ -f "$root/node_modules/.package-lock.json" ] || return 1
  (cd "$root" && node -e '
    const lock = require("./package-lock.json").packages;
    const installed = require("./node_modules/.package-lock.json").packages;
    const stale = Object.entries(lock).filter(([path, p]) => path !== "" && !p.optional && installed[path]?.version !== p.version);
    process.exit(stale.length === 0 ? 0 : 1);
  ')
}

# The requirements still missing, into the array `need`.
check() {
  need=()
  local line
  while read -r line; do need+=("$line"); done < <(missing)
}

mkdir -p "$root/.cache"
# Parallel runs (two `npm test`s) must not run apt-get or npm ci at the same time. (flock is
# util-linux; elsewhere, e.g. macOS, this only checks and reports.)
if has flock; then
  exec 8>"$root/.cache/provision.lock"
  flock 8
fi

check
if [ "${#need[@]}" -gt 0 ]; then
  $check_only && give_up "run npm test, or test/setup/provision.sh, to install them" "${need[@]}"
  status=0
  install_debian_packages "${need[@]}" || status=$?
  check
  if [ "${#need[@]}" -gt 0 ]; then
    case "$status" in
      2) give_up "apt-get is not available, or not as root and sudo asks for a password" "${need[@]}" ;;
      1) give_up "apt-get failed, see above" "${need[@]}" ;;
      *) give_up "apt-get has no package for them here" "${need[@]}" ;;
    esac
  fi
fi

if ! node_modules_current; then
  $check_only && { say "node_modules is missing or does not match package-lock.json: run npm ci"; exit 1; }
  say "node_modules is missing or does not match package-lock.json: npm ci"
  (cd "$root" && npm ci --no-audit --no-fund </dev/null >&2)
fi

if stand_in_buildable; then
  bash "$root/test/helm/build-renderer.sh" >/dev/null
fi
