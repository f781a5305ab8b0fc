#!/usr/bin/env bash
# Docker's health checks, in bash: Docker runs each check as a new process, every few seconds,
# in every container, and a Python interpreter per check cost a good part of two cores with two
# environments up. The checks that stay in Python (the heartbeats read the database, the control
# plane's asks its API) run through `trusted`, which spares most of their runs.
#
#   probe.sh tcp <port>               something accepts connections on 127.0.0.1:<port>
#   probe.sh http <port> <path>...    every path answers 2xx on 127.0.0.1:<port>
#   probe.sh sync <marker file>       the sync sidecar's last good sync is recent enough
#   probe.sh socket <path> <port>...  a Unix socket exists at <path> and every <port> accepts connections
#   probe.sh trusted <name> <command>...   <command> succeeds; a success is trusted for 30 s
#   probe.sh heartbeat <check>        trusted `python -m emulator.container health <check>`
set -u

# Some checks cost a Python interpreter, about 0.1 s of CPU each: a success is trusted for half
# a minute, so the engine's rounds (every 30 s) and the checks `up` and `status` run between them
# (emulator/docker/health_checks.py) pay for one at most that often (a job's own heartbeat limit is
# 60 s). One not yet proven healthy is checked every time, so `up` sees it ready as soon as it
# is; a restarted container is a new main process, whose successes start over.
TRUST_SECONDS=30
HEALTH_MARKERS=${MWAA_LOCAL_HEALTH_MARKERS:-/tmp}
MAIN_PROCESS=${MWAA_LOCAL_HEALTH_PID:-1}

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
  local port answer
  if [[ ! -S $1 ]]; then
    echo "unhealthy: no socket at $1 yet"
    return 1
  fi
  shift
  for port in "$@"; do
    answer=$(tcp "$port") || { echo "$answer"; return 1; }
  done
  echo healthy
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

trusted() {
  local name=$1 stat started marker now age
  shift
  # The main process's start time (field 22 of /proc/<pid>/stat, after the parenthesised name).
  stat=$(<"/proc/$MAIN_PROCESS/stat")
  read -r -a stat <<<"${stat##*) }"
  started=${stat[19]}
  marker="$HEALTH_MARKERS/mwaa-local-healthy-$name-$started"
  if [[ -e $marker ]]; then
    printf -v now '%(%s)T' -1
    age=$((now - $(stat -c %Y "$marker")))
    if ((age < TRUST_SECONDS)); then
      echo "healthy (checked ${age}s ago)"
      return 0
    fi
  fi
  if "$@"; then
    touch "$marker"
    return 0
  fi
  rm -f "$marker"
  return 1
}

heartbeat() {
  trusted "$1" "${MWAA_LOCAL_HEALTH_PYTHON:-/opt/mwaa-local/venv/bin/python}" -m emulator.container health "$1"
}

case "${1:-}" in
  tcp | http | sync | socket | trusted | heartbeat) "$@" ;;
  *)
    echo "usage: probe.sh tcp <port> | http <port> <path>... | sync <marker file> | socket <path> <port>..." \
      "| trusted <name> <command>... | heartbeat <check>" >&2
    exit 2
    ;;
esac
