#!/usr/bin/env bash
# Installs the Bicep CLI into <repo>/.tools/bicep/ (gitignored) from the NuGet package
# Azure.Bicep.CommandLine.linux-x64, restored with the dotnet SDK. Idempotent: does nothing when the
# wanted version is already there. Prints the binary's path on stdout (last line).
#
#   scripts/bicep/install-bicep.sh            # version 0.49.2
#   BICEP_VERSION=0.50.0 scripts/bicep/install-bicep.sh
#
# Tests find the binary through scripts/bicep/locate-bicep.sh's order: $BICEP, PATH, ~/.azure/bin/bicep,
# then .tools/bicep/bin/bicep.
set -euo pipefail

BICEP_VERSION="${BICEP_VERSION:-0.49.2}"
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
tools_dir="${repo_root}/.tools/bicep"
bin_dir="${tools_dir}/bin"
target="${bin_dir}/bicep"

case "$(uname -s)-$(uname -m)" in
    Linux-x86_64) rid=linux-x64 ;;
    Linux-aarch64 | Linux-arm64) rid=linux-arm64 ;;
    Darwin-x86_64) rid=osx-x64 ;;
    Darwin-arm64) rid=osx-arm64 ;;
    *) echo "install-bicep: unsupported platform $(uname -s)-$(uname -m)" >&2; exit 1 ;;
esac
package="Azure.Bicep.CommandLine.${rid}"

if [[ -x "${target}" ]] && "${target}" --version 2>/dev/null | grep -q "version ${BICEP_VERSION} "; then
    echo "install-bicep: Bicep ${BICEP_VERSION} already installed" >&2
    echo "${target}"
    exit 0
fi

if ! command -v dotnet >/dev/null 2>&1; then
    echo "install-bicep: the dotnet SDK is required to restore ${package} from NuGet" >&2
    exit 1
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

work="$(mktemp -d)"
trap 'rm -rf "${work}"' EXIT

# Any target framework the installed SDK knows works: the package has no assemblies, only tools/bicep.
sdk_major="$(dotnet --version | cut -d. -f1)"
cat >"${work}/restore-bicep.csproj" <<CSPROJ
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <TargetFramework>net${sdk_major}.0</TargetFramework>
  </PropertyGroup>
  <ItemGroup>
    <PackageReference Include="${package}" Version="${BICEP_VERSION}" />
  </ItemGroup>
</Project>
CSPROJ

packages_dir="${tools_dir}/nuget-packages"
mkdir -p "${packages_dir}" "${bin_dir}"
echo "install-bicep: restoring ${package} ${BICEP_VERSION} from NuGet" >&2
dotnet restore "${work}/restore-bicep.csproj" --packages "${packages_dir}" >&2

package_dir="${packages_dir}/$(echo "${package}" | tr '[:upper:]' '[:lower:]')/${BICEP_VERSION}"
source_bin="${package_dir}/tools/bicep"
if [[ ! -f "${source_bin}" ]]; then
    # Layout changed? Look for the binary anywhere in the package.
    source_bin="$(find "${package_dir}" -type f -name bicep | head -n 1)"
fi
if [[ -z "${source_bin}" || ! -f "${source_bin}" ]]; then
    echo "install-bicep: no bicep binary found in ${package_dir}" >&2
    exit 1
fi
chmod +x "${source_bin}"
ln -sf "${source_bin}" "${target}"
"${target}" --version >&2
echo "${target}"
