#!/usr/bin/env bash
# Builds the small Go programs under tools/ — independent implementations the tests compare the platform with
# (issue 20: tools/merkle-check on github.com/transparency-dev/merkle) — from the Go module proxy into
# ~/.cache/elicense/go-tools/<name>, with <name>.sha256 naming the sources it was built from (test/support/go-tools.ts
# checks it); does nothing for a program whose sources have not changed. Needs Go (go on PATH or /usr/local/go).
set -euo pipefail
cd "$(dirname "$0")/.."
GO="$(command -v go || echo /usr/local/go/bin/go)"
OUT="${HOME}/.cache/elicense/go-tools"
mkdir -p "${OUT}"
for dir in tools/*/; do
  name="$(basename "${dir}")"
  [ -f "${dir}go.mod" ] || continue
  # The same digest as test/support/go-tools.ts: go.mod, go.sum and the .go files, in byte order of their names.
  sum="$(cd "${dir}" && ls go.mod go.sum *.go 2>/dev/null | LC_ALL=C sort | xargs cat | sha256sum | cut -d' ' -f1)"
  if [ -x "${OUT}/${name}" ] && [ "$(cat "${OUT}/${name}.sha256" 2>/dev/null)" = "${sum}" ]; then
    continue
  fi
  echo "Building ${name} …"
  (cd "${dir}" && GOFLAGS=-mod=readonly "${GO}" build -trimpath -o "${OUT}/${name}" .)
  echo "${sum}" >"${OUT}/${name}.sha256"
done
