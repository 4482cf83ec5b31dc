#!/usr/bin/env bash
# Runs quorate's whole test suite: unit, golden, CLI, tidy, real-agent, real-tool and
# simulation tests, in release mode (the simulator and the differential tests run many cases).
#
# Case counts come from the environment, modest by default and raised on demand:
#   QUORATE_SIM_SEEDS   totem simulator seeds over 3, 5 and 8 nodes (CI: 2000)
#   QUORATE_DIFF_CASES  scheduler cases compared with crm_simulate (CI: 60)
#   QUORATE_DIFF_CLONE_CASES  the same with an anonymous and a promotable clone added (CI: 60)
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v cargo >/dev/null 2>&1; then
  # shellcheck disable=SC1091
  . "$HOME/.cargo/env"
fi
if [ "${CI:-}" = "true" ]; then
  export QUORATE_SIM_SEEDS="${QUORATE_SIM_SEEDS:-2000}"
  export QUORATE_DIFF_CASES="${QUORATE_DIFF_CASES:-60}"
  export QUORATE_DIFF_CLONE_CASES="${QUORATE_DIFF_CLONE_CASES:-60}"
fi
cargo test --workspace --release --locked
