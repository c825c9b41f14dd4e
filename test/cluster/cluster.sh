#!/usr/bin/env bash
# A real Kubernetes control plane for tests, with no container runtime: etcd, kube-apiserver,
# kube-controller-manager, kube-scheduler and kwok (a fake kubelet that makes pods Running/Ready with
# IPs) run as host processes inside a private network namespace that has only `lo`.
#
#   cluster.sh up      build if needed, start (idempotent), install Gateway API CRDs, print env lines
#   cluster.sh down    stop every process `up` started (by pidfile), remove the namespace and data dir
#   cluster.sh release PID   drop test process PID's hold (see below); down when no holder is left
#   cluster.sh env     print the env lines of a running cluster (exit 1 if it is not up)
#   cluster.sh status  exit 0 when the cluster is up and healthy
#   cluster.sh build   only build/download (outside the namespace: needs the Go module proxy)
#   cluster.sh crds    (re)apply the Gateway API CRDs
#
# Environment: PORTICO_CLUSTER names the cluster (default portico-test): it is the netns name and
# picks the data dir, so clusters with different names can run side by side.
# Holders: `up` records who uses the cluster in $D/users/: the PID in PORTICO_CLUSTER_USER (the test
# helper sets it), or "manual" otherwise. `release PID` removes that entry and entries of PIDs that no
# longer exist, and takes the cluster down when none is left; so test files running in parallel share
# one cluster, and a cluster brought up by hand is never taken down by a test.
#
# The pod range and Gateway range are made local inside the namespace ("AnyIP" routes on lo), because
# EndpointSlices reject loopback addresses. Those addresses exist only inside the namespace: never
# send traffic to them from outside it.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$HERE/versions.sh"

NAME=${PORTICO_CLUSTER:-portico-test}
case $NAME in *[!a-z0-9-]*|'') echo "cluster.sh: PORTICO_CLUSTER='$NAME' must be lowercase letters, digits and '-'" >&2; exit 2;; esac
NS=$NAME
D=${PORTICO_CLUSTER_DIR:-/tmp/portico-cluster/$NAME}
P=$D/pki
K=$D/kubeconfig
POD_CIDR=10.244.0.0/16 GW_CIDR=10.250.0.0/24 SVC_CIDR=10.96.0.0/16
ADV_IP=10.245.0.1 NODE_IP=10.245.0.2 NODE=kwok-node-0
COMPONENTS=(etcd kube-apiserver kube-controller-manager kube-scheduler kwok)
# No node-lifecycle/taint-eviction: under CPU load a late node lease would mark every pod NotReady
# and empty the EndpointSlices mid-test. No node-ipam: the Node is created with its podCIDR.
CONTROLLERS=deployment-controller,replicaset-controller,statefulset-controller,daemonset-controller,job-controller,endpointslice-controller,endpointslice-mirroring-controller,endpoints-controller,namespace-controller,garbage-collector-controller,serviceaccount-controller,serviceaccount-token-controller,root-ca-certificate-publisher-controller,pod-garbage-collector-controller,service-cidr-controller,clusterrole-aggregation-controller,disruption-controller

log() { echo "cluster.sh[$NAME]: $*" >&2; }
die() {
  log "ERROR: $*"
  if [ -d "$D/log" ] && [ -n "${SHOW_LOGS:-}" ]; then
    for f in "$D"/log/*.log; do echo "--- last lines of $f" >&2; tail -n 8 "$f" >&2; done
    log "the cluster is left as it is for inspection; run 'cluster.sh down' to remove it"
  fi
  exit 1
}
netns_exists() { [ -e "/run/netns/$NS" ]; }
X() { ip netns exec "$NS" "$@"; }

mod_dir() { # the directory of a module in the Go module cache, downloading it through the proxy
  (cd / && GOWORK=off GOTOOLCHAIN=local GOFLAGS=-modcacherw go mod download -json "$1" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
}

resolve() { # the binaries of the running cluster, if any: the cache key may have changed since it started
  if [ -f "$D/bin" ]; then BIN=$(cat "$D/bin"); else BIN=$(k8sbox_bin_dir); fi
  KUBECTL=$BIN/kubectl
}
kc() { X "$KUBECTL" --kubeconfig "$K" "$@"; }

wait_for() { # wait_for SECONDS WHAT CMD...: poll about once a second until CMD succeeds
  local n=$1 what=$2; shift 2
  local deadline=$((SECONDS + n))
  while ((SECONDS < deadline)); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 1
  done
  die "timed out after ${n}s waiting for $what; logs are in $D/log/"
}

pid_alive() { # our component is alive only if the pidfile's PID still runs our binary (PIDs get reused)
  local f=$D/pid/$1 pid
  [ -f "$f" ] || return 1
  pid=$(cat "$f")
  [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$BIN/$1"
}

healthy() {
  netns_exists || return 1
  for c in "${COMPONENTS[@]}"; do pid_alive "$c" || return 1; done
  kc get --raw /readyz >/dev/null 2>&1
}

print_env() {
  echo "KUBECONFIG=$K"
  echo "NETNS=$NS"
  echo "RUN=ip netns exec $NS"
  echo "KUBECTL=$KUBECTL"
}

start() { # start NAME ARGS...: ip netns exec execs in place, so $! is the component's own PID
  local name=$1; shift
  # 9>&-: the component must not inherit (and so hold) the up/down lock.
  ip netns exec "$NS" "$BIN/$name" "$@" </dev/null >"$D/log/$name.log" 2>&1 9>&- &
  echo $! >"$D/pid/$name"
}

make_netns() {
  ip netns add "$NS" || die "could not create network namespace '$NS' (needs root / CAP_SYS_ADMIN; is iproute2 installed?)"
  X ip link set lo up
  X ip route add local "$POD_CIDR" dev lo table local
  X ip route add local "$GW_CIDR" dev lo table local
  X ip addr add "$ADV_IP/32" dev lo
  X ip addr add "$NODE_IP/32" dev lo
}

make_pki() {
  mkdir -p "$P"
  (
    cd "$P"
    o() { openssl "$@" 2>/dev/null; }
    o req -x509 -newkey rsa:2048 -nodes -days 3650 -keyout ca.key -out ca.crt -subj "/CN=portico-test-ca" \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
    printf 'subjectAltName=IP:127.0.0.1,IP:10.96.0.1,IP:%s,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n' "$ADV_IP" >srv.ext
    o req -newkey rsa:2048 -nodes -keyout apiserver.key -out apiserver.csr -subj "/CN=kube-apiserver"
    o x509 -req -in apiserver.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 3650 -out apiserver.crt -extfile srv.ext
    # O=system:masters: the admin bypasses RBAC, so the tests need no bootstrap bindings.
    printf 'extendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n' >cli.ext
    o req -newkey rsa:2048 -nodes -keyout admin.key -out admin.csr -subj "/O=system:masters/CN=portico-test-admin"
    o x509 -req -in admin.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 3650 -out admin.crt -extfile cli.ext
    # kwok's kubelet endpoint (pods/log): the apiserver dials it on the node IP over TLS.
    printf 'subjectAltName=IP:%s\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n' "$NODE_IP" >kwok.ext
    o req -newkey rsa:2048 -nodes -keyout kwok.key -out kwok.csr -subj "/CN=$NODE"
    o x509 -req -in kwok.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 3650 -out kwok.crt -extfile kwok.ext
    o genrsa -out sa.key 2048
    o rsa -in sa.key -pubout -out sa.pub
  ) || die "openssl failed while writing $P"
  cat >"$K" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: $NAME
  cluster: {server: "https://127.0.0.1:6443", certificate-authority: "$P/ca.crt"}
users:
- name: admin
  user: {client-certificate: "$P/admin.crt", client-key: "$P/admin.key"}
contexts:
- name: $NAME
  context: {cluster: $NAME, user: admin}
current-context: $NAME
EOF
}

write_kwok_config() { # only Stage documents: options go on the command line
  # A KwokConfiguration document here would replace kwok's defaults without defaulting the fields it
  # leaves out (kwok v0.8.0 then fails: "node leases parallelism must be greater than 0").
  local stages=$1 f
  for f in node/fast/node-initialize.yaml node/heartbeat-with-lease/node-heartbeat-with-lease.yaml \
    pod/fast/pod-ready.yaml pod/fast/pod-complete.yaml pod/fast/pod-delete.yaml; do
    [ -f "$stages/$f" ] || die "kwok stage $stages/$f is missing; run: go mod download sigs.k8s.io/kwok@$KWOK_VERSION"
    echo '---'
    cat "$stages/$f"
  done >"$D/kwok.yaml"
}

no_taints() { [ -z "$(kc get node "$NODE" -o 'jsonpath={.spec.taints}')" ]; }

apply_crds() {
  local gw
  gw=$(mod_dir "sigs.k8s.io/gateway-api@$GATEWAY_API_VERSION")
  [ -d "$gw/config/crd/experimental" ] || die "Gateway API CRDs not found in $gw/config/crd/experimental"
  # Server-side: the experimental HTTPRoute CRD is larger than the client-side apply annotation allows.
  kc apply --server-side --force-conflicts -k "$gw/config/crd/experimental" >"$D/log/crds.log" 2>&1 \
    || die "applying Gateway API CRDs failed; see $D/log/crds.log"
  kc wait --for=condition=Established crd --all --timeout=120s >/dev/null \
    || die "Gateway API CRDs did not become Established"
}

cmd_up() {
  local t0=$SECONDS
  SHOW_LOGS=1
  local built
  built=$("$HERE/build.sh") || die "build failed"
  if healthy; then
    log "already up"
    hold
    print_env
    return 0
  fi
  if netns_exists || [ -d "$D" ]; then
    log "found a partial cluster; tearing it down first"
    cmd_down
  fi
  local stages
  stages=$(mod_dir "sigs.k8s.io/kwok@$KWOK_VERSION")/kustomize/stage
  mod_dir "sigs.k8s.io/gateway-api@$GATEWAY_API_VERSION" >/dev/null # fetch now: no proxy inside the netns

  BIN=$built
  KUBECTL=$BIN/kubectl
  mkdir -p "$D"/{log,pid}
  install -d -m 700 "$D/etcd"
  echo "$BIN" >"$D/bin"
  make_netns
  make_pki
  write_kwok_config "$stages"

  start etcd --name=node0 --data-dir="$D/etcd" \
    --listen-client-urls=http://127.0.0.1:2379 --advertise-client-urls=http://127.0.0.1:2379 \
    --listen-peer-urls=http://127.0.0.1:2380 --initial-advertise-peer-urls=http://127.0.0.1:2380 \
    --initial-cluster=node0=http://127.0.0.1:2380 --auto-compaction-retention=1 \
    --quota-backend-bytes=8589934592 --unsafe-no-fsync=true --log-level=warn
  wait_for 60 "etcd /health" X curl -sf http://127.0.0.1:2379/health

  # --advertise-address: with no default route in the namespace the apiserver cannot pick one itself,
  # and the "kubernetes" Service's EndpointSlice must not be loopback.
  start kube-apiserver --etcd-servers=http://127.0.0.1:2379 \
    --bind-address=127.0.0.1 --secure-port=6443 --advertise-address="$ADV_IP" \
    --tls-cert-file="$P/apiserver.crt" --tls-private-key-file="$P/apiserver.key" --client-ca-file="$P/ca.crt" \
    --service-account-issuer=https://kubernetes.default.svc.cluster.local \
    --service-account-key-file="$P/sa.pub" --service-account-signing-key-file="$P/sa.key" \
    --service-cluster-ip-range="$SVC_CIDR" --authorization-mode=RBAC --allow-privileged=true \
    --profiling=false --enable-priority-and-fairness=false \
    --disable-admission-plugins=TaintNodesByCondition \
    --kubelet-preferred-address-types=InternalIP --kubelet-certificate-authority="$P/ca.crt" \
    --kubelet-client-certificate="$P/admin.crt" --kubelet-client-key="$P/admin.key"
  wait_for 180 "kube-apiserver /readyz" kc get --raw /readyz

  local common=(--kubeconfig="$K" --authentication-kubeconfig="$K" --authorization-kubeconfig="$K"
    --bind-address=127.0.0.1 --leader-elect=false
    --authorization-always-allow-paths=/healthz,/readyz,/livez,/metrics)
  start kube-controller-manager "${common[@]}" --secure-port=10257 \
    --use-service-account-credentials=false --root-ca-file="$P/ca.crt" \
    --service-account-private-key-file="$P/sa.key" --controllers="$CONTROLLERS"
  start kube-scheduler "${common[@]}" --secure-port=10259

  # The Node is created by us (podCIDR is immutable after create) and animated by kwok.
  kc apply -f - >/dev/null <<EOF || die "could not create Node $NODE"
apiVersion: v1
kind: Node
metadata:
  name: $NODE
  labels: {kubernetes.io/hostname: $NODE, kubernetes.io/os: linux, kubernetes.io/arch: amd64, type: kwok}
  annotations: {kwok.x-k8s.io/node: fake}
spec:
  podCIDR: $POD_CIDR
  podCIDRs: [$POD_CIDR]
EOF
  # Logs objects (one per pod, written by whoever plays the pod) let `kubectl logs` / pods/log read a
  # container-log file through kwok's kubelet endpoint; the conformance mirror tests need that.
  kc apply --server-side -f "$(mod_dir "sigs.k8s.io/kwok@$KWOK_VERSION")/kustomize/crd/bases/kwok.x-k8s.io_logs.yaml" >/dev/null \
    || die "could not install kwok's Logs CRD"
  start kwok --kubeconfig="$K" --config="$D/kwok.yaml" --manage-all-nodes=true \
    --cidr="$POD_CIDR" --node-ip="$NODE_IP" --node-name="$NODE" --node-lease-duration-seconds=40 \
    --server-address="$NODE_IP:10250" --node-port=10250 --enable-crds=Logs \
    --tls-cert-file="$P/kwok.crt" --tls-private-key-file="$P/kwok.key"

  apply_crds
  wait_for 120 "kube-controller-manager /healthz" X curl -skf https://127.0.0.1:10257/healthz
  wait_for 120 "kube-scheduler /healthz" X curl -skf https://127.0.0.1:10259/healthz
  wait_for 120 "Node $NODE Ready" kc wait --for=condition=Ready "node/$NODE" --timeout=1s
  wait_for 30 "Node $NODE without taints" no_taints
  wait_for 120 "ServiceAccount default/default" kc -n default get serviceaccount default
  for c in "${COMPONENTS[@]}"; do pid_alive "$c" || die "$c exited during start-up; see $D/log/$c.log"; done
  log "up in $((SECONDS - t0))s"
  hold
  print_env
}

hold() {
  local who=${PORTICO_CLUSTER_USER:-manual}
  case $who in manual|[0-9]*) ;; *) die "PORTICO_CLUSTER_USER='$who' must be a PID";; esac
  mkdir -p "$D/users" && : >"$D/users/$who"
}

cmd_release() {
  local who=$1 f pid
  case $who in [0-9]*) ;; *) die "usage: cluster.sh release PID";; esac
  [ -d "$D/users" ] || return 0
  rm -f "$D/users/$who"
  for f in "$D"/users/*; do
    [ -e "$f" ] || continue
    pid=${f##*/}
    [ "$pid" = manual ] && continue
    kill -0 "$pid" 2>/dev/null || rm -f "$f"
  done
  if [ -z "$(ls -A "$D/users")" ]; then
    cmd_down
    log "down (last holder released it)"
  else
    log "still held by: $(ls "$D/users" | tr '\n' ' ')"
  fi
}

stop_pid() { # TERM, wait up to 15s, then KILL; only if the PID still runs our binary
  local c=$1 pid
  pid_alive "$c" || return 0
  pid=$(cat "$D/pid/$c")
  kill -TERM "$pid" 2>/dev/null || return 0
  for ((i = 0; i < 150; i++)); do
    pid_alive "$c" || return 0
    sleep 0.1
  done
  log "$c (pid $pid) did not stop after SIGTERM; sending SIGKILL"
  kill -KILL "$pid" 2>/dev/null || true
}

cmd_down() {
  for ((j = ${#COMPONENTS[@]} - 1; j >= 0; j--)); do stop_pid "${COMPONENTS[j]}"; done
  if netns_exists; then
    ip netns del "$NS" || log "could not delete netns $NS"
  fi
  rm -rf "$D"
}

main() {
  local cmd=${1:-}
  resolve
  case $cmd in
    up) exec 9>"/tmp/portico-cluster-$NAME.lock"; flock 9; cmd_up; SHOW_LOGS= ;;
    down) exec 9>"/tmp/portico-cluster-$NAME.lock"; flock 9; cmd_down; log "down" ;;
    release) exec 9>"/tmp/portico-cluster-$NAME.lock"; flock 9; cmd_release "${2:-}" ;;
    env) healthy || die "not up (run: cluster.sh up)"; print_env ;;
    status) healthy ;;
    build) "$HERE/build.sh" >/dev/null && mod_dir "sigs.k8s.io/kwok@$KWOK_VERSION" >/dev/null \
      && mod_dir "sigs.k8s.io/gateway-api@$GATEWAY_API_VERSION" >/dev/null && echo "$BIN" ;;
    crds) healthy || die "not up (run: cluster.sh up)"; apply_crds ;;
    *) echo "usage: cluster.sh up|down|release PID|env|status|build|crds   (PORTICO_CLUSTER=name, default portico-test)" >&2; exit 2 ;;
  esac
}
main "$@"
