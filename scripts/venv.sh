# Sourced by the scripts: makes sure .venv holds mwaa-local (editable) with the given extras
# ("" or "test"), reinstalling when pyproject.toml changes. Needs Python 3.11+ as `python3`.
ensure_venv() {
  local extras="$1" root venv hash python
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  venv="$root/.venv"
  python="${MWAA_LOCAL_PYTHON:-python3}"
  if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "mwaa-local needs Python 3.11 or later as python3 (or set MWAA_LOCAL_PYTHON)." >&2
    exit 2
  fi
  hash=$(sha256sum "$root/pyproject.toml" | cut -c1-12)
  if [ ! -e "$venv/.mwaa-local-$hash-${extras:-base}" ]; then
    [ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -e "$root${extras:+[$extras]}" >&2
    find "$venv" -maxdepth 1 -name '.mwaa-local-*' ! -name ".mwaa-local-$hash-*" -delete
    touch "$venv/.mwaa-local-$hash-${extras:-base}" "$venv/.mwaa-local-$hash-base"  # extras include the base
  fi
}
