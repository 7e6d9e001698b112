#!/usr/bin/env bash
# Installs what the project needs (idempotent). Fuller version: notebooks kernel, Jupyter (issue 3).
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet --version >/dev/null || { echo "setup: dotnet SDK not found on PATH" >&2; exit 1; }
dotnet restore ZeroShotPK.sln -nologo -v q
echo "setup: dotnet restore done"
