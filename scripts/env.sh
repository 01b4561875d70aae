# The environment step shared by `make test` (scripts/test.sh) and `make demo`
# (scripts/demo.sh). Source it from bash, from any directory:
#
#     source "$(dirname "$0")/env.sh"
#
# 1. Finds Python 3.12 and builds a virtualenv (.venv) that sees what that Python
#    has installed (--system-site-packages), so a Saleor installed there is used.
# 2. Installs this project with its test extras (editable, so Saleor's plugin
#    discovery finds its `saleor.plugins` entry point).
# 3. Looks for Saleor: when it is not importable, tries to install SALEOR_REF from
#    Saleor's public repository.
#
# Exits (the sourcing shell) with 2 when Python 3.12 or the project's dependencies
# are missing. Otherwise it leaves the current directory at the project root and sets:
#   ROOT, REPORTS (.venv-reports), PY (the venv's python), say (a function),
#   SALEOR_VERSION          the importable Saleor's version; empty when there is none
#   SALEOR_INSTALL_PROBLEM  why Saleor could not be installed; empty otherwise
#
# Environment:
#   SALEOR_SITE_PACKAGES  1 (default): reuse Python 3.12's site-packages (and its Saleor);
#                         0: an isolated venv (.venv-isolated) that does not see it
#   SALEOR_REF            Saleor tag to install when missing (default 3.23.28)

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd)

SALEOR_REF="${SALEOR_REF:-3.23.28}"
SALEOR_SPEC="saleor @ git+https://github.com/saleor/saleor.git@${SALEOR_REF}"
SITE_PACKAGES="${SALEOR_SITE_PACKAGES:-1}"
REPORTS="$ROOT/.venv-reports"
mkdir -p "$REPORTS"

say() { printf '\n==> %s\n' "$*"; }

find_python312() {
  local candidate
  if command -v python3.12 >/dev/null 2>&1 && python3.12 -c '' 2>/dev/null; then
    command -v python3.12; return
  fi
  if command -v pyenv >/dev/null 2>&1; then
    local version
    version=$(pyenv latest 3.12 2>/dev/null) || version=""
    if [ -n "$version" ]; then
      candidate=$(PYENV_VERSION="$version" pyenv which python 2>/dev/null) || candidate=""
      [ -x "$candidate" ] && { echo "$candidate"; return; }
    fi
  fi
  for candidate in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.12*/bin/python3.12 \
                   /usr/local/bin/python3.12 /usr/bin/python3.12; do
    [ -x "$candidate" ] && { echo "$candidate"; return; }
  done
  return 1
}

PY312=$(find_python312) || { echo "Python 3.12 not found (Saleor 3.23 needs it)." >&2; exit 2; }
say "Python 3.12: $PY312"

if [ "$SITE_PACKAGES" = "1" ]; then
  VENV="$ROOT/.venv"; VENV_FLAGS="--system-site-packages"
else
  VENV="$ROOT/.venv-isolated"; VENV_FLAGS=""
fi
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c '' 2>/dev/null; then
  say "Creating $VENV ${VENV_FLAGS}"
  rm -rf "$VENV"
  "$PY312" -m venv $VENV_FLAGS "$VENV" || exit 2
fi
PY="$VENV/bin/python"

say "Installing saleor-rewards with its test dependencies"
"$PY" -m pip install --disable-pip-version-check -q -e "$ROOT[test]" 2>&1 \
  | grep -v -E "^WARNING: (Running pip as|Location)" || true
"$PY" -c 'import saleor_rewards, pytest, hypothesis, django' || {
  echo "The project's dependencies could not be installed." >&2; exit 2; }

SALEOR_INSTALL_PROBLEM=""
if ! "$PY" -c 'import saleor' 2>/dev/null; then
  say "Saleor is not installed; trying Saleor ${SALEOR_REF} from its public repository"
  if timeout 900 "$PY" -m pip install --disable-pip-version-check -q "$SALEOR_SPEC" \
       >"$REPORTS/saleor-install.log" 2>&1; then
    echo "Installed Saleor ${SALEOR_REF}."
  else
    SALEOR_INSTALL_PROBLEM="Saleor ${SALEOR_REF} is not installed and could not be installed from its public repository (see $REPORTS/saleor-install.log: $(grep -m1 -E 'ERROR|error' "$REPORTS/saleor-install.log" | cut -c1-160))"
  fi
fi
SALEOR_VERSION=""
if [ -z "$SALEOR_INSTALL_PROBLEM" ]; then
  SALEOR_VERSION=$("$PY" -c 'import importlib.metadata as m; print(m.version("saleor"))' 2>/dev/null)
fi
