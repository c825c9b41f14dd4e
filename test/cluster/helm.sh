#!/usr/bin/env bash
# Builds helm from its Go module (through the Go module proxy) into the same cache as the cluster
# binaries, keyed by version, so it is built once per machine and never committed. Prints the path of
# the helm binary. `--force` rebuilds. Override the version with HELM_VERSION (a helm.sh/helm/v4 tag).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=versions.sh
. "$HERE/versions.sh"

HELM_VERSION=${HELM_VERSION:-v4.3.1}
# Sibling of the k8sbox cache: ~/.cache/portico/helm/helm-<version>/bin/helm
BIN="$(dirname "$K8SBOX_CACHE")/helm/helm-$HELM_VERSION/bin"
if [ -x "$BIN/helm" ] && [ "${1:-}" != "--force" ]; then
  echo "$BIN/helm"
  exit 0
fi
command -v go >/dev/null || { echo "helm.sh: 'go' not found on PATH; install Go >= 1.26 (helm $HELM_VERSION needs it)" >&2; exit 1; }

mkdir -p "$BIN"
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS="-trimpath -modcacherw -buildvcs=false"
# `helm version` reports this instead of the bare minor version compiled into the module.
LD="-s -w -X helm.sh/helm/v4/internal/version.version=$HELM_VERSION"
start=$(date +%s)
echo "helm.sh: building helm $HELM_VERSION into $BIN (cold: about 9 minutes on 2 busy cores; cached after that)" >&2
# `go install pkg@version` builds the module as published (its own go.mod and go.sum), outside any workspace.
(cd / && GOWORK=off GOBIN="$BIN.tmp" nice -n "${K8SBOX_NICE:-10}" \
  go install -ldflags "$LD" "helm.sh/helm/v4/cmd/helm@$HELM_VERSION")
mv "$BIN.tmp/helm" "$BIN/helm"
rmdir "$BIN.tmp"
echo "helm.sh: built in $(( $(date +%s) - start ))s" >&2
echo "$BIN/helm"
