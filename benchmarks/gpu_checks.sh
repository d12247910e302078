#!/usr/bin/env bash
# The GPU checks in one run: the notebooks' `cuda`-flagged tests and the GPU benchmarks of the reallocation step.
# For a GPU machine whose python3 has torch but not the fastai stack: first, here, `bash ../shared/gpu/wheels.sh`
# with nbdev and its needs (the command in the benchmarks page), then carry `.whl` and run this from the repo root.
# Figures and logs go to $OUT (default /tmp/gpu_checks).
set -u -o pipefail
OUT=${OUT:-/tmp/gpu_checks}; mkdir -p "$OUT"
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --target /tmp/site .whl/*.whl || exit 1
export PYTHONPATH=/tmp/site:$PWD PYTHONUNBUFFERED=1 MPLBACKEND=Agg PATH=/tmp/site/bin:$PATH
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
python3 -c "import torch, fastai; print('torch', torch.__version__, 'fastai', fastai.__version__, torch.cuda.get_device_name())"
rc=0
# the tests of the notebooks with cuda cells, in parallel, every cell (flagged or not)
nbdev-test --flags cuda --n-workers 3 --file-re '^(04_primitives|05_engine|06_dsr|07_baselines|09_callbacks|13_inference|14_distributed)\.ipynb$' --cell-timeout 300 2>&1 | tee "$OUT/tests.txt" || rc=1
python3 benchmarks/realloc.py --device cuda --repeats 20 2>&1 | tee "$OUT/realloc_cuda.txt" || rc=1
python3 benchmarks/realloc.py --device cuda --repeats 20 --select radix --skip-reference 2>&1 | tee "$OUT/realloc_cuda_radix.txt" || rc=1
python3 benchmarks/inference.py --device cuda --models mlp,transformer 2>&1 | tee "$OUT/inference_cuda.txt" || rc=1
# the structured layouts on the GPU (2:4 through PyTorch's semi-structured tensors, condensed, thin) against dense and CSR
python3 benchmarks/inference.py --device cuda --models mlp --structures element,fan_in,2:4 --sparsities 0.9,0.95 --csv "$OUT/inference_structure_cuda.csv" 2>&1 | tee "$OUT/inference_structure_cuda.txt" || rc=1
exit $rc
