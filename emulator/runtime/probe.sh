#!/usr/bin/env bash
# Docker's health checks that need no database, in bash alone: Docker runs each check as a new
# process, every few seconds, in every container, and a Python interpreter per check cost a
# good part of two cores with two environments up. (The heartbeat checks that read the
# database stay in Python: `python -m emulator.runtime health <check>`.)
#
#   probe.sh tcp <port>               something accepts connections on 127.0.0.1:<port>
#   probe.sh http <port> <path>...    every path answers 2xx on 127.0.0.1:<port>
#   probe.sh sync <marker file>       the sync sidecar's last good sync is recent enough
#   probe.sh socket <path> <port>     a Unix socket exists at <path> and <port> accepts connections
#   probe.sh heartbeat <check>        `python -m emulator.runtime health <check>`, its success trusted
#                                     for HEARTBEAT_TRUST_SECONDS
set -u

# The heartbeat checks read the database from Python, about 0.15 s of CPU each: a success is
# trusted for half a minute, so a healthy container pays for one every 30 s instead of every 3 s
# (the job's own heartbeat limit is 60 s). A container not yet proven healthy is checked every
# time, so `up` sees it ready as soon as it is. Its entrypoint removes the marker (a restart).
HEARTBEAT_TRUST_SECONDS=30
HEALTH_PYTHON=${MWAA_LOCAL_HEALTH_PYTHON:-/opt/mwaa-local/venv/bin/python}
HEALTH_MARKERS=${MWAA_LOCAL_HEALTH_MARKERS:-/tmp}

tcp() {
  if ! exec 3<>"/dev/tcp/127.0.0.1/$1"; then
    echo "unhealthy: port $1: nothing accepts connections"
    return 1
  fi 2>/dev/null
  exec 3>&-
  echo healthy
}

http() {
  local port=$1 path status
  shift
  for path in "$@"; do
    if ! exec 3<>"/dev/tcp/127.0.0.1/$port"; then
      echo "unhealthy: http://127.0.0.1:$port$path: nothing accepts connections"
      return 1
    fi 2>/dev/null
    printf 'GET %s HTTP/1.0\r\nHost: 127.0.0.1:%s\r\n\r\n' "$path" "$port" >&3
    read -r -t 8 _ status _ <&3 || status="nothing within 8 s"
    exec 3>&-
    if [[ $status != 2[0-9][0-9] ]]; then
      echo "unhealthy: http://127.0.0.1:$port$path answered $status"
      return 1
    fi
  done
  echo healthy
}

socket() {
  if [[ ! -S $1 ]]; then
    echo "unhealthy: no socket at $1 yet"
    return 1
  fi
  tcp "$2"
}

sync() {
  local marker=$1 interval=${MWAA_LOCAL_SYNC_INTERVAL:-30} limit age
  # Three sync intervals, at least a minute (bash has no floats: the whole seconds of it).
  interval=${interval%.*}
  limit=$((3 * ${interval:-0}))
  ((limit < 60)) && limit=60
  if [[ ! -e $marker ]]; then
    echo "unhealthy: no successful sync yet"
    return 1
  fi
  age=$(($(date +%s) - $(stat -c %Y "$marker")))
  if ((age > limit)); then
    echo "unhealthy: last successful sync ${age}s ago"
    return 1
  fi
  echo healthy
}

heartbeat() {
  local marker="$HEALTH_MARKERS/mwaa-local-healthy-$1" now age
  if [[ -e $marker ]]; then
    printf -v now '%(%s)T' -1
    age=$((now - $(stat -c %Y "$marker")))
    if ((age < HEARTBEAT_TRUST_SECONDS)); then
      echo "healthy (checked ${age}s ago)"
      return 0
    fi
  fi
  if "$HEALTH_PYTHON" -m emulator.runtime health "$1"; then
    touch "$marker"
    return 0
  fi
  rm -f "$marker"
  return 1
}

case "${1:-}" in
  tcp | http | sync | socket | heartbeat) "$@" ;;
  *)
    echo "usage: probe.sh tcp <port> | http <port> <path>... | sync <marker file> | socket <path> <port>" \
      "| heartbeat <check>" >&2
    exit 2
    ;;
esac
