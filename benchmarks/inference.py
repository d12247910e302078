"""Sparse inference against dense: latency at batch 1 and throughput at batch 256, beside the trained model's accuracy.

For each model and sparsity: train it with `DSRCallback` (one-cycle, Adam, lr 1e-2, seed fixed), then compare its
folded dense twin (`fold_masks`: the same zeros, dense kernels; latency in ms at batch 1, throughput in samples/s at
batch 256) with `sparse_inference` tuned for that batch size
(CSR where a layer measures faster, dense otherwise). Times are medians of repeated forward passes in inference
mode; the batch is the validation data repeated to the size. Models: LeNet-300-100 and a wide MLP (64-4096-4096-10)
on the embedded digits, the small CNN on digits, the patch transformer on MNIST-1D.

    python benchmarks/inference.py [--sparsities 0.9,0.95,0.98] [--epochs 6] [--seed 0] [--models lenet,cnn,mlp,transformer] [--device cpu|cuda]

Models are trained on the CPU; with `--device cuda` they are then timed on the GPU (CSR through cuSPARSE).
"""
import time, platform, warnings
warnings.filterwarnings('ignore')
import torch, torch.nn as nn
from fastcore.script import call_parse
from fastai.basics import *
from fastai.callback.progress import ProgressCallback
from dsr_fast.data import get_dls
from dsr_fast.models import lenet_300_100, small_cnn, PatchTransformer, Layers
from dsr_fast.callbacks import DSRCallback
from dsr_fast.export import fold_masks
from dsr_fast.inference import sparse_inference, example_batch, paired_ms, state_bytes

def wide_mlp(n_in=64, n_out=10, width=4096):
    "A wide MLP: `n_in`-`width`-`width`-`n_out`, ReLU between."
    return Layers(('flatten', nn.Flatten()), ('fc1', nn.Linear(n_in, width)), ('relu1', nn.ReLU()),
                  ('fc2', nn.Linear(width, width)), ('relu2', nn.ReLU()), ('fc3', nn.Linear(width, n_out)))

MODELS = {'lenet': ('digits', lambda: lenet_300_100(64, 10)), 'cnn': ('digits', lambda: small_cnn(1, 10)),
          'mlp': ('digits', wide_mlp), 'transformer': ('mnist1d', lambda: PatchTransformer(1, 10, ndim=1))}

def trained(name, sparsity, epochs, seed):
    dataset, make = MODELS[name]
    set_seed(seed, reproducible=True)
    dls = get_dls(dataset, seed=seed)
    learn = Learner(dls, make(), metrics=accuracy, cbs=DSRCallback(sparsity, period=max(1, epochs * len(dls.train) // 40), dense=()))
    learn.remove_cb(ProgressCallback); learn.logger = noop
    learn.fit_one_cycle(epochs, 1e-2)
    return learn, float(learn.validate()[1])

@call_parse
def main(sparsities:str='0.9,0.95,0.98', epochs:int=6, seed:int=0, models:str='lenet,cnn,mlp,transformer', device:str='cpu'):
    dev = torch.device(device)
    where = torch.cuda.get_device_name(dev) if dev.type == 'cuda' else f"{platform.machine()}, {torch.get_num_threads()} threads"
    print(f"{where}, torch {torch.__version__}, seed {seed}, {epochs} epochs (trained on the CPU, timed on {dev.type}), every weight tensor sparse")
    print(f"{'model':12s} {'sparsity':>8s} {'accuracy':>8s} | {'batch 1: dense':>14s} {'sparse':>8s} {'speed-up':>8s} | "
          f"{'batch 256, samples/s: dense':>27s} {'sparse':>8s} {'speed-up':>8s} | {'sparse layers':>13s} | {'size: dense':>11s} {'sparse':>8s}")
    for name in models.split(','):
        for sp in map(float, sparsities.split(',')):
            learn, acc = trained(name, sp, epochs, seed)
            learn.model.to(dev)
            dense = fold_masks(learn.model).eval()
            row = []
            for bs in (1, 256):
                x = example_batch(learn, bs).to(dev)
                sparse = sparse_inference(learn.model, x)
                d, s = paired_ms(dense, sparse, x)
                row.append((d, s, sum(r['kernel'] == 'sparse' for r in sparse.sparse_report), len(sparse.sparse_report)))
            (d1, s1, k1, n), (d2, s2, k2, _) = row
            print(f"{name:12s} {sp:8.2f} {acc:8.3f} | {d1:11.3f} ms {s1:8.3f} {d1 / s1:7.2f}x | {256e3 / d2:27,.0f} {256e3 / s2:8,.0f} {d2 / s2:7.2f}x | "
                  f"{k1:>2d}/{n} and {k2:>2d}/{n} | {state_bytes(dense) / 1e6:8.2f} MB {state_bytes(sparse) / 1e6:8.2f}", flush=True)
