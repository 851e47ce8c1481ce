#!/usr/bin/env bash
# Installs pyHanko (Python, from PyPI) for test/integration/pades.test.ts — an independent PAdES validator of the
# PDFs the platform stamps (issue 18) — into its own virtualenv under ~/.cache/elicense/pyhanko-<version>; does
# nothing when that version is there already. Needs python3 with the venv module (Debian: python3-venv).
set -euo pipefail
VERSION=0.38.0     # keep in step with PYHANKO_VERSION in test/support/pades-validators.ts
CLI_VERSION=0.6.0
VENV="${HOME}/.cache/elicense/pyhanko-${VERSION}"
if [ -x "${VENV}/bin/pyhanko" ] && "${VENV}/bin/python" -c "from importlib.metadata import version; assert version('pyhanko') == '${VERSION}'" 2>/dev/null; then
  exit 0
fi
echo "Installing pyHanko ${VERSION} into ${VENV} …"
rm -rf "${VENV}"
python3 -m venv "${VENV}"
"${VENV}/bin/pip" install --quiet --disable-pip-version-check "pyhanko==${VERSION}" "pyhanko-cli==${CLI_VERSION}"
"${VENV}/bin/python" -c "from importlib.metadata import version; print('pyHanko', version('pyhanko'))"
