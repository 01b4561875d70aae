#!/usr/bin/env bash
# The project's test command (README: `make test`).
#
# 1. Finds Python 3.12 and builds a virtualenv (.venv) that sees what that Python
#    has installed (--system-site-packages), so a Saleor installed there is used.
# 2. Installs this project with its test extras (editable, so Saleor's plugin
#    discovery finds its `saleor.plugins` entry point).
# 3. Runs the Saleor-independent suite (tests/unit) on PostgreSQL.
# 4. Runs the Saleor integration suite (tests/integration) when Saleor 3.23 is
#    importable, or can be installed from Saleor's public repository; otherwise says
#    clearly that it was skipped.
#
# Environment:
#   DATABASE_URL          database server/name (default: local PostgreSQL, saleor_rewards)
#   SALEOR_SITE_PACKAGES  1 (default): reuse Python 3.12's site-packages (and its Saleor);
#                         0: an isolated venv (.venv-isolated) - shows the suite without
#                         a preinstalled Saleor
#   SALEOR_REF            Saleor tag to install when missing (default 3.23.28)
#   PYTEST_ARGS           extra arguments for both pytest runs
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/saleor_rewards}"
SALEOR_REF="${SALEOR_REF:-3.23.28}"
SALEOR_SPEC="saleor @ git+https://github.com/saleor/saleor.git@${SALEOR_REF}"
SITE_PACKAGES="${SALEOR_SITE_PACKAGES:-1}"
REPORTS="$ROOT/.venv-reports"
mkdir -p "$REPORTS"
rm -f "$REPORTS"/*.xml

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

SALEOR_STATUS=""
if ! "$PY" -c 'import saleor' 2>/dev/null; then
  say "Saleor is not installed; trying Saleor ${SALEOR_REF} from its public repository"
  if timeout 900 "$PY" -m pip install --disable-pip-version-check -q "$SALEOR_SPEC" \
       >"$REPORTS/saleor-install.log" 2>&1; then
    echo "Installed Saleor ${SALEOR_REF}."
  else
    SALEOR_STATUS="SKIPPED: Saleor ${SALEOR_REF} is not installed and could not be installed from its public repository (see $REPORTS/saleor-install.log: $(grep -m1 -E 'ERROR|error' "$REPORTS/saleor-install.log" | cut -c1-160))"
  fi
fi
if [ -z "$SALEOR_STATUS" ]; then
  SALEOR_VERSION=$("$PY" -c 'import importlib.metadata as m; print(m.version("saleor"))' 2>/dev/null)
  case "$SALEOR_VERSION" in
    3.23.*) ;;
    *) SALEOR_STATUS="SKIPPED: Saleor ${SALEOR_VERSION:-?} is installed, the integration suite needs 3.23" ;;
  esac
fi

run_suite() {  # name, settings module, junit file, extra pytest args...
  local name=$1 settings=$2 junit=$3; shift 3
  say "Running the $name"
  "$PY" -m pytest -p no:cacheprovider --ds="$settings" --junitxml="$REPORTS/$junit" \
    "$@" ${PYTEST_ARGS:-}
  local code=$?
  [ $code -eq 5 ] && echo "The $name collected no tests." >&2
  return $code
}

run_suite "Saleor-independent suite" tests.settings unit.xml tests/unit --create-db
UNIT=$?

if [ -z "$SALEOR_STATUS" ]; then
  # Saleor's test database takes minutes to migrate: reuse it (new migrations still
  # apply). Pass PYTEST_ARGS=--create-db to rebuild it.
  run_suite "Saleor integration suite (Saleor $SALEOR_VERSION)" saleor.tests.settings \
    integration.xml tests/integration --reuse-db
  INTEGRATION=$?
else
  INTEGRATION=skipped
fi

say "Summary"
describe() { case $1 in 0) echo "passed";; skipped) echo "$SALEOR_STATUS";; *) echo "FAILED (pytest exit $1)";; esac; }
echo "Saleor-independent suite:  $(describe $UNIT)"
echo "Saleor integration suite:  $(describe $INTEGRATION)"
"$PY" - "$REPORTS" <<'EOF'
import pathlib, sys, xml.etree.ElementTree as ET
passed = failed = skipped = 0
for report in sorted(pathlib.Path(sys.argv[1]).glob("*.xml")):
    for suite in ET.parse(report).getroot().iter("testsuite"):
        tests, fails = int(suite.get("tests", 0)), int(suite.get("failures", 0))
        errors, skips = int(suite.get("errors", 0)), int(suite.get("skipped", 0))
        passed += tests - fails - errors - skips
        failed += fails + errors
        skipped += skips
print(f"{passed} passed, {failed} failed, {skipped} skipped")
EOF

[ "$UNIT" = 0 ] || exit 1
[ "$INTEGRATION" = 0 ] || [ "$INTEGRATION" = skipped ] || exit 1
exit 0
