"""Multi-process training on the CPU: throughput with 1 and 2 gloo processes, the reallocation steps' share of the time,
and the bytes DDP broadcasts per iteration with the callbacks' buffers excluded (dsr_fast's default) and without.

Each configuration trains on the embedded digits (1,437 training images) with DSRCallback at sparsity 0.9, Adam,
`--bs` images per process and per iteration (fastai's DistributedDL gives each process its share of the epoch), for
`--epochs` epochs; the training phase of each epoch is timed (validation left out), the first epoch is a warm-up. One process uses every core (torch's threads); two
processes use one thread each (as torchrun sets OMP_NUM_THREADS=1), through fastai's DistributedTrainer
(`CPUDistributedTrainer`). Broadcast bytes are counted inside DDP's one buffer-broadcast call.

    python benchmarks/ddp.py [--epochs 4] [--bs 64] [--period 4] [--archs cnn,lenet]
"""
import os, sys, time, json, socket, platform, tempfile
import torch, torch.distributed as dist, torch.multiprocessing as mp
from torch.nn.parallel import DistributedDataParallel as DDP
from pathlib import Path

sent = []
_bcast = DDP._distributed_broadcast_coalesced
def counting(self, tensors, *args, **kwargs):
    sent.append(sum(t.numel() * t.element_size() for t in tensors))
    return _bcast(self, tensors, *args, **kwargs)
DDP._distributed_broadcast_coalesced = counting

def run(rank, world, arch, epochs, bs, period, exclude, out):
    from fastai.basics import Learner, Callback, DataLoaders, accuracy, set_seed, noop
    from fastai.callback.progress import ProgressCallback
    from dsr_fast.all import digits_dls, DSRCallback, CPUDistributedTrainer
    from dsr_fast.models import dsr_model
    if world > 1:   # what torchrun sets up for each process
        os.environ.update(RANK=str(rank), LOCAL_RANK=str(rank), WORLD_SIZE=str(world), OMP_NUM_THREADS='1')
        torch.set_num_threads(1)
        dist.init_process_group('gloo', rank=rank, world_size=world)

    class Timer(Callback):
        "Epoch times, time inside reallocation steps, iterations; optionally undo the exclusion just before DDP wraps."
        order = 10
        def before_fit(self):
            self.epochs, self.realloc, self.iters = [], [], 0
            if not exclude: self.learn.model._ddp_params_and_buffers_to_ignore = []
            eng = self.learn.dsr.engine
            step = eng.reallocate
            def timed(*args):
                t = time.perf_counter(); K = step(*args); self.in_realloc += time.perf_counter() - t
                return K
            eng.reallocate = timed
        def before_train(self): self.in_realloc, self.t = 0., time.perf_counter()
        def after_batch(self):
            if self.training: self.iters += 1
        def after_train(self): self.epochs.append(time.perf_counter() - self.t); self.realloc.append(self.in_realloc)

    threads = torch.get_num_threads()
    set_seed(0)
    dls = DataLoaders(*[dl.new(num_workers=0) for dl in digits_dls(bs=bs, seed=0).loaders])
    timer = Timer()
    learn = Learner(dls, dsr_model(arch, dls), metrics=accuracy, cbs=[DSRCallback(0.9, period=period), timer])
    learn.remove_cb(ProgressCallback); learn.logger = noop
    if world > 1: learn.add_cb(CPUDistributedTrainer())
    learn.fit(epochs, 1e-2)
    if rank == 0:
        n_train, t = len(dls.train_ds), sum(timer.epochs[1:])
        res = dict(arch=arch, processes=world, threads=threads, samples_per_s=n_train * (epochs - 1) / t,
                   realloc_share=sum(timer.realloc[1:]) / t, iters_per_epoch=timer.iters // epochs,
                   bytes_per_forward=(sum(sent) / len(sent)) if sent else 0, accuracy=float(learn.recorder.values[-1][-1]),
                   sparse_weights=sum(learn.dsr.masks.sizes))
        Path(out).write_text(json.dumps(res))
    if world > 1: dist.destroy_process_group()

def free_port():
    with socket.socket() as s: s.bind(('127.0.0.1', 0)); return str(s.getsockname()[1])

def measure(world, arch, epochs, bs, period, exclude=True):
    out = Path(tempfile.mkdtemp())/'res.json'
    os.environ.update(MASTER_ADDR='127.0.0.1', MASTER_PORT=free_port())
    if world == 1: run(0, 1, arch, epochs, bs, period, exclude, out)
    else: mp.spawn(run, args=(world, arch, epochs, bs, period, exclude, out), nprocs=world)
    return json.loads(out.read_text())

if __name__ == '__main__':
    import argparse
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--epochs', type=int, default=4); p.add_argument('--bs', type=int, default=64)
    p.add_argument('--period', type=int, default=4); p.add_argument('--archs', default='cnn,lenet')
    p.add_argument('--csv', default=None, help='also write the table to this CSV file')
    a = p.parse_args()
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}; "
          f"digits, DSR at sparsity 0.9, period {a.period}, batch {a.bs} per process, {a.epochs} epochs (first not timed)")
    print(f"{'model':<8}{'processes':>10}{'threads':>8}{'samples/s':>11}{'realloc share':>15}{'iters/epoch':>13}"
          f"{'bytes/forward (masks excluded)':>32}{'(not excluded)':>16}")
    rows = []
    for arch in a.archs.split(','):
        for world in (1, 2):
            r = measure(world, arch, a.epochs, a.bs, a.period)
            raw = measure(world, arch, 2, a.bs, a.period, exclude=False)['bytes_per_forward'] if world > 1 else 0
            print(f"{arch:<8}{world:>10}{r['threads']:>8}{r['samples_per_s']:>11,.0f}{r['realloc_share']:>15.1%}{r['iters_per_epoch']:>13}"
                  f"{r['bytes_per_forward']:>32,.0f}{raw:>16,.0f}")
            rows.append({'model': arch, 'processes': world, 'threads': r['threads'], 'samples/s': round(r['samples_per_s']),
                         'realloc share': round(r['realloc_share'], 4), 'iters/epoch': r['iters_per_epoch'],
                         'bytes/forward (masks excluded)': round(r['bytes_per_forward']), 'bytes/forward (not excluded)': round(raw)})
    if a.csv:
        import pandas as pd
        pd.DataFrame(rows).to_csv(a.csv, index=False)
