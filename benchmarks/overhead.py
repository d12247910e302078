"""Training overhead of DSRCallback: epoch time with reallocation against the same masked model with reallocation off.

The small CNN on the embedded digits data (1,437 training images, batch 64), sparsity 0.9, Adam. `static` is
`SparseCallback` (masks applied, no reallocation); `dsr` is `DSRCallback` at the given period. Runs alternate
between the two so that drifts of the machine hit both alike; the figure is the median epoch time. Because the
difference of two noisy medians is itself noisy, the script also times every reallocation step inside the DSR
runs (synchronising the device around it) and reports their share of the DSR epoch time directly.

    python benchmarks/overhead.py [--epochs 6] [--rounds 3] [--period 4] [--dataset digits] [--device cpu]

`--dataset synthetic` times WRN-28-2 (or `--arch`) on random CIFAR-shaped tensors (`--n-samples` images of 3×32×32,
10 classes, batches sliced straight from memory so that an epoch times the model, not the loader); `--dense` adds
the dense network to the comparison. On a GPU, the paper's setting:

    python benchmarks/overhead.py --dataset synthetic --device cuda --period 100 --n-prune 20000 --dense --epochs 3 --rounds 2
"""
import time, statistics, platform
import torch
from fastcore.script import call_parse
from fastai.basics import *
from fastai.data.load import DataLoader
from fastai.callback.progress import ProgressCallback
from dsr_fast.data import get_dls
from dsr_fast.models import dsr_model, default_arch
from dsr_fast.masks import SparseCallback
from dsr_fast.callbacks import DSRCallback

def sync(dev):
    if dev.type == 'cuda': torch.cuda.synchronize()

class EpochTimer(Callback):
    "Time every epoch, and the reallocation steps inside it when the learner has a `ReallocCallback`."
    order = 100
    def before_fit(self):
        self.times, self.realloc_times = [], []
        cb = next((c for c in self.learn.cbs if hasattr(c, 'engine')), None)
        if cb is not None:
            step = cb.engine.reallocate
            def timed(*args):
                sync(self.dls.device); t = time.perf_counter()
                K = step(*args)
                sync(self.dls.device); self.in_realloc += time.perf_counter() - t
                return K
            cb.engine.reallocate = timed
    def before_epoch(self):
        sync(self.dls.device)
        self.in_realloc, self.t = 0., time.perf_counter()
    def after_epoch(self):
        sync(self.dls.device)
        self.times.append(time.perf_counter() - self.t); self.realloc_times.append(self.in_realloc)

class TensorBatches(DataLoader):
    "Batches sliced straight from the in-memory tensors `x` and `y` (no per-item work)."
    def __init__(self, x, y, **kwargs):
        super().__init__(x, **kwargs)
        self.x, self.y = x, y
    def create_batches(self, samps):
        for b in torch.tensor(list(samps)).split(self.bs):
            if len(b) == self.bs or not self.drop_last: yield self.x[b], self.y[b]

def synthetic_dls(n_samples, bs, device, seed):
    "Random CIFAR-shaped images (3×32×32, 10 classes): training on all of them, validation on a fifth."
    g = torch.Generator().manual_seed(seed)
    x, y = torch.randn(n_samples, 3, 32, 32, generator=g), torch.randint(0, 10, (n_samples,), generator=g)
    n_valid = max(bs, n_samples // 5)
    dls = DataLoaders(TensorBatches(x, y, bs=bs, shuffle=True, drop_last=True, device=device),
                      TensorBatches(x[:n_valid], y[:n_valid], bs=bs, device=device), device=device)
    dls.c = 10
    return dls

def epoch_times(dls, arch, cb, epochs, seed):
    "Epoch times and time in reallocation per epoch, without the first epoch (warm-up)."
    set_seed(seed)
    learn = Learner(dls, dsr_model(arch, dls), loss_func=CrossEntropyLossFlat(), cbs=L(cb) + [EpochTimer()])
    learn.remove_cb(ProgressCallback); learn.logger = noop
    learn.fit(epochs, 1e-3)
    return learn.epoch_timer.times[1:], learn.epoch_timer.realloc_times[1:]

@call_parse
def main(epochs:int=6, # epochs per run (the first is not timed)
         rounds:int=3, # alternating runs of each method
         period:int=4, # DSR reallocation period in iterations
         dataset:str='digits', # digits, mnist1d or synthetic (random CIFAR-shaped images)
         device:str=None, # cpu or cuda
         arch:str=None, # the dataset's default (wrn28_2 for synthetic)
         n_samples:int=50_000, # training images of the synthetic dataset
         bs:int=100, # batch size of the synthetic dataset
         n_prune:int=None, # DSR's N_p (None: 10% of the budget)
         dense:bool=False, # also time the dense network
         seed:int=0):
    "Print the median epoch time with and without DSR reallocation."
    dev = None if device is None else torch.device(device)
    if dataset == 'synthetic': dls, arch = synthetic_dls(n_samples, bs, dev or default_device(), seed), ifnone(arch, 'wrn28_2')
    else: dls, arch = get_dls(dataset, seed=seed, device=dev), ifnone(arch, default_arch[dataset])
    print(f"machine: {platform.machine()}, {torch.get_num_threads()} torch threads, torch {torch.__version__}, device {dls.device}")
    print(f"{dataset}, arch {arch}, {len(dls.train)} iterations per epoch, sparsity 0.9, DSR period {period} "
          f"({len(dls.train) / period:.1f} reallocations per epoch)")
    t, in_realloc = dict(dense=[], static=[], dsr=[]), []
    for r in range(rounds):
        if dense: t['dense'] += epoch_times(dls, arch, None, epochs, seed)[0]
        t['static'] += epoch_times(dls, arch, SparseCallback(0.9, seed=seed), epochs, seed)[0]
        times, realloc = epoch_times(dls, arch, DSRCallback(0.9, n_prune=n_prune, period=period, seed=seed), epochs, seed)
        t['dsr'] += times; in_realloc += realloc
    if dense: print(f"median epoch time of the dense network: {statistics.median(t['dense'])*1e3:.1f} ms")
    s, d = statistics.median(t['static']), statistics.median(t['dsr'])
    print(f"median epoch time over {len(t['static'])} epochs: static masks {s*1e3:.1f} ms, DSR {d*1e3:.1f} ms, difference {100*(d-s)/s:+.1f}%")
    print(f"time inside reallocation steps: {1e3*sum(in_realloc)/len(in_realloc):.2f} ms per epoch on average, "
          f"{100*sum(in_realloc)/sum(t['dsr']):.2f}% of DSR's epoch time")
