"""An evaluation that can tell methods apart: every method of the registry at 90 / 95 / 98 % sparsity, several seeds,
on two tasks with more than 2,000 test samples each, all data made on the machine (no download).

    python benchmarks/evaluation.py --csv nbs/results/evaluation.csv              # every task, method, sparsity and seed
    python benchmarks/evaluation.py --tasks mnist1d_cnn --seeds 2 --csv /tmp/e.csv  # a part of it

Tasks (`TASKS`): the small CNN on MNIST-1D generated at 12,000 samples (9,600 to train, 2,400 to test), and
LeNet-300-100 with every layer sparse on scikit-learn's digits in MNIST's 28x28 layout, each image as six jittered
copies (8,628 to train, 2,154 to test; copies of an image stay on its side of the split). Each run is one
`dsr_fast.train.train` in a one-thread process (`train_many`), `--processes` at a time; a seed fixes the data, the
initial weights and the masks alike for every method, so that the differences between methods can be paired by seed.
`dsr+` is also run with RigL's share of the budget pruned per reallocation (`dsr+ np30`: N_p 30 % instead of 10 %).
Rows already in the CSV are not run again (`--csv` doubles as a checkpoint).
"""
import time, platform
import pandas as pd
from pathlib import Path
from fastcore.script import call_parse
from dsr_fast.train import train_many
from dsr_fast.engine import methods

TASKS = dict(
    mnist1d_cnn=dict(dataset='mnist1d', num_samples=12_000, arch='cnn', epochs=8, lr=1e-2),
    digits28_lenet=dict(dataset='digits', size=28, copies=6, arch='lenet', epochs=10, lr=0.1, opt='sgd', momentum=0.9, nesterov=True, dense=[]),   # (every layer sparse)
)
VARIANTS = {'dsr+ np30': dict(method='dsr+', n_prune_share=0.3)}   # named runs of a method with other settings

def jobs(tasks, names, sparsities, seeds):
    "One `train` keyword dict per (task, method, sparsity, seed), with the row keys it will be saved under."
    for sparsity in sparsities:                                     # (the sparsest first: where methods differ most)
        for task in tasks:
            for seed in seeds:
                for name in names:
                    kw = VARIANTS.get(name, dict(method=name))
                    yield dict(task=task, name=name, sparsity=sparsity, seed=seed), dict(TASKS[task], **kw, sparsity=sparsity, seed=seed)

@call_parse
def main(tasks:str=','.join(TASKS), # comma-separated tasks of TASKS
         names:str=None, # comma-separated methods or variants (default: every method of the registry, and the variants)
         sparsities:str='0.98,0.95,0.9', # comma-separated sparsities, run in this order
         seeds:int=5, # seeds 0 .. seeds-1
         processes:int=2, # runs at a time, one thread each
         csv:str=None): # the CSV to write (and to resume from)
    names = names.split(",") if names else list(methods) + list(VARIANTS)
    todo = list(jobs(tasks.split(','), names, [float(s) for s in sparsities.split(',')], range(seeds)))
    done = pd.read_csv(csv) if csv and Path(csv).exists() else pd.DataFrame(columns=['task', 'method', 'sparsity', 'seed'])
    have = set(zip(done.task, done.method, done.sparsity.round(4), done.seed))
    todo = [(k, kw) for k, kw in todo if (k['task'], k['name'], round(k['sparsity'], 4), k['seed']) not in have]
    print(f"{len(todo)} runs to make ({len(have)} in {csv}); {platform.machine()}, {processes} one-thread processes")
    rows = done.to_dict('records')
    for i in range(0, len(todo), 2 * processes):                   # (in small batches, each saved when it ends)
        batch, t = todo[i:i + 2 * processes], time.perf_counter()
        for (k, _), s in zip(batch, train_many([kw for _, kw in batch], processes)):
            rows.append(dict(task=k['task'], method=k['name'], sparsity=k['sparsity'], seed=k['seed'], accuracy=s['test_accuracy'], loss=s['test_loss']))
            print(f"{k['task']:15} {k['name']:10} {k['sparsity']:.2f} seed {k['seed']}: accuracy {s['test_accuracy']:.4f}")
        print(f"  ({time.perf_counter() - t:.0f} s for {len(batch)} runs)")
        if csv: pd.DataFrame(rows).to_csv(csv, index=False)
