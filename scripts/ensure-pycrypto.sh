#!/usr/bin/env bash
# Installs Python's rfc8785 and cryptography (PyPI, pinned) for test/integration/independent-verification.test.ts —
# an export checked by code this project did not write (issue 20) — into its own virtualenv under
# ~/.cache/elicense/pycrypto-<versions>; does nothing when those versions are there already. Needs python3 with the
# venv module (Debian: python3-venv).
set -euo pipefail
RFC8785=0.1.4         # keep in step with test/support/python-verifier.ts
CRYPTOGRAPHY=50.0.2
VENV="${HOME}/.cache/elicense/pycrypto-${RFC8785}-${CRYPTOGRAPHY}"
check="from importlib.metadata import version; assert version('rfc8785') == '${RFC8785}' and version('cryptography') == '${CRYPTOGRAPHY}'"
if [ -x "${VENV}/bin/python" ] && "${VENV}/bin/python" -c "${check}" 2>/dev/null; then
  exit 0
fi
echo "Installing rfc8785 ${RFC8785} and cryptography ${CRYPTOGRAPHY} into ${VENV} …"
rm -rf "${VENV}"
python3 -m venv "${VENV}"
"${VENV}/bin/pip" install --quiet --disable-pip-version-check "rfc8785==${RFC8785}" "cryptography==${CRYPTOGRAPHY}"
"${VENV}/bin/python" -c "${check}; print('rfc8785 ${RFC8785}, cryptography ${CRYPTOGRAPHY}')"
