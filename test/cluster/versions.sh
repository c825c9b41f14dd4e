# Pinned versions of the test cluster, sourced by build.sh and cluster.sh. Changing any of them (or
# the wrapper module) changes the cache key, so a fresh binary is built beside the old one.
K8S_VERSION=v1.36.3
K8S_MAJOR=1
K8S_MINOR=36
ETCD_VERSION=v3.6.8
KWOK_VERSION=v0.8.0
GATEWAY_API_VERSION=v1.6.3
K8SBOX_CACHE=${K8SBOX_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/portico/k8s}

k8sbox_bin_dir() {
  local here sum
  here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
  sum=$(cat "$here/k8sbox/go.mod" "$here/k8sbox/go.sum" "$here/k8sbox/main.go" | sha256sum | cut -c1-12)
  echo "$K8SBOX_CACHE/k8s-$K8S_VERSION-etcd-$ETCD_VERSION-kwok-$KWOK_VERSION-$sum/bin"
}
