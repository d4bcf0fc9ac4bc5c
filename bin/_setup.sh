# Shared set-up for bin/run and bin/test (sourced, not run): a virtualenv with the Python
# dependencies, the npm packages, and the compiled front-end assets. Re-runs are quick: each step
# is skipped while its inputs are unchanged.
set -euo pipefail

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "Creating the virtualenv in .venv"
  "$PYTHON" -m venv .venv
fi

py_stamp=".venv/.installed-$(cat pyproject.toml | sha256sum | cut -c1-16)"
if [ ! -f "$py_stamp" ]; then
  echo "Installing Python dependencies"
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -e ".[dev]"
  rm -f .venv/.installed-*
  touch "$py_stamp"
fi

npm_stamp="node_modules/.installed-$(cat package-lock.json | sha256sum | cut -c1-16)"
if [ ! -f "$npm_stamp" ]; then
  echo "Installing npm packages (govuk-frontend, sass)"
  npm ci --no-audit --no-fund --loglevel=error
  touch "$npm_stamp"
fi

assets_stamp="sara/static/build/.built-$(cat package-lock.json assets/build.mjs assets/scss/*.scss | sha256sum | cut -c1-16)"
if [ ! -f "$assets_stamp" ]; then
  echo "Building front-end assets"
  npm run --silent build
  touch "$assets_stamp"
fi

export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
