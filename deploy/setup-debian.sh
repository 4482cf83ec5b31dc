#!/usr/bin/env bash
# Sets up a Debian 12 machine to build and test quorate: the Rust toolchain (rustup, when cargo
# is not already there) and the ClusterLabs tools the tests use as real components and oracles.
# Run as root (or with sudo). Safe to run again.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends \
  ca-certificates curl git build-essential pkg-config \
  iproute2 nftables procps \
  pacemaker pacemaker-cli-utils corosync libxml2-utils \
  resource-agents fence-agents apache2
if ! command -v cargo >/dev/null 2>&1 && [ ! -x "$HOME/.cargo/bin/cargo" ]; then
  curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal
fi
