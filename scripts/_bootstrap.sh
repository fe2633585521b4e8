# Sourced by scripts/serve and scripts/test: installs uv (if missing), the Python environment
# exactly as locked in uv.lock, and the front-end (npm ci + build). Safe to run again.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

PYTHON=${NORTHSTAR_PYTHON:-$(command -v python3.11 || command -v python3)}
# pyenv shims are scripts; uv wants the real interpreter.
PYTHON=$("$PYTHON" -c 'import sys; print(sys.executable)')
if ! "$PYTHON" -m uv --version >/dev/null 2>&1; then
  echo "==> installing uv"
  "$PYTHON" -m pip install --quiet uv
fi
uv() { "$PYTHON" -m uv "$@"; }

echo "==> Python environment (.venv, from uv.lock)"
uv sync --frozen --python "$PYTHON" ${NORTHSTAR_UV_SYNC_ARGS:-}

# WeasyPrint (the board report's PDF) needs Pango and a font from the system.
if ! .venv/bin/python -c "import weasyprint" >/dev/null 2>&1; then
  echo "==> installing Pango and fonts for WeasyPrint (Debian packages)"
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo -n"; fi
  { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq \
      libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core >/dev/null; } \
    || echo "WARNING: could not install Pango; PDF reports will fail until libpango is installed." >&2
fi

if ! command -v npm >/dev/null 2>&1; then
  echo "npm is needed for the front-end (GOV.UK Frontend, Leaflet). Install Node.js 18+ and npm." >&2
  exit 1
fi
echo "==> front-end (npm ci, build)"
npm ci --no-audit --no-fund --loglevel=error
npm run --silent build
