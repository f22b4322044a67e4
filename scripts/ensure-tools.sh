#!/usr/bin/env bash
# Installs the outside tools the test suite drives, when they are missing and can be installed.
# `npm test` runs it first (package.json "pretest"), so `npm ci && npm test` works on a fresh Debian
# machine. Each step does nothing when its tool is already there. A step that cannot install says
# what will not run and why; the script itself never fails the test command (the tests that need a
# missing tool fail or skip on their own and say so).
#
#   Chromium  Debian's package `chromium` (apt-get; root or passwordless sudo) -> /usr/bin/chromium
#             used by test/e2e/kompira-mail.test.ts (HOOKBOOK_CHROMIUM overrides the path)
#   pwsh      the PowerShell dotnet tool, version 7.6.9, from NuGet (needs the .NET SDK)
#             -> .tools/pwsh/pwsh, used by the pwsh runbook tests when no pwsh is on PATH
#   bicep     the Bicep CLI from the NuGet package Azure.Bicep.CommandLine.linux-x64 (needs the
#             .NET SDK to restore it) -> .tools/bicep/bicep, used by test/unit/infra-bicep.test.ts
#
# HOOKBOOK_SKIP_TOOLS=1 skips every step (e.g. offline, when you know what you have).
set -uo pipefail

PWSH_VERSION=7.6.9
BICEP_VERSION=0.49.2

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="$ROOT/.tools"

say() { printf 'ensure-tools: %s\n' "$*"; }
warn() { printf 'ensure-tools: WARNING: %s\n' "$*" >&2; }

if [ "${HOOKBOOK_SKIP_TOOLS:-}" = "1" ]; then
  say "HOOKBOOK_SKIP_TOOLS=1: not checking Chromium, pwsh or bicep"
  exit 0
fi

# Tools under .tools/ are run by jobs that run as another, unprivileged user: files must be readable
# and executable by everyone, whatever the caller's umask.
umask 022
mkdir -p "$TOOLS"

# One installer at a time per checkout (two `npm test` started together would race on .tools/).
if command -v flock >/dev/null 2>&1; then
  exec 9>"$TOOLS/.lock"
  flock 9
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

# Runs a command as root: directly when we are root, through sudo when it needs no password.
as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo -n "$@"
  else return 99
  fi
}

can_be_root() {
  [ "$(id -u)" -eq 0 ] || { command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; }
}

# Every directory from / down to $1 must be searchable by others, or another user cannot reach $1.
check_reachable_by_others() {
  local dir="$1" blocked=""
  while [ "$dir" != "/" ] && [ -n "$dir" ]; do
    # %A is the mode string; its last three characters are the permissions of "others".
    case "$(stat -c %A "$dir" 2>/dev/null)" in
      *x | *t) ;;
      *) blocked="$dir" ;;
    esac
    dir="$(dirname "$dir")"
  done
  if [ -n "$blocked" ]; then
    warn "$blocked is not searchable by other users: jobs run as an unprivileged user cannot reach $1 there, so the host copies it to \$TMPDIR/hookbook-runtime at start-up (docs/security.md; chmod o+x $blocked avoids the copy)"
  fi
}

# --- Chromium -------------------------------------------------------------------------------------
ensure_chromium() {
  local path="${HOOKBOOK_CHROMIUM:-/usr/bin/chromium}"
  if [ -x "$path" ]; then say "chromium: $path"; return; fi
  if [ -n "${HOOKBOOK_CHROMIUM:-}" ]; then
    warn "HOOKBOOK_CHROMIUM=$path is not an executable: the browser tests (test/e2e/) will fail"
    return
  fi
  local why=""
  if ! command -v apt-get >/dev/null 2>&1; then
    why="no apt-get (not Debian)"
  elif ! can_be_root; then
    why="not root and no passwordless sudo"
  else
    say "chromium: installing Debian's chromium (apt-get)"
    mkdir -p "$TOOLS"
    if { as_root apt-get update -qq &&
      as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium; } >"$TOOLS/chromium-install.log" 2>&1; then
      if [ -x "$path" ]; then say "chromium: $path"; return; fi
      why="apt-get installed chromium but $path is still missing"
    else
      why="apt-get failed, see .tools/chromium-install.log (no network or no Debian package source?)"
    fi
  fi
  warn "chromium: cannot install ($why): the browser tests (test/e2e/: the dashboard and the Kompira e-mail button) will fail." \
    "Install it with 'apt-get install -y --no-install-recommends chromium' or set HOOKBOOK_CHROMIUM."
}

# --- pwsh -----------------------------------------------------------------------------------------
ensure_pwsh() {
  local dest="$TOOLS/pwsh"
  if [ -n "${HOOKBOOK_PWSH_PATH:-}" ] && [ -x "${HOOKBOOK_PWSH_PATH}" ]; then say "pwsh: $HOOKBOOK_PWSH_PATH (HOOKBOOK_PWSH_PATH)"; return; fi
  if command -v pwsh >/dev/null 2>&1; then say "pwsh: $(command -v pwsh)"; return; fi
  if [ -x "$dest/pwsh" ] && [ -d "$dest/.store/powershell/$PWSH_VERSION" ]; then
    say "pwsh: $dest/pwsh"
    check_reachable_by_others "$dest/pwsh"
    return
  fi
  if ! command -v dotnet >/dev/null 2>&1; then
    warn "pwsh: not on PATH and no .NET SDK (dotnet) to install it: the pwsh runbook tests will be skipped." \
      "Install the .NET SDK, or pwsh, or set HOOKBOOK_PWSH_PATH."
    return
  fi
  say "pwsh: installing PowerShell $PWSH_VERSION (dotnet tool) into .tools/pwsh"
  # Install beside, then move into place: an interrupted install never looks like a finished one.
  local tmp="$TOOLS/pwsh.partial"
  rm -rf "$tmp"
  if ! dotnet tool install PowerShell --version "$PWSH_VERSION" --tool-path "$tmp" >"$TOOLS/pwsh-install.log" 2>&1; then
    rm -rf "$tmp"
    warn "pwsh: 'dotnet tool install PowerShell --version $PWSH_VERSION' failed (see .tools/pwsh-install.log; no network?):" \
      "the pwsh runbook tests will be skipped."
    return
  fi
  chmod -R a+rX "$tmp"
  rm -rf "$dest" && mv "$tmp" "$dest"
  if "$dest/pwsh" -NoLogo -NoProfile -NonInteractive -Command '$PSVersionTable.PSVersion.ToString()' >/dev/null 2>&1; then
    say "pwsh: $dest/pwsh"
  else
    warn "pwsh: installed at $dest/pwsh but it does not start (see .tools/pwsh-install.log): the pwsh runbook tests will fail or be skipped."
  fi
  check_reachable_by_others "$dest/pwsh"
}

# --- bicep ----------------------------------------------------------------------------------------
ensure_bicep() {
  local dest="$TOOLS/bicep/bicep"
  if [ -x "$dest" ]; then say "bicep: $dest"; return; fi
  if command -v bicep >/dev/null 2>&1; then say "bicep: $(command -v bicep)"; return; fi
  local rid
  case "$(uname -m)" in
    x86_64 | amd64) rid=linux-x64 ;;
    *)
      warn "bicep: no Bicep package for $(uname -m) is used here (only Azure.Bicep.CommandLine.linux-x64):" \
        "test/unit/infra-bicep.test.ts will be skipped. Put a bicep on PATH to run it."
      return ;;
  esac
  if ! command -v dotnet >/dev/null 2>&1; then
    warn "bicep: not on PATH and no .NET SDK (dotnet) to restore Azure.Bicep.CommandLine.$rid:" \
      "test/unit/infra-bicep.test.ts (bicep build and lint of infra/*.bicep) will be skipped."
    return
  fi
  say "bicep: restoring Azure.Bicep.CommandLine.$rid $BICEP_VERSION from NuGet (into .tools/nuget, then .tools/bicep)"
  # A throwaway project whose only job is to download the package (PackageDownload adds no reference),
  # targeting the SDK's own framework so that the restore needs nothing else.
  local major proj="$TOOLS/nuget-restore"
  major="$(dotnet --version 2>/dev/null | cut -d. -f1)"
  mkdir -p "$proj"
  cat >"$proj/restore.csproj" <<EOF
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <TargetFramework>net${major}.0</TargetFramework>
  </PropertyGroup>
  <ItemGroup>
    <PackageDownload Include="Azure.Bicep.CommandLine.$rid" Version="[$BICEP_VERSION]" />
  </ItemGroup>
</Project>
EOF
  if ! dotnet restore "$proj/restore.csproj" --packages "$TOOLS/nuget" >"$TOOLS/bicep-install.log" 2>&1; then
    warn "bicep: restoring Azure.Bicep.CommandLine.$rid $BICEP_VERSION failed (see .tools/bicep-install.log; no network?):" \
      "test/unit/infra-bicep.test.ts will be skipped."
    return
  fi
  local src="$TOOLS/nuget/azure.bicep.commandline.$rid/$BICEP_VERSION/tools/bicep"
  if [ ! -f "$src" ]; then
    warn "bicep: the package has no tools/bicep: test/unit/infra-bicep.test.ts will be skipped."
    return
  fi
  mkdir -p "$TOOLS/bicep"
  # The package ships the binary as rwxr--r--; take it out, make it runnable by everyone, and drop the
  # rest of the restore (the binary is the cache: some 170 MB less per checkout).
  mv "$src" "$dest.partial" && chmod 755 "$dest.partial" && mv "$dest.partial" "$dest"
  rm -rf "$TOOLS/nuget" "$proj"
  if "$dest" --version >/dev/null 2>&1; then
    say "bicep: $dest ($("$dest" --version 2>/dev/null))"
  else
    warn "bicep: $dest does not start: test/unit/infra-bicep.test.ts will fail."
  fi
}

ensure_chromium
ensure_pwsh
ensure_bicep
exit 0
