#!/usr/bin/env bash
# Gets the real servers the pipeline tests run against, and caches them between runs.
#
#   scripts/servers.sh            build what is missing, print the paths
#   scripts/servers.sh --print    only print the paths (exit 1 if something is missing)
#
# What it produces, under ${STORMWATCH_SERVERS_DIR:-.cache/servers} (gitignored):
#   bin/otelcol-stormwatch  the collector, built with ocb from deploy/collector/builder-config.yaml
#   bin/tempo               Tempo's single binary, built through the wrapper module deploy/tempo/build
#   bin/helm                helm, for the chart's lint/template tests
# Prometheus and promtool come from Debian (.ci/system-packages installs them).
#
# Each build lands in a directory named after what pins it (the builder version and a hash
# of the manifest; the Tempo pseudo-version; the helm version), so a cached run only checks
# that the binaries exist. Needs Go (>= 1.25) and the Go module proxy.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cache=${STORMWATCH_SERVERS_DIR:-$root/.cache/servers}
HELM_VERSION=v3.21.4
manifest=$root/deploy/collector/builder-config.yaml
tempo_mod=$root/deploy/tempo/build

# The builder's version is the manifest's core version (that of its OTLP receiver).
OCB_VERSION=$(awk '$3 == "go.opentelemetry.io/collector/receiver/otlpreceiver" { print $4 }' "$manifest")

# The Tempo release is pinned in the wrapper module's go.mod; the tag is named in its comment.
tempo_version=$(awk '$1 == "github.com/grafana/tempo" { print $2 }' "$tempo_mod/go.mod")
tempo_tag=$(sed -n 's|^// Pinned release: Tempo \(v[0-9.]*\) .*|\1|p' "$tempo_mod/go.mod")
manifest_hash=$(sha256sum "$manifest" | cut -c1-12)
if [ -z "$OCB_VERSION" ] || [ -z "$tempo_version" ] || [ -z "$tempo_tag" ]; then
  echo "servers.sh: cannot read the pinned versions from $manifest and $tempo_mod/go.mod" >&2
  exit 1
fi

otelcol_dir=$cache/otelcol-$OCB_VERSION-$manifest_hash
tempo_dir=$cache/tempo-$tempo_version
helm_dir=$cache/helm-$HELM_VERSION

print_paths() {
  local missing=0
  for f in "$otelcol_dir/otelcol-stormwatch" "$tempo_dir/tempo" "$helm_dir/helm"; do
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

build_tempo() {
  mkdir -p "$tempo_dir.tmp"
  (cd "$tempo_mod" && go build -trimpath \
    -ldflags "-s -w -X main.Version=$tempo_tag -X main.Revision=${tempo_version##*-}" \
    -o "$tempo_dir.tmp/tempo" github.com/grafana/tempo/cmd/tempo)
  rm -rf "$tempo_dir" && mv "$tempo_dir.tmp" "$tempo_dir"
}

build_helm() {
  mkdir -p "$helm_dir.tmp"
  GOBIN=$helm_dir.tmp go install -trimpath -ldflags "-s -w" "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
  rm -rf "$helm_dir" && mv "$helm_dir.tmp" "$helm_dir"
}

[ -x "$otelcol_dir/otelcol-stormwatch" ] || timed "otelcol-stormwatch@$OCB_VERSION-$manifest_hash" build_otelcol
[ -x "$tempo_dir/tempo" ] || timed "tempo@$tempo_tag" build_tempo
[ -x "$helm_dir/helm" ] || timed "helm@$HELM_VERSION" build_helm

ln -sfn "$otelcol_dir/otelcol-stormwatch" "$cache/bin/otelcol-stormwatch"
ln -sfn "$tempo_dir/tempo" "$cache/bin/tempo"
ln -sfn "$helm_dir/helm" "$cache/bin/helm"
print_paths
