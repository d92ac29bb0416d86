#!/usr/bin/env bash
set -euo pipefail
# Run by the test setup (test/global-setup.ts) when Redis is not reachable at 127.0.0.1:6379.
# Redis for the response-cache and rate-limit tests, which fail (never skip) without it. With
# LLM_EXTPROC_TEST_REDIS_URL set, that server is used as it is. Otherwise redis-server is
# installed with apt-get when absent and started on 127.0.0.1:6379, keeping nothing on disk.
as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}
if ! command -v redis-server >/dev/null 2>&1; then
  echo "installing Redis for the cache and rate-limit tests" >&2
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
fi
if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  dir=$(mktemp -d)
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save '' --appendonly no --dir "$dir" --logfile "$dir/redis.log"
  for _ in $(seq 1 50); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 0.2; done
fi
redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null
