#!/usr/bin/env bash
# Installs Schemathesis (Python, from PyPI) for test/integration/schemathesis.test.ts into its own virtualenv under
# ~/.cache/elicense/schemathesis-<version>; does nothing when that version is there already. Needs python3 with
# the venv module (Debian: python3-venv, which .ci/run installs).
set -euo pipefail
VERSION=4.32.5 # keep in step with SCHEMATHESIS_VERSION in test/support/schemathesis.ts
VENV="${HOME}/.cache/elicense/schemathesis-${VERSION}"
if [ -x "${VENV}/bin/schemathesis" ] && "${VENV}/bin/schemathesis" --version | grep -q "${VERSION}"; then
  exit 0
fi
echo "Installing schemathesis ${VERSION} into ${VENV} …"
rm -rf "${VENV}"
python3 -m venv "${VENV}"
"${VENV}/bin/pip" install --quiet --disable-pip-version-check "schemathesis==${VERSION}"
"${VENV}/bin/schemathesis" --version
