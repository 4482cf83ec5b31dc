#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine (deploy/setup-debian.sh), builds quorate and validates the
# bundled two-node Apache example, the cluster of ClusterLabs' "Clusters from Scratch".
set -euo pipefail
cd "$(dirname "$0")/.."
./deploy/setup-debian.sh
if ! command -v cargo >/dev/null 2>&1; then
  # shellcheck disable=SC1091
  . "$HOME/.cargo/env"
fi
cargo run --release --locked -p quorate -- validate examples/two-node-apache/
