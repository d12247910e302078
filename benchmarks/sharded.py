"""One DSR reallocation step of a GPT-2-style model of about 355 M weights (GPT-2 medium's shape, built from a config:
no download), in one process and sharded by FSDP2 over 2 gloo processes on this CPU.

For each: the step's time (median of `--repeats` steps after a warm-up; on 2 ranks the slower rank's), the collectives
it makes and their bytes (counted by `Shards`), the mask bytes each rank holds against the weights it holds, and the
peak resident memory of each process. One process uses every core (torch's threads); two processes use one thread
each. Every configuration runs in processes of its own, so that each peak is its own. The weights are the model's random initialisation at sparsity 0.9 (the first weight tensor, the tied token
embedding, dense); a step is `Sparsifier.method.step()`: prune under the threshold, regrow as many at random.

    python benchmarks/sharded.py [--repeats 3] [--layers 24] [--csv nbs/results/sharded.csv]
"""
import os, sys, time, json, socket, platform, resource, argparse, tempfile, statistics
import torch, torch.nn as nn, torch.distributed as dist, torch.multiprocessing as mp
from pathlib import Path

def gpt2(layers):
    from transformers import GPT2Config, GPT2LMHeadModel
    torch.manual_seed(0)
    return GPT2LMHeadModel(GPT2Config(n_embd=1024, n_layer=layers, n_head=16))

def peak_gib(): return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20   # (Linux: KiB)

def run(rank, world, layers, repeats, out):
    from dsr_fast.all import Sparsifier
    if world > 1:
        torch.set_num_threads(1)
        dist.init_process_group('gloo', rank=rank, world_size=world)
    model = gpt2(layers)
    if world > 1:
        from torch.distributed.fsdp import fully_shard
        for block in model.transformer.h: fully_shard(block)
        fully_shard(model)
    sp = Sparsifier(model, None, 'dsr', 0.9, period=1)
    masks, comm = sp.masks, sp.masks.comm
    sync = dist.barrier if world > 1 else (lambda: None)
    before = peak_gib()
    times, calls, sent = [], [], []
    for i in range(repeats + 1):
        c0, b0 = (comm.calls, comm.bytes) if comm else (0, 0)
        sync(); t = time.perf_counter()
        sp.method.step()
        sync(); times.append(time.perf_counter() - t)
        if comm: calls.append(comm.calls - c0); sent.append(comm.bytes - b0)
    res = dict(world=world, rank=rank, threads=torch.get_num_threads(), tensors=len(masks.sizes), sparse_weights=sum(masks.numels),
               weights_held=sum(p.numel() for p in masks.weights) if world == 1 else sum(p.to_local().numel() for p in model.parameters()),
               sparse_held=sum(masks.sizes), mask_bytes=sum(m.numel() * m.element_size() for m in masks.masks),
               step_s=statistics.median(times[1:]), collectives=calls[-1] if calls else 0, collective_bytes=sent[-1] if sent else 0,
               peak_gib_before_step=before, peak_gib=peak_gib(), budget=masks.budget, active=int(masks.n_active()))
    Path(out, f'{world}_{rank}.json').write_text(json.dumps(res))
    if world > 1: dist.destroy_process_group()

def free_port():
    with socket.socket() as s: s.bind(('127.0.0.1', 0)); return s.getsockname()[1]

if __name__ == '__main__':
    p = argparse.ArgumentParser()
    p.add_argument('--repeats', type=int, default=3)
    p.add_argument('--layers', type=int, default=24)
    p.add_argument('--csv')
    a = p.parse_args()
    out = tempfile.mkdtemp()
    os.environ.update(MASTER_ADDR='127.0.0.1', MASTER_PORT=str(free_port()))
    for world in (1, 2): mp.spawn(run, args=(world, a.layers, a.repeats, out), nprocs=world)   # (fresh processes: their own peak memory)
    rows = [json.loads(Path(out, f).read_text()) for f in sorted(os.listdir(out))]
    print(f"# {platform.processor() or platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}, seed 0, "
          f"GPT-2 medium shape with {a.layers} blocks, sparsity 0.9, {a.repeats} timed steps after a warm-up")
    one = rows[0]
    for r in rows:
        print(f"{r['world']} process(es), rank {r['rank']} ({r['threads']} thread(s)): step {r['step_s']:.2f} s "
              f"({r['step_s'] / one['step_s']:.2f}x one process), {r['collectives']} collectives of {r['collective_bytes']:,} bytes, "
              f"masks {r['mask_bytes'] / 2**20:.0f} MiB for {r['sparse_held']:,} of {r['sparse_weights']:,} sparse weights "
              f"({r['mask_bytes'] / r['sparse_held']:.2f} bytes per weight held), peak memory {r['peak_gib']:.2f} GiB "
              f"({r['peak_gib_before_step']:.2f} before the steps); budget {r['budget']:,} = active {r['active']:,}")
    if a.csv:
        import pandas as pd
        pd.DataFrame(rows).to_csv(a.csv, index=False)
