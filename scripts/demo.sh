#!/usr/bin/env bash
# `make demo`: the environment step that `make test` uses (scripts/env.sh: Python
# 3.12, .venv, the project and Saleor), then the story (scripts/demo.py), which needs
# Saleor 3.23. Arguments go to demo.py, e.g. `bash scripts/demo.sh --rebuild`.
set -uo pipefail
source "$(dirname "$0")/env.sh"
if [ -n "$SALEOR_INSTALL_PROBLEM" ]; then
  echo "The demo cannot run: it plays its story against Saleor 3.23, and" \
       "$SALEOR_INSTALL_PROBLEM" >&2
  exit 2
fi
say "The demo: a storefront story through Saleor's GraphQL API"
exec "$PY" scripts/demo.py "$@"
