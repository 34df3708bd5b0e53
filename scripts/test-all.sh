#!/usr/bin/env bash
# The whole test suite on a fresh Debian machine: installs what it needs, builds
# the single executable, runs every test, and prints "N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v iptables >/dev/null 2>&1 || need_apt+=(iptables)
# Tests of non-loopback binds run nodes in network namespaces joined by veth pairs (test/helpers/netns.ts).
command -v ip >/dev/null 2>&1 || need_apt+=(iproute2)
command -v strip >/dev/null 2>&1 || need_apt+=(binutils)
# The web UI tests drive Debian's Chromium with playwright-core (test/ui/browser.ts).
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
# packaging (npm run package, test/packaging): apt-ftparchive, rpmbuild, createrepo_c; systemd-analyze and
# systemd-notify (test/lib/sd-notify.test.ts, whose fake NOTIFY_SOCKET is a python3 receiver)
command -v apt-ftparchive >/dev/null 2>&1 || need_apt+=(apt-utils)
command -v rpmbuild >/dev/null 2>&1 || need_apt+=(rpm)
command -v createrepo_c >/dev/null 2>&1 || need_apt+=(createrepo-c)
# npm run package signs the apt and yum repositories with gpg (test/packaging/apt-repo.test.ts)
command -v gpg >/dev/null 2>&1 || need_apt+=(gnupg)
command -v systemd-analyze >/dev/null 2>&1 || need_apt+=(systemd)
command -v python3 >/dev/null 2>&1 || need_apt+=(python3)
# The docker containerizer's tests run on a real engine with a local busybox image.
command -v dockerd >/dev/null 2>&1 || need_apt+=(docker.io)
command -v busybox >/dev/null 2>&1 || need_apt+=(busybox-static)
if [ "${#need_apt[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "test-all: need root to install: ${need_apt[*]}" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq -o DPkg::Lock::Timeout=300
  apt-get install -y -qq -o DPkg::Lock::Timeout=300 "${need_apt[@]}" >/dev/null
fi

# A Docker engine (no bridge, no iptables: tests use network host/none only), started unless one answers.
if ! docker version >/dev/null 2>&1; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "test-all: need root to start dockerd (or start a Docker engine at /var/run/docker.sock)" >&2
    exit 1
  fi
  dockerd --bridge=none --iptables=false >/var/log/tsmesos-test-dockerd.log 2>&1 &
  for _ in $(seq 1 120); do
    docker version >/dev/null 2>&1 && break
    sleep 0.5
  done
  if ! docker version >/dev/null 2>&1; then
    echo "test-all: dockerd did not answer on /var/run/docker.sock within 60 s; its log:" >&2
    tail -n 30 /var/log/tsmesos-test-dockerd.log >&2 || true
    exit 1
  fi
fi
bash scripts/docker-test-image.sh tsmesos/busybox:test

npm ci --no-audit --no-fund
# npm scripts put node_modules/.bin first on PATH: everything below runs on the pinned Node 24.
npm run build
npm run typecheck
npm run lint
report="$(mktemp)"
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json="$report" || status=$?
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed` + (r.numPendingTests ? `, ${r.numPendingTests} skipped` : ""));
' "$report" || true
exit "$status"
