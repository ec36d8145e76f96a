#!/usr/bin/env bash
# Regenerates imports/ (typed constructs for the custom resources we emit) from ../shared/crds.
# cdk8s import writes one file per API group and overwrites it per CRD, so the CRDs of a group
# are imported together from one concatenated file.
set -euo pipefail
cd "$(dirname "$0")/.."
crds=../shared/crds
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
group() { local out=$1; shift; for f in "$@"; do cat "$crds/$f.yaml"; echo '---'; done > "$tmp/$out.yaml"; npx cdk8s import "$tmp/$out.yaml" -o imports --language typescript; }
group monitoring monitoring.coreos.com_servicemonitors monitoring.coreos.com_podmonitors monitoring.coreos.com_prometheusrules monitoring.coreos.com_alertmanagerconfigs
group argocd argoproj.io_application-crd argoproj.io_appproject-crd
