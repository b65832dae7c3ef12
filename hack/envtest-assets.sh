#!/usr/bin/env bash
# envtest-assets.sh prints a directory that holds kube-apiserver, etcd and kubectl
# for envtest (controller-runtime's test control plane), building them offline
# when needed.
#
# envtest's own downloader (setup-envtest) fetches prebuilt binaries from the
# internet, which this project's machines cannot reach; the Go module proxy is
# reachable, so the binaries are built from their Go modules instead:
#   1. $KUBEBUILDER_ASSETS, when set and complete, is used as it is;
#   2. else a cached build in $EVENTSTACK_CACHE (default ~/.cache/eventstack-operator);
#   3. else kube-apiserver and kubectl are built from k8s.io/kubernetes and etcd
#      from go.etcd.io/etcd/server/v3, then cached (10-15 min once on 2 cores).
#
# Everything it prints on stdout is the directory; progress goes to stderr.
set -euo pipefail

K8S_VERSION="${K8S_VERSION:-v1.37.2}"
ETCD_VERSION="${ETCD_VERSION:-v3.6.16}"

have_all() {
  [ -x "$1/kube-apiserver" ] && [ -x "$1/etcd" ] && [ -x "$1/kubectl" ]
}

if [ -n "${KUBEBUILDER_ASSETS:-}" ] && have_all "$KUBEBUILDER_ASSETS"; then
  echo "$KUBEBUILDER_ASSETS"
  exit 0
fi

cache="${EVENTSTACK_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/eventstack-operator}"
dest="$cache/envtest/k8s-${K8S_VERSION}-etcd-${ETCD_VERSION}"
if have_all "$dest"; then
  echo "$dest"
  exit 0
fi

# One build at a time: a second caller (another make target, a parallel test)
# waits for the first instead of starting a second 10-minute build.
mkdir -p "$cache/envtest"
exec 9>"$cache/envtest/.lock"
flock 9
if have_all "$dest"; then
  echo "$dest"
  exit 0
fi

work="$(mktemp -d "$cache/envtest/build.XXXXXX")"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/bin"
export GOFLAGS=-mod=mod CGO_ENABLED=0 GOWORK=off

log() { echo "envtest-assets: $*" >&2; }

# --- kube-apiserver and kubectl -------------------------------------------------
log "building kube-apiserver and kubectl ${K8S_VERSION} from k8s.io/kubernetes (once; 10-15 min on 2 cores)"
k8s_gomod="$(cd "$work" && go mod download -json "k8s.io/kubernetes@${K8S_VERSION}" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p')"
staging_version="v0.${K8S_VERSION#v1.}"   # v1.37.2 -> v0.37.2
mkdir -p "$work/k8s"
{
  echo "module eventstack.io/envtest-build"
  echo
  sed -n 's/^go \(.*\)$/go \1/p' "$k8s_gomod"
  echo
  echo "require k8s.io/kubernetes ${K8S_VERSION}"
  echo
  # k8s.io/kubernetes requires its staging modules at v0.0.0 and points them at
  # ./staging with replace directives, which do not apply to a dependent module.
  # Derive one replace per staging module from that go.mod, never by hand.
  sed -n 's#^[[:space:]]*\(k8s\.io/[^[:space:]]*\) => \./staging/src/.*$#replace \1 => \1 '"$staging_version"'#p' "$k8s_gomod"
} >"$work/k8s/go.mod"
cat >"$work/k8s/tools.go" <<'GO'
//go:build tools

package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kubectl"
)
GO
(
  cd "$work/k8s"
  go mod tidy >&2
  ldflags="-s -w"
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldflags+=" -X ${pkg}.gitVersion=${K8S_VERSION}"
    ldflags+=" -X ${pkg}.gitMajor=$(echo "${K8S_VERSION#v}" | cut -d. -f1)"
    ldflags+=" -X ${pkg}.gitMinor=$(echo "${K8S_VERSION#v}" | cut -d. -f2)"
    ldflags+=" -X ${pkg}.gitTreeState=clean"
  done
  go build -trimpath -ldflags "$ldflags" -o "$work/bin/" k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kubectl >&2
)

# --- etcd ---------------------------------------------------------------------------
log "building etcd ${ETCD_VERSION} from go.etcd.io/etcd/server/v3"
mkdir -p "$work/etcd"
(
  # etcd's server module carries replace directives of its own, so `go install
  # module@version` refuses it; build it as a dependency of a scratch module.
  cd "$work/etcd"
  go mod init eventstack.io/etcd-build >&2
  go get "go.etcd.io/etcd/server/v3@${ETCD_VERSION}" >&2
  go build -trimpath -ldflags "-s -w" -o "$work/bin/etcd" go.etcd.io/etcd/server/v3 >&2
)

"$work/bin/kube-apiserver" --version >&2
"$work/bin/etcd" --version | head -1 >&2
rm -rf "$dest"
mkdir -p "$(dirname "$dest")"
mv "$work/bin" "$dest"
log "cached in $dest"
echo "$dest"
