# Shared by the deb postinst and the rpm %post (build/package.mjs inserts it): the system user,
# the state directories and the SQLite addon cache. Idempotent.
if ! getent group tsmesos >/dev/null; then groupadd --system tsmesos; fi
if ! getent passwd tsmesos >/dev/null; then
  nologin=/usr/sbin/nologin; [ -x "$nologin" ] || nologin=/sbin/nologin
  useradd --system --gid tsmesos --home-dir /var/lib/tsmesos --no-create-home \
    --shell "$nologin" --comment 'tsmesos master' tsmesos
fi
# /var/lib/tsmesos and its cache belong to root; the master's state to the tsmesos user.
install -d -m 0755 -o root -g root /var/lib/tsmesos /var/lib/tsmesos/cache
install -d -m 0750 -o tsmesos -g tsmesos /var/lib/tsmesos/master
# Extract the embedded SQLite addon into the root-owned cache now (the units point
# TSMESOS_CACHE_DIR there): the master's user can read it but never replace it.
rm -f /var/lib/tsmesos/cache/better_sqlite3-*.node
scratch=$(mktemp -d)
if ! TSMESOS_CACHE_DIR=/var/lib/tsmesos/cache /usr/bin/tsmesos selfcheck --data-dir "$scratch" >/dev/null 2>&1; then
  echo "tsmesos: warning: could not prepare the SQLite addon in /var/lib/tsmesos/cache; nodes will extract it elsewhere" >&2
fi
rm -rf "$scratch"
