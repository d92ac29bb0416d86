#!/usr/bin/env bash
set -euo pipefail
# Run by the test setup (test/global-setup.ts) when the browser the dashboard test drives is
# absent. Installs Debian's chromium package with apt-get (through sudo when not root) unless
# /usr/bin/chromium is already there. The dashboard test fails (never skips) without it.
# LLM_EXTPROC_TEST_CHROMIUM names another executable instead (the setup then does not run this).
#   --dry-run   print the commands instead of running them
dry_run=false
if [ "${1:-}" = "--dry-run" ]; then dry_run=true; fi

run() {
  echo "+ $*" >&2
  if [ "$dry_run" = false ]; then "$@"; fi
}
as_root() {
  if [ "$(id -u)" = 0 ]; then
    run "$@"
  elif command -v sudo >/dev/null 2>&1; then
    run sudo "$@"
  else
    echo "ensure-chromium: not root and no sudo: cannot install chromium" >&2
    return 1
  fi
}

chromium=/usr/bin/chromium
if [ -x "$chromium" ] && [ "$dry_run" = false ]; then
  echo "ensure-chromium: $chromium is installed" >&2
  exit 0
fi
echo "ensure-chromium: installing Debian's chromium package for the dashboard test" >&2
as_root apt-get update -qq
as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium
if [ "$dry_run" = false ] && [ ! -x "$chromium" ]; then
  echo "ensure-chromium: apt-get finished but $chromium is still missing" >&2
  exit 1
fi
echo "ensure-chromium: done" >&2
