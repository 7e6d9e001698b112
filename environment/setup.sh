#!/usr/bin/env bash
# Installs what the project needs; idempotent (a re-run only checks). Prints each step; any failed step
# stops the script with a message and a non-zero exit code.
#   - Debian packages: Jupyter (nbconvert/nbclient/ipykernel) to run notebooks headless and jupyter-notebook
#     to open them (`jupyter notebook`; Debian 12 has no JupyterLab package), chromium for the visual chart test
#     and the committed charts' static images, python3-numpy for the numpy peer of `zspk bench simulate`. apt-get update runs once, and only when something is missing.
#   - The .NET Interactive kernel as a local dotnet tool (.config/dotnet-tools.json pins the version) and
#     its Jupyter kernelspec `.net-csharp`.
#   - NuGet restore and a Release build of the solution (notebooks #r the built helper assembly).
# plotly.js needs no install: Plotly.NET embeds the plotly.js it targets and ZeroShotPK.Charts inlines it.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

step() { echo "setup: $*"; }
die() { echo "setup: FAILED: $*" >&2; exit 1; }

command -v dotnet >/dev/null || die "dotnet SDK not found on PATH (install .NET SDK 10)"

# 1. Debian packages
packages=(jupyter-nbconvert jupyter-client python3-nbclient python3-ipykernel jupyter-core jupyter-notebook chromium python3-numpy)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  step "Debian packages present (${packages[*]})"
else
  command -v apt-get >/dev/null || die "missing Debian packages ${missing[*]} and no apt-get"
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  step "installing Debian packages: ${missing[*]}"
  $sudo apt-get update -q >/dev/null || die "apt-get update"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null \
    || die "apt-get install ${missing[*]}"
  step "installed ${missing[*]}"
fi
command -v jupyter >/dev/null || die "jupyter not on PATH after install"

# 1b. Slurm and munge for the cluster test (environment/slurm/test-cluster.sh). Optional: where they cannot be installed
# the test reports SKIP with the reason, so a failure here is a note, not a stop.
slurm_packages=(slurm-wlm munge)
if command -v slurmctld >/dev/null && command -v slurmd >/dev/null && command -v munged >/dev/null; then
  step "Slurm present ($(slurmctld -V 2>/dev/null))"
elif command -v apt-get >/dev/null && { [ "$(id -u)" -eq 0 ] || command -v sudo >/dev/null; }; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  step "installing ${slurm_packages[*]} (for the Slurm cluster test)"
  if DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${slurm_packages[@]}" >/dev/null 2>&1 \
     || { $sudo apt-get update -q >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${slurm_packages[@]}" >/dev/null 2>&1; }; then
    step "installed ${slurm_packages[*]}"
  else
    step "note: could not install ${slurm_packages[*]}; the Slurm cluster test will be skipped"
  fi
else
  step "note: no apt-get or no root; the Slurm cluster test will be skipped"
fi

# 2. .NET Interactive kernel (local tool) and its kernelspec
dotnet tool restore >/dev/null || die "dotnet tool restore (Microsoft.dotnet-interactive, see .config/dotnet-tools.json)"
step "dotnet tool restore done ($(dotnet tool run dotnet-interactive --version 2>/dev/null | head -n 1 || echo '?'))"
# The kernelspec runs `dotnet interactive`, found through the tool manifest from the notebook's folder.
has_kernelspec() { local specs; specs=$(jupyter kernelspec list 2>/dev/null) && grep -q '^ *\.net-csharp ' <<<"$specs"; }
if has_kernelspec; then
  step "kernelspec .net-csharp already registered"
else
  dotnet tool run dotnet-interactive -- jupyter install >/dev/null 2>&1 || die "dotnet interactive jupyter install"
  has_kernelspec || die "kernelspec .net-csharp not registered"
  step "registered kernelspec .net-csharp"
fi

# 3. Restore and build (Release)
dotnet restore ZeroShotPK.sln -nologo -v q || die "dotnet restore"
step "dotnet restore done"
dotnet build ZeroShotPK.sln -c Release --no-restore -nologo -v q -clp:ErrorsOnly -clp:NoSummary || die "dotnet build -c Release"
step "Release build done (notebooks #r src/ZeroShotPK/bin/Release/net10.0/ZeroShotPK.dll)"
