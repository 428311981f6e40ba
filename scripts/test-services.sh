#!/usr/bin/env bash
# Real Redis and a real S3-compatible server (Ceph RGW: one mon, one in-memory OSD, radosgw)
# on 127.0.0.1, for the integration tests. Installs the Debian packages when missing (needs root + apt).
#
#   scripts/test-services.sh start [DIR]   install if needed, (re)start both, print the env lines to export
#   scripts/test-services.sh stop  [DIR]   stop what start started (by pid)
#   scripts/test-services.sh env   [DIR]   print the env lines again
#
# Typical use:  eval "$(scripts/test-services.sh start)" && npm test; scripts/test-services.sh stop
# SERVICES="redis cluster s3" (the default) picks what start starts; stop stops whatever runs.
#
# Redis:  redis://127.0.0.1:6391 (no persistence)
# Redis Cluster: three masters, no replicas, on 127.0.0.1:7001-7003 (no persistence); start
#         waits for cluster_state:ok with all 16384 slots assigned.
# S3:     http://127.0.0.1:16480, access key testkey, secret testsecret, region us-east-1, path-style.
#         RGW verifies SigV4, so tampered or expired presigned URLs really get 403. It needs
#         S3_CHECKSUM_MODE=when_required (printed below; also the service's default).
# Buckets: none are created here. Each S3 test run creates its own uniquely named bucket and
#         removes it afterwards, so runs never see each other's objects.
# State lives under DIR (default /tmp/telltale-test-services); OSD data is in memory only.
# Cold start: about 40 s of apt once, then about 16 s to start.
set -euo pipefail
cmd=${1:-start}
DIR=${2:-/tmp/telltale-test-services}
REDIS_PORT=6391
S3_PORT=16480
MON_PORT=16789
CLUSTER_PORTS=(7001 7002 7003)
SERVICES=${SERVICES:-redis cluster s3}

print_env() {
  local service
  for service in $SERVICES; do
    case "$service" in
      redis) echo "export REDIS_URL=redis://127.0.0.1:$REDIS_PORT" ;;
      cluster) echo "export TEST_REDIS_CLUSTER_NODES=127.0.0.1:${CLUSTER_PORTS[0]},127.0.0.1:${CLUSTER_PORTS[1]},127.0.0.1:${CLUSTER_PORTS[2]}" ;;
      s3) cat <<EOF
export S3_ENDPOINT=http://127.0.0.1:$S3_PORT
export S3_REGION=us-east-1
export S3_ACCESS_KEY=testkey
export S3_SECRET_KEY=testsecret
export S3_FORCE_PATH_STYLE=true
export S3_CHECKSUM_MODE=when_required
EOF
      ;;
    esac
  done
}

install_if_missing() {
  local need=()
  command -v redis-server >/dev/null || need+=(redis-server)
  if [[ " $SERVICES " == *" s3 "* ]]; then
    command -v radosgw >/dev/null || need+=(radosgw)
    command -v ceph-mon >/dev/null || need+=(ceph-mon)
    command -v ceph-osd >/dev/null || need+=(ceph-osd)
    command -v ceph >/dev/null || need+=(ceph-common)
  fi
  command -v curl >/dev/null || need+=(curl)
  if [ ${#need[@]} -gt 0 ]; then
    echo "installing: ${need[*]}" >&2
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  fi
}

start_redis() {
  mkdir -p "$DIR/redis"
  redis-server --port $REDIS_PORT --bind 127.0.0.1 --save '' --appendonly no \
    --dir "$DIR/redis" --daemonize yes --pidfile "$DIR/redis/redis.pid" --logfile "$DIR/redis/redis.log"
  for _ in $(seq 1 50); do redis-cli -p $REDIS_PORT ping >/dev/null 2>&1 && return 0; sleep 0.1; done
  echo "redis did not start" >&2; return 1
}

start_cluster() {
  local C="$DIR/redis-cluster" port
  rm -rf "$C"; mkdir -p "$C"
  for port in "${CLUSTER_PORTS[@]}"; do
    mkdir -p "$C/$port"
    redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no \
      --cluster-enabled yes --cluster-config-file "$C/$port/nodes.conf" --cluster-node-timeout 5000 \
      --dir "$C/$port" --daemonize yes --pidfile "$C/$port/redis.pid" --logfile "$C/$port/redis.log"
  done
  for port in "${CLUSTER_PORTS[@]}"; do
    for _ in $(seq 1 50); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
  done
  redis-cli --cluster create $(printf '127.0.0.1:%s ' "${CLUSTER_PORTS[@]}") --cluster-replicas 0 --cluster-yes >"$C/create.log" 2>&1 \
    || { echo "redis-cli --cluster create failed; see $C/create.log" >&2; tail -n 20 "$C/create.log" >&2; return 1; }
  # Every node must see the whole cluster, not just the one redis-cli talked to.
  for _ in $(seq 1 100); do
    local ready=1
    for port in "${CLUSTER_PORTS[@]}"; do
      redis-cli -p "$port" cluster info 2>/dev/null | tr -d '\r' | grep -qx 'cluster_state:ok' || ready=0
      redis-cli -p "$port" cluster info 2>/dev/null | tr -d '\r' | grep -qx 'cluster_slots_assigned:16384' || ready=0
    done
    [ $ready = 1 ] && return 0
    sleep 0.1
  done
  echo "redis cluster did not reach cluster_state:ok; see $C" >&2; return 1
}

start_ceph() {
  local C="$DIR/ceph"
  rm -rf "$C"; mkdir -p "$C"/{run,log,mon.a,osd.0,rgw}
  local FSID; FSID=$(cat /proc/sys/kernel/random/uuid)
  cat > "$C/ceph.conf" <<EOF
[global]
fsid = $FSID
mon_host = v2:127.0.0.1:$MON_PORT
public_addr = 127.0.0.1
cluster_addr = 127.0.0.1
ms_bind_ipv6 = false
auth_cluster_required = none
auth_service_required = none
auth_client_required = none
ms_mon_client_mode = crc
osd_pool_default_size = 1
osd_pool_default_min_size = 1
osd_pool_default_pg_num = 8
osd_pool_default_pgp_num = 8
osd_crush_chooseleaf_type = 0
mon_allow_pool_size_one = true
mon_warn_on_pool_no_redundancy = false
mon_max_pg_per_osd = 1000
run_dir = $C/run
admin_socket = $C/run/\$name.asok
log_file = $C/log/\$name.log
keyring = $C/keyring
[mon.a]
mon_data = $C/mon.a
[osd.0]
osd_data = $C/osd.0
osd_objectstore = memstore
memstore_device_bytes = 2147483648
[client.rgw.a]
rgw_frontends = beast endpoint=127.0.0.1:$S3_PORT
rgw_data = $C/rgw
rgw_lc_debug_interval = 10
EOF
  (
    cd "$C"
    ceph-authtool --create-keyring keyring --gen-key -n mon. --cap mon 'allow *' >/dev/null
    monmaptool --create --fsid "$FSID" --addv a "[v2:127.0.0.1:$MON_PORT]" monmap >/dev/null
    ceph-mon -c ceph.conf -i a --mkfs --monmap monmap --keyring keyring
    setsid ceph-mon -c ceph.conf -i a -f > log/mon.stdout 2>&1 < /dev/null & echo $! > run/mon.pid
    timeout 60 ceph -c ceph.conf osd create >/dev/null
    timeout 60 ceph-osd -c ceph.conf -i 0 --mkfs > log/osd-mkfs.log 2>&1
    timeout 30 ceph -c ceph.conf osd crush add-bucket localhost host >/dev/null 2>&1
    timeout 30 ceph -c ceph.conf osd crush move localhost root=default >/dev/null 2>&1
    timeout 30 ceph -c ceph.conf osd crush add osd.0 1.0 host=localhost >/dev/null 2>&1
    setsid ceph-osd -c ceph.conf -i 0 -f > log/osd.stdout 2>&1 < /dev/null & echo $! > run/osd.pid
    setsid radosgw -c ceph.conf -n client.rgw.a -f > log/rgw.stdout 2>&1 < /dev/null & echo $! > run/rgw.pid
  )
  for _ in $(seq 1 600); do curl -s -o /dev/null "http://127.0.0.1:$S3_PORT/" && break; sleep 0.2; done
  timeout 60 radosgw-admin -c "$C/ceph.conf" user create --uid=test --display-name=test \
    --access-key=testkey --secret-key=testsecret >/dev/null
  # Ready means a SigV4-signed ListBuckets with the test user succeeds, not just an open port.
  local empty_sha=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
  for _ in $(seq 1 150); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' --aws-sigv4 aws:amz:us-east-1:s3 --user testkey:testsecret \
      -H "x-amz-content-sha256: $empty_sha" "http://127.0.0.1:$S3_PORT/")" = 200 ] && return 0
    sleep 0.2
  done
  echo "radosgw did not accept the test user; see $C/log" >&2
  tail -n 20 "$C/log/rgw.stdout" >&2 || true
  return 1
}

# Waits for the process to exit, so a restart can bind the same port.
stop_pidfile() {
  [ -f "$1" ] || return 0
  local pid; pid=$(cat "$1")
  kill "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
}

stop_all() {
  stop_pidfile "$DIR/redis/redis.pid"
  for port in "${CLUSTER_PORTS[@]}"; do stop_pidfile "$DIR/redis-cluster/$port/redis.pid"; done
  for p in rgw osd mon; do
    f="$DIR/ceph/run/$p.pid"
    [ -f "$f" ] || continue
    pid=$(cat "$f"); kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true   # the OSD can ignore SIGTERM for several seconds
  done
}

case "$cmd" in
  start)
    install_if_missing; stop_all
    for service in $SERVICES; do
      case "$service" in
        redis) start_redis ;;
        cluster) start_cluster ;;
        s3) start_ceph ;;
        *) echo "unknown service in SERVICES: $service" >&2; exit 2 ;;
      esac
    done
    print_env ;;
  stop)  stop_all ;;
  env)   print_env ;;
  *)     echo "usage: $0 start|stop|env [DIR]" >&2; exit 2 ;;
esac
