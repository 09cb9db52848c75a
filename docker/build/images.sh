#!/usr/bin/env bash
# Builds the harness's images with podman (or docker) from what this project builds
# itself; nothing is pulled. Each image is built from a small staging folder holding
# only what its Containerfile copies (never the repository, .tools or node_modules).
# An image is rebuilt only when its inputs changed: the input digest is a label.
#   usage: docker/build/images.sh [tempo|otelcol|prometheus|k6|base|pipeline]...   (default: all)
#   CONTAINER_ENGINE=podman|docker picks the engine (default: podman when installed).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
# shellcheck source=versions.env
source "$root/docker/build/versions.env"
tools="$root/.tools"

engine="${CONTAINER_ENGINE:-}"
if [[ -z "$engine" ]]; then
  if command -v podman >/dev/null; then engine=podman; elif command -v docker >/dev/null; then engine=docker; else
    echo "images: neither podman nor docker is installed (Debian: apt-get install -y podman runc; see README, Containers)" >&2; exit 2
  fi
fi
case "$engine" in podman|docker) ;; *) echo "images: CONTAINER_ENGINE must be podman or docker (got '$engine')" >&2; exit 2 ;; esac
# The committed podman settings (runc, cgroupfs, ulimits) unless the caller chose others.
[[ "$engine" == podman ]] && export CONTAINERS_CONF="$(realpath -m "${CONTAINERS_CONF:-$root/docker/podman/containers.conf}")"

stage_root="$(mktemp -d "${TMPDIR:-/tmp}/harness-images.XXXXXX")"
trap 'rm -rf "$stage_root"' EXIT

need() { [[ -e "$1" ]] || { echo "images: $1 is missing; run: $2" >&2; exit 2; }; }
digest() { (cd "$1" && find . -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16); }
current_label() { "$engine" image inspect --format '{{ index .Config.Labels "harness.inputs" }}' "$1" 2>/dev/null || true; }

# build <tag> <staging dir> <Containerfile> [build args...]: skips when the inputs are unchanged.
build() {
  local tag="$1" dir="$2" file="$3"; shift 3
  cp "$file" "$dir/Containerfile"
  local sum; sum="$(digest "$dir")"
  if [[ "$(current_label "$tag")" == "$sum" ]]; then echo "[images] $tag: up to date"; return; fi
  local t0=$SECONDS
  "$engine" build -q --label "harness.inputs=$sum" -t "$tag" -f "$dir/Containerfile" "$@" "$dir" >/dev/null
  # The image this tag named before is now dangling; drop it (only the harness's own).
  "$engine" image prune -f --filter label=harness.inputs >/dev/null
  printf '[images] %s built in %ss (%s)\n' "$tag" $((SECONDS - t0)) \
    "$("$engine" image inspect --format '{{.Size}}' "$tag" | awk '{printf "%.0f MB", $1/1e6}')"
}

image_tempo() {
  local d="$stage_root/tempo" bin="$tools/tempo-$TEMPO_VERSION/tempo"
  need "$bin" "make tools"; mkdir -p "$d"
  cp "$bin" "$root/docker/tempo/tempo.yaml" "$d/"
  build "localhost/harness-tempo:$TEMPO_VERSION" "$d" "$root/docker/tempo/Containerfile"
}

image_otelcol() {
  local d="$stage_root/otelcol" bin="$tools/otelcol-$OTELCOL_VERSION/otelcol-harness"
  need "$bin" "make tools"; mkdir -p "$d"
  cp "$bin" "$root/docker/otelcol/config.yaml" "$d/"
  build "localhost/harness-otelcol:$OTELCOL_VERSION" "$d" "$root/docker/otelcol/Containerfile"
}

image_prometheus() {
  local d="$stage_root/prometheus" bin="$tools/prometheus-$PROMETHEUS_VERSION/prometheus"
  need "$bin" "make tools"; mkdir -p "$d"
  cp "$bin" "$root/docker/prometheus/rules.yml" "$d/"
  build "localhost/harness-prometheus:$PROMETHEUS_VERSION" "$d" "$root/docker/prometheus/Containerfile"
}

image_k6() {
  local d="$stage_root/k6" bin="$tools/k6-$K6_VERSION/k6"
  need "$bin" "make tools"; mkdir -p "$d"
  cp "$bin" "$d/"
  build "localhost/harness-k6:$K6_VERSION" "$d" "$root/docker/k6/Containerfile"
}

# Node plus every shared library that ldd lists for it and for onnxruntime's native
# code, at the paths the dynamic loader looks for them.
image_base() {
  local d="$stage_root/base" node; node="$("$root/docker/build/node.sh")/node"
  local ort="$root/node_modules/onnxruntime-node/bin/napi-v6/linux/x64"
  need "$ort/libonnxruntime.so.1" "make deps"
  command -v ldd >/dev/null || { echo "images: ldd is needed to assemble the base image" >&2; exit 2; }
  mkdir -p "$d/rootfs/usr/local/bin" "$d/rootfs/tmp" "$d/rootfs/etc"
  cp "$node" "$d/rootfs/usr/local/bin/node"
  local lib
  for lib in $(ldd "$node" "$ort/libonnxruntime.so.1" "$ort/onnxruntime_binding.node" | awk '/=> \// {print $3} /^[ \t]*\/[^ ]* \(0x/ {print $1}' | sort -u); do
    mkdir -p "$d/rootfs$(dirname "$lib")"
    cp -L "$lib" "$d/rootfs$lib"
  done
  # Node and getaddrinfo read these; a container runtime mounts its own hosts/resolv.conf over them.
  printf 'root:x:0:0:root:/root:/nonexistent\nnode:x:1000:1000::/app:/nonexistent\n' > "$d/rootfs/etc/passwd"
  printf 'root:x:0:\nnode:x:1000:\n' > "$d/rootfs/etc/group"
  printf 'hosts: files dns\n' > "$d/rootfs/etc/nsswitch.conf"
  chmod 1777 "$d/rootfs/tmp"
  build "localhost/harness-node-base:$NODE_VERSION" "$d" "$root/docker/base/Containerfile"
}

# Production dependencies only (npm ci --omit=dev from the lock file), the sources the
# services import, and the model assets (the pretrained encoder the services serve).
image_pipeline() {
  local d="$stage_root/pipeline"
  need "$root/target-pipeline/assets/pretrained/manifest.json" "make model-pretrained"
  mkdir -p "$d/app/.runs"
  cp "$root/package.json" "$root/package-lock.json" "$root/.npmrc" "$d/app/"
  (cd "$root" && tar -c --exclude='*.test.ts' target-pipeline faults) | tar -x -C "$d/app"
  (cd "$d/app" && npm ci --omit=dev --prefer-offline --no-fund --no-audit --loglevel=error >/dev/null)
  # Only linux-x64 native code runs in the image.
  find "$d/app/node_modules/onnxruntime-node/bin/napi-v6" -mindepth 1 -maxdepth 1 ! -name linux -exec rm -rf {} +
  rm -rf "$d/app/node_modules/onnxruntime-node/bin/napi-v6/linux/arm64"
  build "localhost/harness-pipeline:latest" "$d" "$root/docker/pipeline/Containerfile" \
    --build-arg "BASE=localhost/harness-node-base:$NODE_VERSION"
}

[[ $# -gt 0 ]] || set -- tempo otelcol prometheus k6 base pipeline
for i in "$@"; do
  case "$i" in
    tempo) image_tempo ;; otelcol) image_otelcol ;; prometheus) image_prometheus ;; k6) image_k6 ;;
    base) image_base ;; pipeline) image_base; image_pipeline ;;
    *) echo "images: unknown image '$i' (known: tempo otelcol prometheus k6 base pipeline)" >&2; exit 2 ;;
  esac
done
