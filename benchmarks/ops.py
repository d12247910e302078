"""Operations dispatched by one reallocation step (every non-view aten op: one kernel launch each on a GPU), for DSR
and each baseline, on 10, 100 and 1,000 Linear(64, 64) layers and on ResNet-50, sparsity 0.9, all layers sparse.
The count is that of the second step (the first builds per-device constants); it does not depend on the data. It
counts the step as it runs on a GPU (`rank_few = False`: the CPU's growth shortcut, which reads a count back to
the host, is left out).

    python benchmarks/ops.py [--layers 10,100,1000] [--resnet50]
"""
import argparse, torch, torch.nn as nn
from dsr_fast.masks import Masks
from dsr_fast.models import resnet50_model
from dsr_fast.dsr import DSR
from dsr_fast.primitives import count_ops
from dsr_fast.baselines import SET, RigL, SNFS, DeepR, Prune

def reallocator(method, masks):
    "A reallocator of `method` on `masks`, with what it reads (gradients, momentum, signs, target) in place."
    if method == 'dsr': return DSR(masks, n_prune=max(1, masks.budget // 10), h_init=0.05)
    if method == 'set': return SET(masks)
    if method == 'rigl':
        r = RigL(masks)
        for w in masks.weights: w.grad = torch.randn_like(w)
        r.save_grads(); return r
    if method == 'snfs':
        r = SNFS(masks); r.scores = masks.reduce([torch.randn_like(w) for w in masks.weights]); return r
    if method == 'deepr':
        r = DeepR(masks); r.save_signs()
        with torch.no_grad():
            for w in masks.weights: w.add_(torch.randn_like(w) * 0.05)
        return r
    r = Prune(masks); r.target = 0.95; return r

def ops(model, method):
    "Ops of one step of `method` on `model`, and the number of sparse tensors and growth groups."
    torch.manual_seed(0)
    r = reallocator(method, Masks(model, 0.9, dense=()))
    r.rank_few = False                                   # the step as on a GPU: every position ranked, no host read
    r.step()
    if method == 'prune': r.target = 0.97
    return count_ops(r.step), len(r.masks), len(r.groups)

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--layers', default='10,100,1000'); p.add_argument('--resnet50', action='store_true')
    p.add_argument('--csv', default=None, help='also write the table to this CSV file')
    a = p.parse_args()
    methods = ('dsr', 'set', 'rigl', 'snfs', 'deepr', 'prune')
    models = [(f'{n} x Linear(64, 64)', lambda n=int(n): nn.Sequential(*[nn.Linear(64, 64, bias=False) for _ in range(n)])) for n in a.layers.split(',')]
    if a.resnet50: models.append(('ResNet-50', resnet50_model))
    print(f"{'model':<22}{'tensors':>8}{'groups':>7}" + ''.join(f'{m:>8}' for m in methods))
    rows = []
    for name, make in models:
        res = [ops(make(), m) for m in methods]
        print(f"{name:<22}{res[0][1]:>8}{res[0][2]:>7}" + ''.join(f'{n:>8,}' for n, _, _ in res))
        rows.append(dict(model=name, tensors=res[0][1], groups=res[0][2], **{m: n for m, (n, _, _) in zip(methods, res)}))
    if a.csv:
        import pandas as pd
        pd.DataFrame(rows).to_csv(a.csv, index=False)
