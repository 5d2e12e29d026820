#!/usr/bin/env bash
# Gets the real servers the pipeline tests run against, and caches them between runs.
#
#   scripts/servers.sh            build what is missing, print the paths
#   scripts/servers.sh --print    only print the paths (exit 1 if something is missing)
#
# What it produces, under ${STORMWATCH_SERVERS_DIR:-.cache/servers} (gitignored):
#   bin/otelcol-stormwatch  the collector, built with ocb from deploy/collector/builder-config.yaml
#   bin/jaeger              Jaeger v2, the end-to-end test's trace store, built through the
#                           wrapper module test/jaeger (go.mod and go.sum pin every module)
#   bin/helm                helm, for the chart's lint/template tests
# Prometheus and promtool come from Debian (.ci/system-packages installs them).
#
# Tempo is not among them: it is under the AGPL, so nothing here fetches or builds it (the
# product still sends traces to the user's Tempo; the tests use Jaeger, Apache-2.0).
#
# Each build lands in a directory named after what pins it (the builder version and a hash
# of the manifest; the Jaeger version and a hash of its wrapper module; the helm version),
# so a cached run only checks that the binaries exist. Needs Go (>= 1.25) and the Go module proxy.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cache=${STORMWATCH_SERVERS_DIR:-$root/.cache/servers}
HELM_VERSION=v3.21.4
manifest=$root/deploy/collector/builder-config.yaml
jaeger_mod=$root/test/jaeger

# The builder's version is the manifest's core version (that of its OTLP receiver).
OCB_VERSION=$(awk '$3 == "go.opentelemetry.io/collector/receiver/otlpreceiver" { print $4 }' "$manifest")

# The Jaeger release is pinned in the wrapper module's go.mod (with every module of its build
# in go.mod and go.sum, which the cache directory's hash covers).
JAEGER_VERSION=$(awk '$1 == "github.com/jaegertracing/jaeger" { print $2 }' "$jaeger_mod/go.mod")
manifest_hash=$(sha256sum "$manifest" | cut -c1-12)
jaeger_hash=$(cat "$jaeger_mod/go.mod" "$jaeger_mod/go.sum" | sha256sum | cut -c1-12)
if [ -z "$OCB_VERSION" ] || [ -z "$JAEGER_VERSION" ]; then
  echo "servers.sh: cannot read the pinned versions from $manifest and $jaeger_mod/go.mod" >&2
  exit 1
fi

otelcol_dir=$cache/otelcol-$OCB_VERSION-$manifest_hash
jaeger_dir=$cache/jaeger-$JAEGER_VERSION-$jaeger_hash
helm_dir=$cache/helm-$HELM_VERSION

print_paths() {
  local missing=0
  for f in "$otelcol_dir/otelcol-stormwatch" "$jaeger_dir/jaeger" "$helm_dir/helm"; do
    if [ -x "$f" ]; then echo "$f"; else echo "missing: $f" >&2; missing=1; fi
  done
  for c in prometheus promtool; do
    if command -v "$c" >/dev/null; then command -v "$c"; else echo "missing: $c (Debian package prometheus)" >&2; missing=1; fi
  done
  return $missing
}

if [ "${1:-}" = "--print" ]; then print_paths; exit $?; fi

command -v go >/dev/null || { echo "servers.sh: Go is required (https://go.dev/dl/)" >&2; exit 1; }
mkdir -p "$cache/bin"
export CGO_ENABLED=0 GOFLAGS=${GOFLAGS:-}

timed() { # timed <label> <command...>: runs the command and appends its wall time to build-times.log
  local label=$1 start end; shift
  start=$(date +%s)
  "$@"
  end=$(date +%s)
  echo "$(date -u +%FT%TZ) $label $((end - start))s" | tee -a "$cache/build-times.log"
}

build_otelcol() {
  local work=$otelcol_dir.tmp
  rm -rf "$work" && mkdir -p "$work"
  GOBIN=$work go install "go.opentelemetry.io/collector/cmd/builder@$OCB_VERSION"
  # ocb writes to dist.output_path relative to its working directory.
  cp "$manifest" "$work/builder-config.yaml"
  (cd "$work" && ./builder --config=builder-config.yaml)
  mkdir -p "$otelcol_dir"
  mv "$work/_build/otelcol-stormwatch" "$otelcol_dir/otelcol-stormwatch"
  rm -rf "$work"
}

build_jaeger() {
  # `go install …@version` cannot build it (Jaeger's go.mod has replace directives): the
  # wrapper module requires it as a tool, and go build there uses the module's pins.
  mkdir -p "$jaeger_dir.tmp"
  (cd "$jaeger_mod" && go build -mod=readonly -trimpath \
    -ldflags "-s -w -X github.com/jaegertracing/jaeger/internal/version.latestVersion=$JAEGER_VERSION" \
    -o "$jaeger_dir.tmp/jaeger" github.com/jaegertracing/jaeger/cmd/jaeger)
  rm -rf "$jaeger_dir" && mv "$jaeger_dir.tmp" "$jaeger_dir"
}

build_helm() {
  mkdir -p "$helm_dir.tmp"
  GOBIN=$helm_dir.tmp go install -trimpath -ldflags "-s -w" "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
  rm -rf "$helm_dir" && mv "$helm_dir.tmp" "$helm_dir"
}

[ -x "$otelcol_dir/otelcol-stormwatch" ] || timed "otelcol-stormwatch@$OCB_VERSION-$manifest_hash" build_otelcol
[ -x "$jaeger_dir/jaeger" ] || timed "jaeger@$JAEGER_VERSION" build_jaeger
[ -x "$helm_dir/helm" ] || timed "helm@$HELM_VERSION" build_helm

ln -sfn "$otelcol_dir/otelcol-stormwatch" "$cache/bin/otelcol-stormwatch"
ln -sfn "$jaeger_dir/jaeger" "$cache/bin/jaeger"
ln -sfn "$helm_dir/helm" "$cache/bin/helm"
print_paths
