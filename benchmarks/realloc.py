"""Benchmark one DSR reallocation step: dsr_fast's device step against the plain per-tensor reference.

ResNet-50 (torchvision, random init), every block conv and the fc sparse (stem conv and downsample convs dense),
sparsity 0.9, N_p = 400,000, threshold set so that about N_p weights fall under it. Both implementations start from
the same weights, masks and random keys; the first step's results are compared before anything is timed.

On CUDA it also times the step replayed as a CUDA graph (`GraphedStep`).

    python benchmarks/realloc.py [--device cpu|cuda] [--repeats 5] [--seed 0] [--chunk 1048576] [--select sort|radix] [--rank-all]

On a CPU, growth by sort ranks only the free positions under a key bound (`Reallocator.rank_few`, exact);
`--rank-all` ranks every position, as the step does on a GPU.

Memory on CPU is measured in a child process run with MALLOC_MMAP_THRESHOLD_=65536, so that glibc maps every
buffer of 64 KiB or more on its own and unmaps it when freed: the peak resident size then follows the live tensors
(mapping every buffer slows a step down, so the timings come from this process, with the default allocator).
"""
import os, sys, subprocess, platform, time, statistics
import torch
from fastcore.script import call_parse
from dsr_fast.models import resnet50_model
from dsr_fast.masks import Masks
from dsr_fast.dsr import DSR
from dsr_fast.engine import GraphedStep
from dsr_fast.primitives import hash_keys, count_ops
from dsr_fast.reference import dsr_step_ref

def resnet50_dense(name, m): return name == 'conv1' or 'downsample' in name

def threshold_for(masks, n):
    "A threshold under which about `n` active weights fall."
    w = torch.cat([x.detach().abs()[m].flatten() for x, m in zip(masks.weights, masks.masks)]).cpu()
    return float(w.kthvalue(n).values)

def vm(key):
    "A memory figure of this process from /proc/self/status, in bytes."
    return next(int(l.split()[1]) * 1024 for l in open('/proc/self/status') if l.startswith(key + ':'))

def reset_peak_rss():
    "Make the kernel's peak resident size (VmHWM) start again from the current one (Linux >= 4.0)."
    with open('/proc/self/clear_refs', 'w') as f: f.write('5')

def sync(dev):
    if dev.type == 'cuda': torch.cuda.synchronize()

def time_fast(dsr, dev, repeats):
    times = []
    for _ in range(repeats):
        sync(dev); t = time.perf_counter()
        dsr.step()
        sync(dev); times.append(time.perf_counter() - t)
    return times

@call_parse
def main(device:str='cpu', # cpu or cuda
         repeats:int=5, # timed fast steps
         seed:int=0, # weights, masks and keys
         n_prune:int=400_000, # N_p
         skip_reference:bool=False, # only time the fast step
         chunk:int=2**20, # most positions ranked at once when growing (`Reallocator.chunk`)
         memory_only:bool=False, # only measure the memory of one step (what the child process does)
         select:str='sort', # how growth ranks positions: sort | radix (`Reallocator.select`)
         rank_all:bool=False, # rank every position (no CPU shortcut: `rank_few = False`), as on a GPU
        ):
    "Time one reallocation step on ResNet-50 at sparsity 0.9."
    dev = torch.device(device)
    torch.manual_seed(seed)
    model = resnet50_model()
    masks = Masks(model, 0.9, dense=resnet50_dense, seed=seed)
    n_sparse = sum(masks.sizes)
    H = threshold_for(masks, n_prune)
    if memory_only:
        dsr = DSR(masks, n_prune, h_init=H, seed=seed, chunk=chunk, select=select)
        dsr.rank_few = not rank_all
        reset_peak_rss(); base = vm('VmRSS')
        dsr.step()
        return print(vm('VmHWM') - base)
    print(f"machine: {platform.processor() or platform.machine()}, {torch.get_num_threads()} torch threads, torch {torch.__version__}, device {dev}"
          + (f" ({torch.cuda.get_device_name(dev)})" if dev.type == 'cuda' else ''))
    print(f"ResNet-50: {len(masks)} sparse tensors, {n_sparse:,} sparse weights, budget {masks.budget:,}, N_p {n_prune:,}, H {H:.3g}")

    ref_w = [w.detach().clone() for w in masks.weights]
    ref_m = [m.clone() for m in masks.masks]
    model.to(dev)
    dsr = DSR(masks, n_prune, h_init=H, seed=seed, chunk=chunk, select=select)
    dsr.rank_few = not rank_all
    keys = hash_keys(seed, dsr.step_count.clone().cpu(), n_sparse)
    keys = [k.view(m.shape) for k, m in zip(keys.split(masks.sizes), ref_m)]

    if dev.type == 'cuda': torch.cuda.reset_peak_memory_stats(dev); base = torch.cuda.memory_allocated(dev)
    sync(dev); t = time.perf_counter()
    K = dsr.step()
    sync(dev); first = time.perf_counter() - t
    if dev.type == 'cuda': extra = torch.cuda.max_memory_allocated(dev) - base
    else:
        child = subprocess.run([sys.executable, __file__, '--memory-only', '--seed', str(seed), '--n-prune', str(n_prune), '--chunk', str(chunk), '--select', select] + ['--rank-all'] * rank_all,
                               env=dict(os.environ, MALLOC_MMAP_THRESHOLD_='65536'), capture_output=True, text=True, check=True)
        extra = int(child.stdout.split()[-1])
    few = dsr.rank_few and select == 'sort' and dev.type == 'cpu'
    print(f"growth ranks at most {chunk:,} positions at once ({len(dsr.groups)} group{'s' * (len(dsr.groups) > 1)} of tensors), by {select}"
          + (", only the free positions under a key bound (rank_few)" if few else ", every position"))
    print(f"fast step 1 (includes building per-device constants): {first*1e3:.1f} ms, K = {int(K):,}")
    print(f"peak extra memory of a step: {extra/2**20:.0f} MiB = {extra/n_sparse:.1f} bytes per sparse weight"
          f" ({'CUDA allocator peak' if dev.type == 'cuda' else 'peak resident size during a step minus the resident size before it, buffers mapped one by one'})")

    if not skip_reference:
        t = time.perf_counter()
        K_ref, H_ref, g_ref = dsr_step_ref(ref_w, ref_m, H, n_prune, keys=keys)
        ref_time = time.perf_counter() - t
        same = (K_ref == int(K)) and all(torch.equal(a.cpu(), b) for a, b in zip(masks.masks, ref_m)) and abs(H_ref - float(dsr.threshold)) <= 1e-6 * H_ref
        print(f"reference step (per-tensor loops, nonzero, numpy setdiff1d, on CPU): {ref_time:.2f} s, K = {K_ref:,}; same masks, K and H as the fast step: {same}")
        if not same: raise SystemExit("MISMATCH between the fast step and the reference")

    print(f"operations dispatched by one step (views left out): {count_ops(dsr.step)}")
    if dev.type == 'cuda':
        torch.cuda.set_sync_debug_mode('error')
        try: dsr.step()
        finally: torch.cuda.set_sync_debug_mode(0)
        print("no host synchronisation inside the step: torch.cuda.set_sync_debug_mode('error') passed")
    times = time_fast(dsr, dev, repeats)
    med = statistics.median(times)
    print(f"fast step, median of {repeats}: {med*1e3:.1f} ms (min {min(times)*1e3:.1f}, max {max(times)*1e3:.1f})")
    if not skip_reference: print(f"speed-up over the reference: {ref_time/med:.1f}x")
    if dev.type == 'cuda':   # the same step captured once as a CUDA graph (GraphedStep: a warm-up step, then capture + replay)
        step = GraphedStep(dsr); step(); step()
        times = []
        for _ in range(repeats):
            sync(dev); t = time.perf_counter(); step(); sync(dev); times.append(time.perf_counter() - t)
        print(f"CUDA graph replay (with the copies of K and counts out of the graph), median of {repeats}: {statistics.median(times)*1e3:.2f} ms"
              f" (min {min(times)*1e3:.2f}, max {max(times)*1e3:.2f})")
