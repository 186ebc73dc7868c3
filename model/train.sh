#!/usr/bin/env bash
# What `npm run train` runs: make sure Debian's PyTorch/scikit-learn/ONNX are there, then train.
#   npm run train              re-trains and rewrites model/artifacts/ (a few minutes on 2 cores)
#   npm run train -- --check   re-trains into a temporary directory and compares with the committed artifacts
#                              within the tolerance stated in model/train.py (TOLERANCE); exit 1 beyond it
# Debian's python3 packages are used (not pip) so the run is reproducible on a stock Debian image; they live
# under /usr/bin/python3, which may not be the python3 first on PATH. train.py pins the numeric environment
# itself (PINNED_ENV: threads, ATen/OpenBLAS/glibc kernel choice), re-executing with it when it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=/usr/bin/python3
if ! "$PY" -c 'import torch, sklearn, onnx' 2>/dev/null; then
  echo "installing python3-torch python3-sklearn python3-onnx (apt)" >&2
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y python3-torch python3-sklearn python3-onnx
fi
exec "$PY" model/train.py "$@"
