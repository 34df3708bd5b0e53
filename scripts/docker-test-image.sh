#!/usr/bin/env bash
# Builds the local test image tsmesos/busybox:test (there is no image registry here):
# a root filesystem holding busybox-static and a link per applet, imported with `docker import`.
set -euo pipefail
image="${1:-tsmesos/busybox:test}"
# Built once per engine (a rebuild would leave the old image behind, untagged); REBUILD=1 replaces it.
if [ "${REBUILD:-0}" != 1 ] && docker image inspect "$image" >/dev/null 2>&1; then
  echo "docker-test-image: $image is present"
  exit 0
fi
old_id="$(docker image inspect -f '{{.Id}}' "$image" 2>/dev/null || true)"
busybox="$(command -v busybox || true)"
[ -n "$busybox" ] || { echo "docker-test-image: busybox not found (apt-get install busybox-static)" >&2; exit 1; }
root="$(mktemp -d)"
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/bin" "$root/tmp" "$root/etc"
cp "$busybox" "$root/bin/busybox"
for applet in $("$root/bin/busybox" --list); do
  [ "$applet" = busybox ] || ln -sf busybox "$root/bin/$applet"
done
echo 'root:x:0:0:root:/:/bin/sh' > "$root/etc/passwd"
echo 'nobody:x:65534:65534:nobody:/:/bin/false' >> "$root/etc/passwd"
echo 'root:x:0:' > "$root/etc/group"
echo 'nogroup:x:65534:' >> "$root/etc/group"
chmod 1777 "$root/tmp"
tar -C "$root" -c . | docker import --change 'ENV PATH=/bin' - "$image" >/dev/null
new_id="$(docker image inspect -f '{{.Id}}' "$image")"
if [ -n "$old_id" ] && [ "$old_id" != "$new_id" ]; then docker rmi "$old_id" >/dev/null 2>&1 || true; fi
echo "docker-test-image: built $image"
