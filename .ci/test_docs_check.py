#!/usr/bin/env python3
"Tests of the docs check: a clean notebook passes, and a notebook seeded with each defect fails with that defect named."
import json, sys, tempfile
from pathlib import Path
sys.path.insert(0, str(Path(__file__).parent))
from docs_check import check_notebook

def cell(kind, source, outputs=()):
    c = dict(cell_type=kind, id='x', metadata={}, source=source)
    if kind == 'code': c.update(execution_count=None, outputs=list(outputs))
    return c
def out_text(t, name='stdout'): return dict(output_type='stream', name=name, text=t)
def out_value(t): return dict(output_type='execute_result', execution_count=1, metadata={}, data={'text/plain': t})

def defects(*cells):
    with tempfile.TemporaryDirectory() as d:
        p = Path(d)/'page.ipynb'
        p.write_text(json.dumps(dict(cells=list(cells), metadata={}, nbformat=4, nbformat_minor=5)))
        return check_notebook(p)

clean = [cell('markdown', '# A page\n\nDSR prunes under a threshold (the paper\'s issue tracker is elsewhere).'),
         cell('code', '#| export\ndef f(x): return x'),
         cell('code', '#| hide\nimport os, tempfile\nd = "/tmp/scratch"\nd'),                   # hidden: not shown, not checked for output
         cell('code', 'x = f(2)\ntest_eq(x, 2)'),                                              # nothing to display
         cell('code', 'fig = plt.figure()\nplot_density();', [dict(output_type='display_data', metadata={}, data={'image/png': 'AAA', 'text/plain': '<Figure>'})]),
         cell('code', 'def show(): print("hi")'),                                              # a print inside a definition runs later
         cell('code', 'print(f(3))', [out_text('3\n')]),
         cell('code', 'f(3)', [out_value('3')]),
         cell('code', '#| eval: false\nablation_explorer(results)'),                            # not run: nothing to save
         cell('code', "df.to_csv('results/x.csv', index=False)")]
assert defects(*clean) == [], defects(*clean)

seeded = {
    'is not a notebook cell type': cell('md', '# a heading'),
    'a progress bar saved as text': cell('code', 'learn.fit(1)', [out_text('epoch  loss\n\rEpoch 1/1 : |███-----| 40.00% [2/5 00:00<00:01]\n0  0.5\n')]),
    'saved stderr': cell('code', 'f(1)', [out_value('1'), out_text('something went wrong\n', 'stderr')]),
    'a saved warning': cell('code', 'f(1)', [out_text('/x/y.py:3: FutureWarning: old\n')]),
    'a saved traceback': cell('code', 'f(1)', [dict(output_type='error', ename='ValueError', evalue='bad', traceback=['Traceback'])]),
    'a machine or temporary path': cell('code', "train(out='/tmp/runs')\nx = 1"),
    'path \'/work/': cell('code', 'f(1)', [out_text('wrote /work/main/nbs/out.png\n')]),
    "internal wording 'the issue'": cell('markdown', 'The steps take under the 3% the issue allows.'),
    "internal wording 'TODO'": cell('code', 'x = 1  # TODO: faster'),
    'no saved output, but its last line is an expression': cell('code', 'learn.dsr.masks'),
    'no saved output, but it calls plot_threshold': cell('code', 'learn.dsr.plot_threshold();'),
    'no saved output, but it calls summary': cell('code', 'print_me = 1\nmasks.summary()\nx = 2'),
    'no saved output, but it calls print': cell('code', 'for i in range(3): print(i)'),
}
for what, bad in seeded.items():
    found = defects(*clean, bad)
    assert len(found) == 1 and what in found[0], (what, found)
print(f"docs check tests: a clean page passes, {len(seeded)} seeded defects are each found")

from docs_check import without_bars
test = "█\repoch  train_loss\n█\r\rEpoch 1/2 : |---------| 0.00% [0/22 00:00<?]\rEpoch 1/2 : |██-------| 4.55% [1/22 00:00<00:02]\n0      2.30\n"
assert without_bars(test) == "epoch  train_loss\n0      2.30\n", repr(without_bars(test))
print("without_bars keeps the table and drops the bars")
