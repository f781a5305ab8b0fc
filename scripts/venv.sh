# Sourced by the scripts: makes sure .venv holds mwaa-local (editable) with the given extras,
# reinstalling when pyproject.toml changes. Needs Python 3.11 or later as `python3`.
ensure_venv() {
  local extras="$1" root venv stamp python
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  venv="$root/.venv"
  python="${MWAA_LOCAL_PYTHON:-python3}"
  if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "mwaa-local needs Python 3.11 or later as python3 (or set MWAA_LOCAL_PYTHON)." >&2
    exit 2
  fi
  stamp="$venv/.mwaa-local-$(cat "$root/pyproject.toml" | sha256sum | cut -c1-12)-${extras:-base}"
  if [ ! -e "$stamp" ]; then
    [ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -e "$root${extras:+[$extras]}" >&2
    rm -f "$venv"/.mwaa-local-*
    touch "$stamp"
  fi
}
