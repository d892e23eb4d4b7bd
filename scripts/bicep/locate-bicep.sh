#!/usr/bin/env bash
# Prints the path of a Bicep CLI, or exits 1. Order: $BICEP, PATH, ~/.azure/bin/bicep (az bicep install),
# <repo>/.tools/bicep/bin/bicep (scripts/bicep/install-bicep.sh). test/infra/tools.ts uses the same order.
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
for candidate in "${BICEP:-}" "$(command -v bicep || true)" "${HOME}/.azure/bin/bicep" "${repo_root}/.tools/bicep/bin/bicep"; do
    if [[ -n "${candidate}" && -x "${candidate}" ]]; then
        echo "${candidate}"
        exit 0
    fi
done
echo "locate-bicep: no Bicep CLI found; run scripts/bicep/install-bicep.sh" >&2
exit 1
