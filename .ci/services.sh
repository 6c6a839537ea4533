#!/usr/bin/env bash
# Starts the services the store tests need, from Debian's packages, and prints the environment
# variables that point the tests at them (eval "$(.ci/services.sh)"). Idempotent: a service that is
# already up is left alone, and what a stopped earlier run left behind (a PostgreSQL lock file,
# Redis Cluster state) does not stop a new start. Runs as root (CI) or as any user with sudo-less
# access to the packages.
#
#   PostgreSQL 15 (cluster "main", port 5432): role and database "sessionauth", password "sessionauth"
#   Redis on 127.0.0.1:6379
#   Redis Cluster of three masters on 127.0.0.1:7001-7003 (data under /tmp/sessionauth-redis-cluster)
#   Redis Sentinel on 127.0.0.1:26379 watching the standalone server as master "sessionauth"
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

need=()
# The server itself, not pg_ctlcluster: that comes with postgresql-common, which a machine may have
# without any server.
compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null || need+=(postgresql)
command -v redis-server >/dev/null || need+=(redis-server)
command -v redis-cli >/dev/null || need+=(redis-tools)
if [ ${#need[@]} -gt 0 ]; then
	{ apt-get update -qq && apt-get install -y -qq "${need[@]}"; } >/dev/null 2>&1 || {
		echo "services.sh: apt-get install ${need[*]} failed" >&2; exit 1; }
fi

# --- PostgreSQL
ver=$(pg_lsclusters -h | awk 'NR==1{print $1}')
[ -n "$ver" ] || { pg_createcluster 15 main >/dev/null; ver=15; }
if ! pg_lsclusters -h | awk '$2=="main"{print $4}' | grep -q online; then
	# A socket lock file left by a server that died (its PID gone, or a zombie) stops a new start.
	for lock in /var/run/postgresql/.s.PGSQL.*.lock; do
		[ -e "$lock" ] || continue
		pid=$(head -n 1 "$lock")
		state=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null || true)
		if [ -z "$state" ] || [ "$state" = Z ]; then rm -f "$lock"; fi
	done
	pg_ctlcluster "$ver" main start >&2
fi
for i in $(seq 1 50); do
	su postgres -c "psql -qAtc 'select 1'" >/dev/null 2>&1 && break
	sleep 0.2
done
su postgres -c "psql -qAt" >/dev/null <<'SQL'
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'sessionauth') THEN
    CREATE ROLE sessionauth LOGIN PASSWORD 'sessionauth' CREATEDB;
  END IF;
END $$;
SQL
su postgres -c "psql -qAtc \"SELECT 1 FROM pg_database WHERE datname='sessionauth'\"" | grep -q 1 ||
	su postgres -c "createdb -O sessionauth sessionauth"

# --- Redis standalone
if ! redis-cli -p 6379 ping >/dev/null 2>&1; then
	redis-server --port 6379 --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
		--logfile /tmp/sessionauth-redis-6379.log >&2
fi

# --- Redis Cluster
# A node that is not running starts from an empty directory: a nodes.conf left by an earlier run (the
# machine is not always new) makes the node remember its old peers, and "redis-cli --cluster create"
# refuses a node that knows other nodes.
cdir=/tmp/sessionauth-redis-cluster
for port in 7001 7002 7003; do
	if ! redis-cli -p $port ping >/dev/null 2>&1; then
		rm -rf "$cdir/$port" "$cdir/$port.log"
		mkdir -p "$cdir/$port"
		(cd "$cdir/$port" && redis-server --port $port --bind 127.0.0.1 --cluster-enabled yes \
			--cluster-config-file nodes.conf --cluster-node-timeout 2000 --save '' --appendonly no \
			--daemonize yes --logfile "$cdir/$port.log") >&2
	fi
done
for port in 6379 7001 7002 7003; do
	for i in $(seq 1 50); do redis-cli -p $port ping >/dev/null 2>&1 && break; sleep 0.1; done
done
# Every node must say ok and know all three: a restarted node is alone, while its old peers say ok
# until the node timeout passes.
cluster_ok() {
	local port info
	for port in 7001 7002 7003; do
		info=$(redis-cli -p $port cluster info 2>/dev/null) || return 1
		grep -q 'cluster_state:ok' <<<"$info" && grep -q 'cluster_known_nodes:3' <<<"$info" || return 1
	done
}
# Nodes that were already running may still be agreeing on the cluster; give them the node timeout.
if ! cluster_ok && [ "$(redis-cli -p 7001 cluster info 2>/dev/null | awk -F: '/cluster_known_nodes/{print $2+0}')" = 3 ]; then
	for i in $(seq 1 30); do cluster_ok && break; sleep 0.1; done
fi
if ! cluster_ok; then
	# Half-formed or stale: forget it on every node and form it again.
	for port in 7001 7002 7003; do
		redis-cli -p $port flushall >/dev/null
		redis-cli -p $port cluster reset hard >/dev/null
	done
	redis-cli --cluster create 127.0.0.1:7001 127.0.0.1:7002 127.0.0.1:7003 --cluster-replicas 0 --cluster-yes >&2
	for i in $(seq 1 100); do cluster_ok && break; sleep 0.1; done
	cluster_ok || { echo "services.sh: the Redis Cluster on 7001-7003 did not reach cluster_state:ok" >&2; exit 1; }
fi

# --- Redis Sentinel watching the standalone server as master "sessionauth"
if ! redis-cli -p 26379 ping >/dev/null 2>&1; then
	mkdir -p /tmp/sessionauth-redis-sentinel
	cat >/tmp/sessionauth-redis-sentinel/sentinel.conf <<'CONF'
port 26379
bind 127.0.0.1
sentinel monitor sessionauth 127.0.0.1 6379 1
sentinel down-after-milliseconds sessionauth 5000
CONF
	redis-server /tmp/sessionauth-redis-sentinel/sentinel.conf --sentinel --daemonize yes \
		--logfile /tmp/sessionauth-redis-sentinel/sentinel.log >&2
	for i in $(seq 1 50); do redis-cli -p 26379 ping >/dev/null 2>&1 && break; sleep 0.1; done
fi

cat <<'VARS'
export SESSIONAUTH_TEST_POSTGRES_URL='postgres://sessionauth:sessionauth@127.0.0.1:5432/sessionauth?sslmode=disable'
export SESSIONAUTH_TEST_REDIS_URL='redis://127.0.0.1:6379/0'
export SESSIONAUTH_TEST_REDIS_CLUSTER='127.0.0.1:7001,127.0.0.1:7002,127.0.0.1:7003'
export SESSIONAUTH_TEST_REDIS_SENTINEL='127.0.0.1:26379/sessionauth'
VARS
