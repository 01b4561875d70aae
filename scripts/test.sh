#!/usr/bin/env bash
# The project's test command (README: `make test`).
#
# Steps 1-2 and the search for Saleor are scripts/env.sh, shared with `make demo`.
# 1. Finds Python 3.12 and builds a virtualenv (.venv) that sees what that Python
#    has installed (--system-site-packages), so a Saleor installed there is used.
# 2. Installs this project with its test extras (editable, so Saleor's plugin
#    discovery finds its `saleor.plugins` entry point).
# 3. Lint: `ruff check`, `ruff format --check` and `makemigrations --check` (the
#    models and the migrations agree).
# 4. Runs the Saleor-independent suite (tests/unit) on PostgreSQL.
# 5. Runs the Saleor integration suite (tests/integration) when Saleor 3.23 is
#    importable, or can be installed from Saleor's public repository; otherwise says
#    clearly that it was skipped.
# 6. Console: builds the operator console (console/: npm ci && npm run build) and fails
#    if the built pages differ from the committed ones (saleor_rewards/console_app/
#    static/, what pip installs), so the package never ships stale pages.
# 7. Runs the browser suite (tests/browser): the console in Debian's headless
#    Chromium (installed with apt-get when missing and possible; else skipped, saying
#    why) against a running Saleor with seeded data (database REWARDS_BROWSER_DB,
#    default saleor_rewards_browser, and its template <name>_template).
#
# Environment:
#   DATABASE_URL          database server/name (default: local PostgreSQL, saleor_rewards)
#   SALEOR_SITE_PACKAGES  1 (default): reuse Python 3.12's site-packages (and its Saleor);
#                         0: an isolated venv (.venv-isolated) - shows the suite without
#                         a preinstalled Saleor
#   SALEOR_REF            Saleor tag to install when missing (default 3.23.28)
#   PYTEST_ARGS           extra arguments for the pytest runs
#   CHROMIUM              the Chromium the browser suite drives (default /usr/bin/chromium)
set -uo pipefail
cd "$(dirname "$0")/.."
rm -f .venv-reports/*.xml  # no stale reports, even when the environment step fails
source scripts/env.sh  # steps 1-2 and the search for Saleor: sets PY, REPORTS, ...

export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/saleor_rewards}"

SALEOR_STATUS=""
if [ -n "$SALEOR_INSTALL_PROBLEM" ]; then
  SALEOR_STATUS="SKIPPED: $SALEOR_INSTALL_PROBLEM"
else
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

say "Lint: ruff check, ruff format --check, makemigrations --check"
LINT=0
# ruff is a binary: in the venv's bin when pip installed it there, else beside the
# Python 3.12 whose site-packages the venv sees (where pip found it already).
RUFF=$("$PY" -c 'import os, sys, sysconfig
for d in (sysconfig.get_path("scripts"), os.path.join(sys.base_prefix, "bin")):
    if os.access(os.path.join(d, "ruff"), os.X_OK):
        print(os.path.join(d, "ruff")); break')
if [ -z "$RUFF" ]; then
  echo "ruff is not installed (it comes with the test extras)." >&2; LINT=1
else
  "$RUFF" check . || LINT=1
  "$RUFF" format --check . || LINT=1
fi
DATABASE_URL="${DATABASE_URL%/*}/postgres" DJANGO_SETTINGS_MODULE=tests.settings \
  "$PY" -m django makemigrations saleor_rewards \
  --check --dry-run || LINT=1

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

say "Console: npm ci && npm run build; the built pages must be the committed ones"
CONSOLE=0
if ! command -v npm >/dev/null 2>&1; then
  echo "npm is not installed: the console cannot be built (install node and npm)." >&2
  CONSOLE=1
elif ! (cd console && npm ci --no-audit --no-fund --loglevel=error && npm run build --silent); then
  CONSOLE=1
elif [ -n "$(git status --porcelain --untracked-files=all -- saleor_rewards/console_app/static)" ]; then
  echo "The built console differs from the committed one: commit saleor_rewards/console_app/static/." >&2
  git status --short --untracked-files=all -- saleor_rewards/console_app/static >&2
  CONSOLE=1
fi

export CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
BROWSER_STATUS=""
if [ -n "$SALEOR_STATUS" ]; then
  BROWSER_STATUS="$SALEOR_STATUS"
elif [ ! -x "$CHROMIUM" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    say "Installing Debian's chromium for the browser suite (apt-get)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  fi
  [ -x "$CHROMIUM" ] || BROWSER_STATUS="SKIPPED: no Chromium at $CHROMIUM, and apt-get could not install Debian's chromium (not root, or no apt)"
fi
if [ -z "$BROWSER_STATUS" ]; then
  say "Running the browser suite (the console in headless Chromium, against a running Saleor)"
  "$PY" -m pytest -p no:cacheprovider -p no:django --junitxml="$REPORTS/browser.xml" \
    tests/browser ${PYTEST_ARGS:-}
  BROWSER=$?
  echo "Screenshots of the screens: .venv-reports/screenshots/"
else
  BROWSER=skipped
fi

say "Summary"
describe() { case $1 in 0) echo "passed";; skipped) echo "${2:-$SALEOR_STATUS}";; *) echo "FAILED (pytest exit $1)";; esac; }
echo "Lint (ruff, migrations):   $( [ $LINT = 0 ] && echo passed || echo FAILED)"
echo "Saleor-independent suite:  $(describe $UNIT)"
echo "Saleor integration suite:  $(describe $INTEGRATION)"
echo "Console build:             $( [ $CONSOLE = 0 ] && echo "passed (built pages = committed)" || echo FAILED)"
echo "Browser suite:             $(describe $BROWSER "$BROWSER_STATUS")"
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

[ "$LINT" = 0 ] || exit 1
[ "$UNIT" = 0 ] || exit 1
[ "$INTEGRATION" = 0 ] || [ "$INTEGRATION" = skipped ] || exit 1
[ "$CONSOLE" = 0 ] || exit 1
[ "$BROWSER" = 0 ] || [ "$BROWSER" = skipped ] || exit 1
exit 0
