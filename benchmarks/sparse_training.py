"""Truly sparse training (`storage='csr'`) against the masked path: step time, memory, reallocation time, a network
whose dense form does not fit in memory, and accuracy.

    python benchmarks/sparse_training.py --part layer      # one Linear 4096x4096: forward + backward + update, 90-99 %, batch 1/32/256
    python benchmarks/sparse_training.py --part crossover  # the same layer from 50 % to 90 %: where CSR starts to win
    python benchmarks/sparse_training.py --part mlp        # 784-4096-4096-4096-10 with DSR: a whole training step with sp.step()
    python benchmarks/sparse_training.py --part memory     # bytes per non-zero and per dense position, counted from the live tensors
    python benchmarks/sparse_training.py --part realloc    # one DSR reallocation at 1 M / 10 M / 100 M non-zeros
    python benchmarks/sparse_training.py --part headline   # 1024-65536-65536-10 (4.36 B dense weights) at 99.5 % with DSR, peak RSS
    python benchmarks/sparse_training.py --part accuracy   # DSR and RigL at 98 %, LeNet-300-100 on the 28x28 digits (recipe lenet_digits28), csr against masked, 3 seeds

Each part prints its figures and, with --csv DIR, writes DIR/sparse_training_<part>.csv. Timings are medians of
--repeats steps after one warm-up step, on the CPU with --threads torch threads (default: all). SparseProp's
`SparseLinear` (`pip install sparseprop`) is timed beside the layer when it is installed; it is never a dependency.
"""
import os, sys, time, math, platform, resource, statistics
import torch, torch.nn as nn
import pandas as pd
from fastcore.script import call_parse
from dsr_fast.sparsifier import Sparsifier

def median_ms(f, repeats):
    "Median wall time of `f()` in ms over `repeats` calls, after one warm-up call."
    f()
    ts = []
    for _ in range(repeats):
        t = time.perf_counter(); f(); ts.append(time.perf_counter() - t)
    return statistics.median(ts) * 1e3

def peak_rss_gib(): return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20

def masked_step(layer, mask, x, dy, opt):
    "One step of a masked dense layer as the masked path runs it: forward, backward of the output gradient `dy`, masked gradient, update, re-mask."
    def f():
        opt.zero_grad(set_to_none=False)
        layer(x).backward(dy)
        layer.weight.grad.mul_(mask); opt.step()
        with torch.no_grad(): layer.weight.mul_(mask)
    return f

def plain_step(layer, x, dy, opt):
    "One step of a layer: forward, backward of the output gradient `dy` (a random one, as a network's is: not the constant of `.sum()`), update."
    def f():
        opt.zero_grad(set_to_none=False); layer(x).backward(dy); opt.step()
    return f

def sparseprop_layer(dense):
    "SparseProp's SparseLinear of the masked `dense` layer, or None where sparseprop is not installed."
    try: from sparseprop.modules import SparseLinear
    except ImportError: return None
    return SparseLinear(dense.weight.detach().clone(), nn.Parameter(dense.bias.detach().clone()))

def part_layer(repeats, seed):
    rows = []
    for s in (0.9, 0.95, 0.98, 0.99):
        torch.manual_seed(seed)
        dense = nn.Linear(4096, 4096)
        mask = torch.rand(4096, 4096) >= s
        with torch.no_grad(): dense.weight.mul_(mask)
        sparse = nn.Sequential(nn.Linear(4096, 4096)); sparse[0].load_state_dict(dense.state_dict())
        sparse[0].register_buffer('weight_mask', mask)
        o_csr = torch.optim.SGD(sparse.parameters(), lr=1e-3, momentum=0.9)
        Sparsifier(sparse, o_csr, 'static', s, dense=(), storage='csr')   # its masks: the ones registered
        o_dense = torch.optim.SGD(dense.parameters(), lr=1e-3, momentum=0.9)
        peer = sparseprop_layer(dense)
        o_peer = torch.optim.SGD(peer.parameters(), lr=1e-3, momentum=0.9) if peer is not None else None
        for bs in (1, 32, 256):
            x, dy = torch.randn(bs, 4096, requires_grad=True), torch.randn(bs, 4096)
            m_ms = median_ms(masked_step(dense, mask, x, dy, o_dense), repeats)
            c_ms = median_ms(plain_step(sparse, x, dy, o_csr), repeats)
            p_ms = median_ms(plain_step(peer, x, dy, o_peer), repeats) if peer is not None else float('nan')
            rows.append(dict(sparsity=s, batch=bs, masked_ms=m_ms, csr_ms=c_ms, sparseprop_ms=p_ms, speedup=m_ms / c_ms))
            print(f"sparsity {s:.0%} batch {bs:>3}: masked {m_ms:7.1f} ms  csr {c_ms:7.1f} ms ({m_ms / c_ms:4.1f}x)"
                  + (f"  sparseprop {p_ms:7.1f} ms" if peer is not None else ''), flush=True)
    if sparseprop_layer(nn.Linear(2, 2)) is None: print("sparseprop is not installed here: its column is empty (pip install sparseprop)")
    return rows

def part_crossover(repeats, seed):
    "The sparsity below which a masked dense layer is faster: one Linear 4096x4096, forward + backward + update, from 50 % to 90 %."
    rows = []
    for s in (0.5, 0.6, 0.7, 0.8, 0.9):
        torch.manual_seed(seed)
        dense = nn.Linear(4096, 4096)
        mask = torch.rand(4096, 4096) >= s
        with torch.no_grad(): dense.weight.mul_(mask)
        sparse = nn.Sequential(nn.Linear(4096, 4096)); sparse[0].load_state_dict(dense.state_dict()); sparse[0].register_buffer('weight_mask', mask)
        o_csr = torch.optim.SGD(sparse.parameters(), lr=1e-3, momentum=0.9)
        Sparsifier(sparse, o_csr, 'static', s, dense=(), storage='csr')
        o_dense = torch.optim.SGD(dense.parameters(), lr=1e-3, momentum=0.9)
        for bs in (1, 256):
            x, dy = torch.randn(bs, 4096, requires_grad=True), torch.randn(bs, 4096)
            m_ms, c_ms = median_ms(masked_step(dense, mask, x, dy, o_dense), repeats), median_ms(plain_step(sparse, x, dy, o_csr), repeats)
            rows.append(dict(sparsity=s, batch=bs, masked_ms=m_ms, csr_ms=c_ms, speedup=m_ms / c_ms))
            print(f"sparsity {s:.0%} batch {bs:>3}: masked {m_ms:7.1f} ms  csr {c_ms:7.1f} ms ({m_ms / c_ms:4.2f}x)", flush=True)
    for bs in (1, 256):
        slower = [r['sparsity'] for r in rows if r['batch'] == bs and r['speedup'] < 1]
        print(f"batch {bs}: " + (f"CSR is slower up to {max(slower):.0%} sparsity and faster above" if slower else "CSR is faster at every sparsity measured (50 % and up)"))
    return rows

def mlp(): return nn.Sequential(nn.Linear(784, 4096), nn.ReLU(), nn.Linear(4096, 4096), nn.ReLU(), nn.Linear(4096, 4096), nn.ReLU(), nn.Linear(4096, 10))

def train_step(model, opt, sp, x, y):
    def f():
        opt.zero_grad(); nn.functional.cross_entropy(model(x), y).backward(); opt.step(); sp.step()
    return f

def part_mlp(repeats, seed, period=10):
    rows = []
    for s in (0.9, 0.95, 0.98, 0.99):
        for bs in (1, 32, 256):
            x, y, res = torch.randn(bs, 784), torch.randint(0, 10, (bs,)), {}
            for storage in ('masked', 'csr'):
                torch.manual_seed(seed)
                m = mlp(); o = torch.optim.SGD(m.parameters(), lr=1e-3, momentum=0.9)
                sp = Sparsifier(m, o, 'dsr', s, period=period, dense=(), storage=storage)
                n = max(repeats, 2 * period)                                  # every timed run holds reallocations
                res[storage] = mean_ms(train_step(m, o, sp, x, y), n)
                res[storage + '_reallocations'] = len(sp.history)
            rows.append(dict(sparsity=s, batch=bs, masked_ms=res['masked'], csr_ms=res['csr'], speedup=res['masked'] / res['csr'],
                             reallocations=res['csr_reallocations']))
            print(f"sparsity {s:.0%} batch {bs:>3}: masked {res['masked']:7.1f} ms  csr {res['csr']:7.1f} ms per training step "
                  f"({res['masked'] / res['csr']:4.1f}x), DSR reallocating every {period} steps", flush=True)
    return rows

def mean_ms(f, n):
    "Mean wall time of `f()` in ms over `n` calls after one warm-up call: reallocation steps included at their share."
    f()
    t = time.perf_counter()
    for _ in range(n): f()
    return (time.perf_counter() - t) / n * 1e3

def tensor_bytes(ts): return sum(t.numel() * t.element_size() for t in ts if t is not None)

def part_memory(seed, sparsity=0.98):
    "Bytes of everything a training step keeps per weight tensor (weights or values, gradients, momentum, masks or indices), counted from the live tensors after an update, before `sp.step()`."
    rows = []
    for storage in ('masked', 'csr'):
        torch.manual_seed(seed)
        m = mlp(); o = torch.optim.SGD(m.parameters(), lr=1e-3, momentum=0.9)
        sp = Sparsifier(m, o, 'dsr', sparsity, period=1, dense=(), storage=storage)
        for _ in range(2): train_step(m, o, sp, torch.randn(32, 784), torch.randint(0, 10, (32,)))()   # (two reallocations: the layouts have moved)
        o.zero_grad(); nn.functional.cross_entropy(m(torch.randn(32, 784)), torch.randint(0, 10, (32,))).backward(); o.step()   # counted here: gradients alive
        ps = sp.masks.params
        held = tensor_bytes(ps) + tensor_bytes([p.grad for p in ps]) + tensor_bytes([v for p in ps for v in o.state[p].values() if torch.is_tensor(v)])
        if storage == 'masked': held += tensor_bytes(sp.masks.buffers)
        else: held += tensor_bytes([b for l in sp.masks.layers for b in l.buffers()])
        nnz, dense = sp.masks.budget, sum(sp.masks.numels)
        rows.append(dict(storage=storage, sparsity=sparsity, nonzeros=nnz, dense_positions=dense, bytes=held,
                         bytes_per_nonzero=held / nnz, bytes_per_dense_position=held / dense))
        print(f"{storage:>6}: {held / 2**20:8.1f} MiB for {nnz:,} non-zeros of {dense:,} positions: "
              f"{held / nnz:6.1f} bytes per non-zero, {held / dense:6.3f} per dense position (SGD with momentum, after an update)")
    return rows

def part_realloc(seed, repeats=3):
    rows = []
    for nnz, side in ((1_000_000, 10_000), (10_000_000, 31_623), (100_000_000, 100_000)):
        torch.manual_seed(seed)
        s = 1 - nnz / side**2
        with torch.device('meta'): m = nn.Sequential(nn.Linear(side, side, bias=False))
        o = torch.optim.SGD(m.parameters(), lr=1e-3, momentum=0.9)
        t = time.perf_counter()
        sp = Sparsifier(m, o, 'dsr', s, period=1, dense=(), storage='csr')
        build = time.perf_counter() - t
        for p in sp.masks.params: o.state[p]['momentum_buffer'] = torch.zeros_like(p)
        times, Ks = [], []
        for _ in range(repeats):
            sp.before_update(); t = time.perf_counter(); K = sp.step(); times.append(time.perf_counter() - t); Ks.append(int(K))
        med = statistics.median(times)
        rows.append(dict(nonzeros=sp.masks.budget, shape=f'{side}x{side}', build_s=build, realloc_s=med, pruned_and_grown=Ks[-1], peak_rss_gib=peak_rss_gib()))
        print(f"{sp.masks.budget:>12,} non-zeros in {side:,}x{side:,}: built in {build:.1f} s, one DSR reallocation {med:.2f} s "
              f"(median of {repeats}; K = {Ks[-1]:,} pruned and regrown), peak RSS so far {peak_rss_gib():.2f} GiB", flush=True)
        del m, o, sp
    return rows

def part_headline(seed, steps=20, period=10, bs=64):
    torch.manual_seed(seed)
    t = time.perf_counter()
    with torch.device('meta'): net = nn.Sequential(nn.Linear(1024, 65536), nn.ReLU(), nn.Linear(65536, 65536), nn.ReLU(), nn.Linear(65536, 10))
    dense = sum(p.numel() for p in net.parameters() if p.ndim == 2)
    opt = torch.optim.SGD(net.parameters(), lr=0.05, momentum=0.9)
    sp = Sparsifier(net, opt, 'dsr', 0.995, period=period, dense=(), storage='csr')
    print(f"{dense:,} dense weights ({dense * 4 / 1e9:.1f} GB as fp32 weights alone; masked training keeps ~13 bytes per position: {dense * 13 / 1e9:.0f} GB); "
          f"built on the meta device in {time.perf_counter() - t:.1f} s: {sp}")
    teacher = torch.randn(1024, 10, generator=torch.Generator().manual_seed(seed))
    rows = []
    for i in range(steps):
        x = torch.randn(bs, 1024); y = (x @ teacher).argmax(1)
        t = time.perf_counter()
        opt.zero_grad(); loss = nn.functional.cross_entropy(net(x), y); loss.backward(); opt.step(); K = sp.step()
        rows.append(dict(step=i + 1, loss=loss.item(), seconds=time.perf_counter() - t, K=None if K is None else int(K), peak_rss_gib=peak_rss_gib()))
        print(f"step {i + 1:>2}: loss {loss.item():.4f}, {rows[-1]['seconds']:.2f} s" + ('' if K is None else f", DSR reallocated {int(K):,} weights")
              + f", peak RSS {peak_rss_gib():.2f} GiB", flush=True)
    print(sp.summary())
    print(f"peak resident memory of the whole process: {peak_rss_gib():.2f} GiB")
    return rows

def part_accuracy(csv=None, seeds=3, sparsity=0.98, epochs=30, methods=('dsr', 'rigl')):
    "DSR and RigL at `sparsity`, masked against CSR storage, in the regime of the recipe lenet_digits28 (the study 'Accuracy at extreme sparsity'); runs already in `csv` are kept, each new one is written as it ends."
    from dsr_fast.train import train
    path = os.path.join(csv, 'sparse_training_accuracy.csv') if csv else None
    rows = pd.read_csv(path).to_dict('records') if path and os.path.exists(path) else []
    for method in methods:
        for storage in ('masked', 'csr'):
            for seed in range(seeds):
                if any(r['method'] == method and r['storage'] == storage and r['seed'] == seed for r in rows): continue
                t = time.perf_counter()
                learn, summary = train('digits', 'lenet', method, sparsity, epochs=epochs, lr=0.1, seed=seed, opt='sgd', nesterov=True, size=28, copies=5,
                                       dense=(), storage=storage, show_progress=False, out=os.devnull)
                rows.append(dict(method=method, storage=storage, seed=seed, sparsity=sparsity, epochs=epochs, accuracy=summary['test_accuracy'],
                                 seconds=time.perf_counter() - t))
                print(f"{method:>4} {storage:>6} seed {seed}: accuracy {summary['test_accuracy']:.4f} ({rows[-1]['seconds']:.0f} s)", flush=True)
                if path: pd.DataFrame(rows).to_csv(path, index=False)
    df = pd.DataFrame(rows)
    print(df.groupby(['method', 'storage']).accuracy.agg(['mean', 'std', 'count']).round(4))
    return rows

@call_parse
def main(part:str='mlp',    # layer, crossover, mlp, memory, realloc, headline or accuracy
         repeats:int=10,    # timed steps per figure
         seed:int=0,        # weights, masks and data
         threads:int=0,     # torch threads (0: all)
         seeds:int=3,       # seeds per method and storage (--part accuracy)
         csv:str=None):     # a folder to write sparse_training_<part>.csv in
    if threads: torch.set_num_threads(threads)
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, {torch.get_num_threads()} torch threads, torch {torch.__version__}, seed {seed}")
    runs = dict(layer=lambda: part_layer(repeats, seed), crossover=lambda: part_crossover(repeats, seed), mlp=lambda: part_mlp(repeats, seed), memory=lambda: part_memory(seed),
                realloc=lambda: part_realloc(seed), headline=lambda: part_headline(seed), accuracy=lambda: part_accuracy(csv, seeds))
    if part not in runs: raise SystemExit(f"unknown part {part!r}: choose one of {', '.join(runs)}")
    rows = runs[part]()
    if csv: os.makedirs(csv, exist_ok=True); pd.DataFrame(rows).to_csv(os.path.join(csv, f'sparse_training_{part}.csv'), index=False)
