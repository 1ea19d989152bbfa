# Shared set-up for scripts/kiosk and scripts/test; source it, then call `setup_project [extras]`.
# Idempotent: it installs only what is missing, and reinstalls the project only when
# pyproject.toml changed since the last install.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"

say() { printf '%s\n' "$*" >&2; }

missing_debian_packages() {
  local missing=()
  python3 -c 'import ensurepip, venv' >/dev/null 2>&1 || missing+=(python3-venv)
  # Captured, not piped into `grep -q`: grep stopping early would SIGPIPE ldconfig, and with
  # pipefail a present library would then look missing.
  local libs
  libs="$("$(command -v ldconfig || echo /sbin/ldconfig)" -p 2>/dev/null || true)"
  [[ "$libs" == *libzbar.so.0* ]] || missing+=(libzbar0)
  for pkg in "$@"; do
    [[ "$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null)" == *"install ok installed"* ]] \
      || missing+=("$pkg")
  done
  printf '%s\n' "${missing[@]}"
}

ensure_debian_packages() {
  command -v python3 >/dev/null || { say "python3 is needed: apt-get install -y python3"; exit 1; }
  local missing
  mapfile -t missing < <(missing_debian_packages "$@" | sed '/^$/d')
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    say "Missing Debian packages: ${missing[*]}"
    say "Install them with:  sudo apt-get update && sudo apt-get install -y ${missing[*]}"
    exit 1
  fi
  say "Installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

ensure_venv() {
  local extras="$1" spec="$ROOT" stamp
  [ -n "$extras" ] && spec="$ROOT[$extras]"
  if [ ! -x "$VENV/bin/python" ]; then
    say "Creating $VENV"
    python3 -m venv "$VENV"
  fi
  stamp="$VENV/.installed-${extras:-base}"
  local want
  want="$(sha256sum "$ROOT/pyproject.toml" | cut -d' ' -f1)"
  # The dev install holds everything the base one does.
  if [ -z "$extras" ] && [ "$(cat "$VENV/.installed-dev" 2>/dev/null)" = "$want" ]; then
    return 0
  fi
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    say "Installing the project into $VENV"
    "$VENV/bin/python" -m pip install -q --upgrade pip >/dev/null
    "$VENV/bin/python" -m pip install -q -e "$spec"
    printf '%s' "$want" > "$stamp"
  fi
}

compile_catalogues() {
  # The kiosk's Chinese screens come from the .po files; the compiled .mo files are not in git.
  "$VENV/bin/pybabel" compile -d "$ROOT/locker/translations" >/dev/null 2>&1 \
    || "$VENV/bin/pybabel" compile -d "$ROOT/locker/translations"
}

setup_project() {
  ensure_debian_packages "${@:2}"
  ensure_venv "${1:-}"
  compile_catalogues
}
