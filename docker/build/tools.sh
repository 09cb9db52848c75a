#!/usr/bin/env bash
# Builds the Go tools the harness runs (k6, Tempo, the custom Collector, Prometheus) into
# .tools/<name>-<version>/, each from its Go module. A tool whose binary already
# exists is reused, so only the first run pays the (long) cold build.
# usage: docker/build/tools.sh [k6|tempo|otelcol|prometheus]...
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
# shellcheck source=versions.env
source "$root/docker/build/versions.env"
tools="$root/.tools"
mkdir -p "$tools"
export CGO_ENABLED=0 GOFLAGS="${GOFLAGS:--buildvcs=false}" GOTOOLCHAIN=local
# Only the proxy: "direct" would try the modules' own hosts, which are not reachable here.
export GOPROXY="${GOPROXY_OVERRIDE:-https://proxy.golang.org}"

command -v go >/dev/null || { echo "tools: 'go' is not on PATH; install Go >= 1.26 (https://go.dev/dl)" >&2; exit 2; }

step() { printf '\n[tools] %s (%s)\n' "$1" "$(date +%T)"; }
elapsed() { printf '[tools] %s ready in %ss: %s (%s)\n' "$1" "$2" "$3" "$(du -h "$3" | cut -f1)"; }

build_k6() {
  local dest="$tools/k6-$K6_VERSION"
  [[ -x "$dest/k6" ]] && { echo "[tools] k6 $K6_VERSION: reusing $dest/k6"; return; }
  step "building k6 $K6_VERSION through docker/k6/wrapper"
  local t0=$SECONDS
  mkdir -p "$dest.tmp"
  grep -q "go.k6.io/k6/v2 $K6_VERSION" "$root/docker/k6/wrapper/go.mod" || {
    echo "tools: docker/k6/wrapper/go.mod does not pin k6 $K6_VERSION (versions.env); update both together" >&2; exit 2; }
  (cd "$root/docker/k6/wrapper" && go build -trimpath -ldflags='-s -w' -o "$dest.tmp/k6" go.k6.io/k6/v2)
  mv "$dest.tmp" "$dest"
  elapsed k6 $((SECONDS - t0)) "$dest/k6"
}

build_tempo() {
  local dest="$tools/tempo-$TEMPO_VERSION"
  [[ -x "$dest/tempo" ]] && { echo "[tools] tempo $TEMPO_VERSION: reusing $dest/tempo"; return; }
  step "building tempo $TEMPO_VERSION through docker/tempo/wrapper"
  local t0=$SECONDS
  mkdir -p "$dest.tmp"
  grep -q "github.com/grafana/tempo $TEMPO_VERSION" "$root/docker/tempo/wrapper/go.mod" || {
    echo "tools: docker/tempo/wrapper/go.mod does not pin tempo $TEMPO_VERSION (versions.env); update both together" >&2; exit 2; }
  (cd "$root/docker/tempo/wrapper" && go build -trimpath -ldflags='-s -w' -o "$dest.tmp/tempo" github.com/grafana/tempo/cmd/tempo)
  mv "$dest.tmp" "$dest"
  elapsed tempo $((SECONDS - t0)) "$dest/tempo"
}

build_otelcol() {
  local dest="$tools/otelcol-$OTELCOL_VERSION"
  [[ -x "$dest/otelcol-harness" ]] && { echo "[tools] otelcol $OTELCOL_VERSION: reusing $dest/otelcol-harness"; return; }
  local manifest="$root/docker/otelcol/builder.yaml"
  grep -q "v$OTELCOL_VERSION" "$manifest" || { echo "tools: $manifest is not on v$OTELCOL_VERSION (versions.env)" >&2; exit 2; }
  step "building the builder v$OTELCOL_VERSION"
  local t0=$SECONDS
  local builder="$tools/builder-$OTELCOL_VERSION"
  [[ -x "$builder/builder" ]] || { mkdir -p "$builder"; GOBIN="$builder" go install "go.opentelemetry.io/collector/cmd/builder@v$OTELCOL_VERSION"; }
  step "building the collector from $manifest"
  rm -rf "$dest.tmp"; mkdir -p "$dest.tmp"
  "$builder/builder" --config="$manifest" --output-path="$dest.tmp/src" --skip-strict-versioning=false
  mv "$dest.tmp/src/otelcol-harness" "$dest.tmp/otelcol-harness"
  rm -rf "$dest.tmp/src"
  mv "$dest.tmp" "$dest"
  elapsed otelcol $((SECONDS - t0)) "$dest/otelcol-harness"
}

build_prometheus() {
  local dest="$tools/prometheus-$PROMETHEUS_VERSION"
  [[ -x "$dest/prometheus" && -x "$dest/promtool" ]] && { echo "[tools] prometheus $PROMETHEUS_VERSION: reusing $dest"; return; }
  step "building prometheus and promtool $PROMETHEUS_VERSION"
  local t0=$SECONDS
  rm -rf "$dest.tmp"; mkdir -p "$dest.tmp"
  # remove_all_sd leaves out every cloud service discovery (the harness scrapes static
  # targets) and their SDKs; without the builtinassets tag there is no web UI:
  # the HTTP API is all the harness reads.
  GOBIN="$dest.tmp" go install -trimpath -tags remove_all_sd \
    -ldflags="-s -w -X github.com/prometheus/common/version.Version=$PROMETHEUS_VERSION" \
    "github.com/prometheus/prometheus/cmd/prometheus@$PROMETHEUS_VERSION" \
    "github.com/prometheus/prometheus/cmd/promtool@$PROMETHEUS_VERSION"
  mv "$dest.tmp" "$dest"
  elapsed prometheus $((SECONDS - t0)) "$dest/prometheus"
}

[[ $# -gt 0 ]] || set -- tempo otelcol k6 prometheus
for t in "$@"; do
  case "$t" in
    k6) build_k6 ;; tempo) build_tempo ;; otelcol) build_otelcol ;; prometheus) build_prometheus ;;
    *) echo "tools: unknown tool '$t' (known: k6 tempo otelcol prometheus)" >&2; exit 2 ;;
  esac
done
