"""Sparse inference against dense: latency at batch 1 and throughput at batch 256, beside the trained model's accuracy,
for each mask structure and each kernel layout it allows.

For each model, sparsity and structure: train it with `DSRCallback` (one-cycle, Adam, lr 1e-2, seed fixed, every
weight tensor sparse) under the structure (`element`: unstructured; `fan_in`: constant fan-in; `fan_in+ablation`:
constant fan-in with neuron ablation at `--ablation`; `2:4`), then compare its folded dense twin (`fold_masks`: the
same zeros, dense kernels) with the inference model run by each layout in turn (`use_kernel`: CSR, condensed, thin,
and 2:4 on a GPU, each where a layer offers it, CSR elsewhere) and with `sparse_inference`'s own choice per layer
(`auto`), tuned for that batch size. Times are medians of repeated forward passes in inference mode, taken in turns
with the dense twin (a layout over 3x slower than dense in one run is reported with that run's time); the batch is
the validation data repeated to the size. Models: LeNet-300-100, the small CNN and a wide MLP (64-4096-4096-10) on
the embedded digits, the patch transformer on MNIST-1D.

    python benchmarks/inference.py [--sparsities 0.9,0.95,0.98] [--structures element] [--epochs 6] [--seed 0]
                                   [--models lenet,cnn,mlp,transformer] [--ablation 0.3] [--device cpu|cuda] [--csv FILE]

Models are trained on the CPU; with `--device cuda` they are then timed on the GPU (CSR through cuSPARSE, 2:4 through
PyTorch's semi-structured tensors). A model that a structure does not fit (2:4 needs inputs per unit in fours) is
reported as such.
"""
import platform, warnings
warnings.filterwarnings('ignore')
import torch, torch.nn as nn, pandas as pd
from fastcore.script import call_parse
from fastai.basics import *
from fastai.callback.progress import ProgressCallback
from dsr_fast.data import get_dls
from dsr_fast.models import lenet_300_100, small_cnn, PatchTransformer, Layers
from dsr_fast.callbacks import DSRCallback
from dsr_fast.export import fold_masks
from dsr_fast.inference import sparse_inference, example_batch, paired_ms, paired_or_once_ms, median_ms, state_bytes, use_kernel, layouts

def wide_mlp(n_in=64, n_out=10, width=4096):
    "A wide MLP: `n_in`-`width`-`width`-`n_out`, ReLU between."
    return Layers(('flatten', nn.Flatten()), ('fc1', nn.Linear(n_in, width)), ('relu1', nn.ReLU()),
                  ('fc2', nn.Linear(width, width)), ('relu2', nn.ReLU()), ('fc3', nn.Linear(width, n_out)))

MODELS = {'lenet': (dict(name='digits'), lambda: lenet_300_100(64, 10)), 'cnn': (dict(name='digits'), lambda: small_cnn(1, 10)),
          'mlp': (dict(name='digits'), wide_mlp), 'transformer': (dict(name='mnist1d'), lambda: PatchTransformer(1, 10, ndim=1))}
STRUCTURES = {'element': dict(granularity='element'), 'fan_in': dict(granularity='fan_in'), 'fan_in+ablation': dict(granularity='fan_in'), '2:4': dict(granularity='2:4')}

def trained(name, sparsity, epochs, seed, structure, ablation):
    "The model `name` trained with DSR at `sparsity` under `structure`, and its validation accuracy."
    data, make = MODELS[name]
    set_seed(seed, reproducible=True)
    dls = get_dls(seed=seed, **data)
    kw = dict(STRUCTURES[structure], ablation=ablation if structure == 'fan_in+ablation' else 0.)
    learn = Learner(dls, make(), metrics=accuracy, cbs=DSRCallback(sparsity, period=max(1, epochs * len(dls.train) // 40), dense=(), **kw))
    learn.remove_cb(ProgressCallback); learn.logger = noop
    learn.fit_one_cycle(epochs, 1e-2)
    return learn, float(learn.validate()[1])

def timings(learn, dense, bs, dev):
    "Per kernel layout and for `sparse_inference`'s choice: (dense ms, layout ms) at batch `bs`; the auto model's kernels."
    x = example_batch(learn, bs).to(dev)
    res, auto = {}, sparse_inference(learn.model, x)
    res['auto'] = paired_ms(dense, auto, x)
    forced, dense_once = sparse_inference(learn.model, x, mode='sparse'), median_ms(dense, x, reps=1)
    for mode in layouts[1:]:
        use_kernel(forced, 'sparse')
        if mode == 'sparse' or use_kernel(forced, mode):
            d, s = paired_or_once_ms(dense, forced, x, dense_once)   # (far slower in one run than dense: that run's time)
            res[mode] = (ifnone(d, dense_once), s)
    kernels = pd.Series([r['kernel'] for r in auto.sparse_report]).value_counts()
    return res, ', '.join(f'{k} {n}' for k, n in kernels.items()), state_bytes(auto)

@call_parse
def main(sparsities:str='0.9,0.95,0.98', structures:str='element', epochs:int=6, seed:int=0, models:str='lenet,cnn,mlp,transformer',
         ablation:float=0.3, device:str='cpu', csv:str=None):
    dev = torch.device(device)
    where = torch.cuda.get_device_name(dev) if dev.type == 'cuda' else f"{platform.machine()}, {torch.get_num_threads()} threads"
    print(f"{where}, torch {torch.__version__}, seed {seed}, {epochs} epochs (trained on the CPU, timed on {dev.type}), every weight tensor sparse")
    print("times in ms (dense twin / layout, measured in turns); '-': no layer offers the layout")
    rows = []
    for name in models.split(','):
        for structure in structures.split(','):
            for sp in map(float, sparsities.split(',')):
                try: learn, acc = trained(name, sp, epochs, seed, structure, ablation)
                except ValueError as e:
                    print(f"{name:12s} {structure:16s} {sp:5.2f}: does not fit ({str(e).strip().splitlines()[-1].strip()})"); continue
                learn.model.to(dev)
                dense = fold_masks(learn.model).eval()
                empty = sum(int((m.flatten(1).sum(1) == 0).sum()) for m in learn.dsr.masks.masks)
                for bs in (1, 256):
                    res, kernels, size = timings(learn, dense, bs, dev)
                    row = dict(model=name, structure=structure, sparsity=sp, accuracy=acc, empty_units=empty, batch=bs,
                               dense_ms=min(d for d, _ in res.values()), **{f'{m}_ms': res[m][1] if m in res else None for m in (*layouts[1:], 'auto')},
                               auto_speedup=res['auto'][0] / res['auto'][1], auto_kernels=kernels, dense_mb=state_bytes(dense) / 1e6, sparse_mb=size / 1e6)
                    rows.append(row)
                    t = lambda m: f"{row[m + '_ms']:8.3f}" if row[m + '_ms'] is not None else f"{'-':>8s}"
                    print(f"{name:12s} {structure:16s} {sp:5.2f} acc {acc:.3f} | batch {bs:3d}: dense {row['dense_ms']:8.3f} csr {t('sparse')} "
                          f"condensed {t('condensed')} thin {t('thin')} 2:4 {t('2:4')} | auto {t('auto')} ({row['auto_speedup']:.2f}x; {kernels}) | "
                          f"{row['dense_mb']:.2f} MB dense, {row['sparse_mb']:.2f} MB sparse", flush=True)
    if csv: pd.DataFrame(rows).to_csv(csv, index=False); print(f"wrote {csv}")
