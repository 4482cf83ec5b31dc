#!/usr/bin/env bash
# Runs quorate's whole test suite: unit, golden, CLI, tidy, real-agent and simulation tests.
# Case counts of simulation tests come from the environment (QUORATE_SIM_SEEDS); the defaults
# are modest, CI raises them (see .ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v cargo >/dev/null 2>&1; then
  # shellcheck disable=SC1091
  . "$HOME/.cargo/env"
fi
cargo test --workspace --release --locked
