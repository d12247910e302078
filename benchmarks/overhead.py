"""Training overhead of DSRCallback: epoch time with reallocation against the same masked model with reallocation off.

The small CNN on the embedded digits data (1,437 training images, batch 64), sparsity 0.9, Adam. `static` is
`SparseCallback` (masks applied, no reallocation); `dsr` is `DSRCallback` at the given period. Runs alternate
between the two so that drifts of the machine hit both alike; the figure is the median epoch time.

    python benchmarks/overhead.py [--epochs 6] [--rounds 3] [--period 4] [--dataset digits] [--device cpu]
"""
import time, statistics, platform
import torch
from fastcore.script import call_parse
from fastai.basics import *
from fastai.callback.progress import ProgressCallback
from dsr_fast.data import get_dls
from dsr_fast.models import get_model, default_arch
from dsr_fast.masks import SparseCallback
from dsr_fast.dsr import DSRCallback

class EpochTimer(Callback):
    order = 100
    def before_fit(self): self.times = []
    def before_epoch(self):
        if self.dls.device.type == 'cuda': torch.cuda.synchronize()
        self.t = time.perf_counter()
    def after_epoch(self):
        if self.dls.device.type == 'cuda': torch.cuda.synchronize()
        self.times.append(time.perf_counter() - self.t)

def epoch_times(dls, arch, cb, epochs, seed):
    set_seed(seed)
    learn = Learner(dls, get_model(arch, dls), cbs=[cb, EpochTimer()])
    learn.remove_cb(ProgressCallback); learn.logger = noop
    learn.fit(epochs, 1e-3)
    return learn.epoch_timer.times[1:]  # the first epoch includes warm-up

@call_parse
def main(epochs:int=6, # epochs per run (the first is not timed)
         rounds:int=3, # alternating runs of each method
         period:int=4, # DSR reallocation period in iterations
         dataset:str='digits', # digits or mnist1d
         device:str=None, # cpu or cuda
         seed:int=0):
    "Print the median epoch time with and without DSR reallocation."
    dls = get_dls(dataset, seed=seed, device=None if device is None else torch.device(device))
    arch = default_arch[dataset]
    print(f"machine: {platform.machine()}, {torch.get_num_threads()} torch threads, torch {torch.__version__}, device {dls.device}")
    print(f"{dataset}, arch {arch}, {len(dls.train)} iterations per epoch, sparsity 0.9, DSR period {period} "
          f"({len(dls.train) / period:.1f} reallocations per epoch)")
    t = dict(static=[], dsr=[])
    for r in range(rounds):
        t['static'] += epoch_times(dls, arch, SparseCallback(0.9, seed=seed), epochs, seed)
        t['dsr'] += epoch_times(dls, arch, DSRCallback(0.9, period=period, seed=seed), epochs, seed)
    s, d = statistics.median(t['static']), statistics.median(t['dsr'])
    print(f"median epoch time over {len(t['static'])} epochs: static masks {s*1e3:.1f} ms, DSR {d*1e3:.1f} ms, overhead {100*(d-s)/s:+.1f}%")
