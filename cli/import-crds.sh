#!/usr/bin/env bash
# Regenerates imports/<group>.ts (typed constructs for the custom resources we emit) from the CRDs
# in imports/crds/ (see imports/crds/README.md).
# cdk8s import writes one file per API group and overwrites it per CRD file, so the CRDs of a group
# are imported together from one concatenated file. --no-save: otherwise cdk8s import records that
# temporary file under `imports:` in cdk8s.yaml and rewrites the file without its comments.
set -euo pipefail

usage() { echo 'usage: bash cli/import-crds.sh (npm run import): regenerates imports/*.ts from imports/crds/*.yaml'; }
if [[ $# -eq 1 && ($1 == --help || $1 == -h) ]]; then
  usage
  exit 0
elif [[ $# -gt 0 ]]; then
  echo "error: unexpected argument: $1" >&2
  usage >&2
  exit 2
fi

cd "$(dirname "$0")/.."
crds=imports/crds
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# group <module> <CRD file name without .yaml>...: imports those CRDs as one module.
group() {
  local out=$1 f
  shift
  for f in "$@"; do
    if [[ ! -r $crds/$f.yaml ]]; then
      echo "error: $crds/$f.yaml is missing or unreadable (imports/crds/README.md lists the files)" >&2
      exit 1
    fi
    cat "$crds/$f.yaml"
    echo '---'
  done >"$tmp/$out.yaml"
  node_modules/.bin/cdk8s import "$tmp/$out.yaml" --output imports --language typescript --no-save --no-check-upgrade
}

# The groups write different modules: import them side by side, and fail if either fails.
group monitoring monitoring.coreos.com_servicemonitors monitoring.coreos.com_podmonitors monitoring.coreos.com_prometheusrules monitoring.coreos.com_alertmanagerconfigs &
monitoring=$!
group argocd argoproj.io_application-crd argoproj.io_appproject-crd &
argocd=$!
wait "$monitoring"
wait "$argocd"
