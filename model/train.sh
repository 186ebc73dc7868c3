#!/usr/bin/env bash
# What `npm run train` runs: make sure Debian's PyTorch/scikit-learn/ONNX are there, then train.
# Debian's python3 packages are used (not pip) so the run is reproducible on a stock Debian image;
# they live under /usr/bin/python3, which may not be the python3 first on PATH.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=/usr/bin/python3
if ! "$PY" -c 'import torch, sklearn, onnx' 2>/dev/null; then
  echo "installing python3-torch python3-sklearn python3-onnx (apt)" >&2
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update
  $SUDO apt-get install -y python3-torch python3-sklearn python3-onnx
fi
exec "$PY" model/train.py "$@"
