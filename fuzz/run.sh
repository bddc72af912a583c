#!/usr/bin/env bash
# Runs every fuzz target for SECONDS (default 30) from the committed seeds, on the stable
# toolchain (RUSTC_BOOTSTRAP lets cargo-fuzz pass its flags), without a sanitizer (safe Rust:
# a crash is a panic, which needs none). Fails on the first crash; its input is left in
# fuzz/artifacts/TARGET/. New inputs found go to a scratch directory, never to the seeds.
set -euo pipefail
cd "$(dirname "$0")"
seconds="${1:-30}"
command -v cargo-fuzz >/dev/null 2>&1 || cargo install cargo-fuzz --locked --quiet
export RUSTC_BOOTSTRAP=1
cargo fuzz build --sanitizer none
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
for target in rest_params graphql_request import_records; do
  echo "== fuzzing $target for ${seconds} s"
  mkdir -p "$scratch/$target"
  if ! cargo fuzz run --sanitizer none "$target" "$scratch/$target" "seeds/$target" -- \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=1024 >"$scratch/$target.log" 2>&1; then
    tail -n 40 "$scratch/$target.log"
    echo "fuzz target $target failed: the input is in fuzz/artifacts/$target/"
    exit 1
  fi
  grep -E "^Done" "$scratch/$target.log"
done
