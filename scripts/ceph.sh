#!/usr/bin/env bash
# A throwaway one-node Ceph cluster with a RADOS gateway on loopback: the real S3 server the tests use.
#   scripts/ceph.sh install   apt-get the Debian packages the tests need when missing (needs root):
#                             ceph-mon ceph-osd radosgw, and awscli for the consumer tests
#   scripts/ceph.sh start     start mon + osd + radosgw (memstore, no auth) and create the test user
#   scripts/ceph.sh stop      stop the daemons and delete the cluster's files
#   scripts/ceph.sh status    exit 0 when the gateway answers
#   scripts/ceph.sh rgw-stop  stop only the S3 gateway (the outage drill), rgw-start starts it again
# Settings (env): CEPH_DIR (default /tmp/audit-receiver-ceph), CEPH_RGW_PORT (7480),
# S3_TEST_ACCESS_KEY_ID / S3_TEST_SECRET_ACCESS_KEY (the keys given to the gateway's test user).
set -Eeuo pipefail

dir=${CEPH_DIR:-/tmp/audit-receiver-ceph}
port=${CEPH_RGW_PORT:-7480}
access_key=${S3_TEST_ACCESS_KEY_ID:-audit-test-access}
secret_key=${S3_TEST_SECRET_ACCESS_KEY:-audit-test-secret}
conf="$dir/ceph.conf"
fsid_file="$dir/fsid"

log() { echo "ceph.sh: $*" >&2; }
# Under set -e a failing step would otherwise end the script without a word.
trap 'log "failed (exit $?) at line $LINENO: $BASH_COMMAND"; [ -d "$dir" ] && tail -n 8 "$dir"/*.log >&2 2>/dev/null' ERR

have_binaries() { command -v ceph-mon >/dev/null && command -v ceph-osd >/dev/null && command -v radosgw >/dev/null && [ -x /usr/bin/aws ]; }

# Node is always here (curl may not be); any HTTP answer means the gateway is up.
gateway_up() {
  node -e "fetch('http://127.0.0.1:$port/', { signal: AbortSignal.timeout(2000) }).then(() => process.exit(0), () => process.exit(1))" 2>/dev/null
}

cmd_install() {
  if have_binaries; then return 0; fi
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    log "Ceph is not installed and this is not a root Debian shell. Install it yourself:"
    log "  sudo apt-get install -y ceph-mon ceph-osd radosgw awscli"
    log "or point the tests at another S3 server with S3_TEST_ENDPOINT (see README)."
    exit 1
  fi
  log "installing ceph-mon ceph-osd radosgw awscli from Debian (about 40 s)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq ceph-mon ceph-osd radosgw awscli >/dev/null
}

# Run a daemon detached from our stdio, so a caller waiting on our output never waits on the daemon.
detach() { setsid "$@" </dev/null >>"$dir/daemons.log" 2>&1; }

wait_for() { # seconds, description, command...
  local limit=$1 what=$2; shift 2
  local i
  for ((i = 0; i < limit * 4; i++)); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.25
  done
  log "timed out after ${limit}s waiting for $what; see $dir/*.log"
  tail -n 30 "$dir"/*.log >&2 || true
  exit 1
}

cmd_start() {
  if gateway_up; then log "gateway already answering on 127.0.0.1:$port"; ensure_user; return 0; fi
  have_binaries || cmd_install
  cmd_stop quiet
  mkdir -p "$dir/mon" "$dir/osd" "$dir/rgw" "$dir/run"
  local fsid
  fsid=$(cat /proc/sys/kernel/random/uuid)
  echo "$fsid" >"$fsid_file"
  cat >"$conf" <<CONF
[global]
fsid = $fsid
mon host = 127.0.0.1:6789
auth cluster required = none
auth service required = none
auth client required = none
auth allow insecure global id reclaim = true
osd pool default size = 1
osd pool default min size = 1
mon allow pool size one = true
mon allow pool delete = true
mon warn on pool no redundancy = false
osd crush chooseleaf type = 0
osd objectstore = memstore
osd crush update on start = false
osd class update on start = false
memstore device bytes = 2147483648
run dir = $dir/run
log file = $dir/\$name.log
pid file = $dir/run/\$name.pid
admin socket = $dir/run/\$name.asok
[mon.a]
mon data = $dir/mon
[osd.0]
osd data = $dir/osd
[client.rgw.a]
rgw data = $dir/rgw
rgw frontends = beast endpoint=127.0.0.1:$port
rgw dns name = localhost
# Server-side encryption for the tests: RGW's built-in test KMS with fixed keys, over plain HTTP.
rgw crypt require ssl = false
rgw crypt s3 kms backend = testing
rgw crypt s3 kms encryption keys = testkey-1=YmluCmJvb3N0CmJvb3N0LWJ1aWxkCmNlcGguY29uZgo= testkey-2=aWIKTWFrZWZpbGUKbWFuCm91dApzcmMKVGVzdGluZwo=
CONF
  monmaptool --create --clobber --fsid "$fsid" --add a 127.0.0.1:6789 "$dir/monmap" >/dev/null
  ceph-mon -c "$conf" -i a --mkfs --monmap "$dir/monmap" >/dev/null
  detach ceph-mon -c "$conf" -i a
  wait_for 30 "the monitor" ceph -c "$conf" --connect-timeout 2 mon stat
  # The OSD's uuid is given to both the monitor and mkfs: left to chance, the OSD's start-up sometimes
  # fails its device-class update with "wrong fsid" (seen here in about half of quick restarts).
  local id uuid
  uuid=$(cat /proc/sys/kernel/random/uuid)
  id=$(ceph -c "$conf" osd create "$uuid")
  ceph-osd -c "$conf" -i "$id" --mkfs --osd-uuid "$uuid" >"$dir/osd-mkfs.log" 2>&1
  ceph -c "$conf" osd crush add "osd.$id" 1.0 host=localhost root=default >"$dir/crush.log" 2>&1
  detach ceph-osd -c "$conf" -i "$id"
  wait_for 60 "the OSD" sh -c "ceph -c '$conf' osd stat | grep -q '1 up'"
  detach radosgw -c "$conf" -n client.rgw.a
  wait_for 90 "the RADOS gateway on 127.0.0.1:$port" gateway_up
  ensure_user
  log "S3 gateway ready on http://127.0.0.1:$port (data in $dir)"
}

ensure_user() {
  [ -f "$conf" ] || return 0 # a gateway we did not start: its keys are the caller's business
  if ! radosgw-admin -c "$conf" user info --uid audit-test >/dev/null 2>&1; then
    radosgw-admin -c "$conf" user create --uid audit-test --display-name "audit-receiver tests" \
      --access-key "$access_key" --secret "$secret_key" >/dev/null
  fi
}

rgw_pids() { pgrep -f -- "radosgw -c $conf" || true; }

cmd_rgw_stop() {
  [ -f "$conf" ] || { log "no cluster of ours in $dir"; exit 1; }
  local pids
  pids=$(rgw_pids)
  [ -n "$pids" ] && kill $pids
  for ((i = 0; i < 40; i++)); do [ -z "$(rgw_pids)" ] && break; sleep 0.25; done
  pids=$(rgw_pids)
  [ -n "$pids" ] && kill -9 $pids
  rm -f "$dir/run/client.rgw.a.pid" "$dir/run/client.rgw.a.asok"
  log "gateway stopped"
}

cmd_rgw_start() {
  [ -f "$conf" ] || { log "no cluster of ours in $dir"; exit 1; }
  detach radosgw -c "$conf" -n client.rgw.a
  wait_for 90 "the RADOS gateway on 127.0.0.1:$port" gateway_up
  log "gateway started"
}

cmd_stop() {
  local n
  for n in radosgw ceph-osd ceph-mon; do
    if [ -d "$dir/run" ]; then
      for pidfile in "$dir"/run/*.pid; do
        [ -f "$pidfile" ] || continue
        pid=$(cat "$pidfile")
        if [ "$(cat /proc/"$pid"/comm 2>/dev/null)" = "$n" ]; then kill "$pid" 2>/dev/null || true; fi
      done
    fi
  done
  # Daemons started with our config and no pid file yet (killed mid-start) are ours too.
  pkill -f -- "-c $conf" 2>/dev/null || true
  for ((i = 0; i < 40; i++)); do pgrep -f -- "-c $conf" >/dev/null || break; sleep 0.25; done
  pkill -9 -f -- "-c $conf" 2>/dev/null || true
  rm -rf "$dir"
  [ "${1:-}" = quiet ] || log "stopped and removed $dir"
}

case "${1:-}" in
  install) cmd_install ;;
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) gateway_up || exit 1 ;;
  rgw-stop) cmd_rgw_stop ;;
  rgw-start) cmd_rgw_start ;;
  *) echo "usage: $0 install|start|stop|status|rgw-stop|rgw-start" >&2; exit 2 ;;
esac
