#!/usr/bin/env python3
"""Docs check: every docs notebook, as committed, shows what its prose promises and nothing a reader should not see.

Fails (exit 1, one line per defect) on:
- a saved warning, stderr stream or traceback in an output, or a progress bar saved as text;
- a machine or temporary path in shown code or in an output;
- internal wording in markdown, shown code or output;
- a displaying cell with no saved output: its last line is an expression (not ended by `;`, not a test or an
  assignment), or it calls a plot, summary or report, or it prints.

Usage: python .ci/docs_check.py [--fix] [NOTEBOOK ...]   (default: every nbs/*.ipynb; --fix takes progress bars out of saved text)
"""
import ast, json, re, sys
from pathlib import Path

PATH_RE = re.compile(r"(?<![\w.])(/tmp/|/work/|/home/|/root/|/Users/|/var/folders/|/private/var/|[A-Za-z]:\\\\Users\\\\)|site-packages|/tmp[a-z0-9_]{8}|\btmp[a-z0-9_]{8}\b")
INTERNAL_RE = re.compile(r"\b(this|the) (issue|ticket|session|brief)('s)?\b(?! tracker)|\bissue #?\d+\b|\bTODO\b|\bFIXME\b|\bXXX\b|"
                         r"\b(written|generated|made) by (an? )?(AI|assistant|agent|language model|LLM)\b|\bClaude\b|\bthe user asked\b", re.I)
BAR_RE = re.compile(r"█|\|-{5,}\||\d+\.\d+% \[\d+/\d+")
WARN_RE = re.compile(r"\b\w*Warning: |Traceback \(most recent call last\)")
NO_DISPLAY_CALLS = {'test_eq', 'test_ne', 'test_close', 'test_fail', 'test_is', 'test_warns', 'test_stdout', 'test_shuffled',
                    'test_eq_type', 'test', 'show_doc', 'set_seed', 'nbdev_export', 'filterwarnings',
                    'to_csv', 'to_json', 'to_parquet', 'savefig', 'write_text', 'write_bytes', 'close'}   # (calls that return None)
DIRECTIVE_RE = re.compile(r"^\s*#\|\s*(\w[\w-]*)(.*)$")

def directives(source):
    "The `#|` directives of a cell as {name: args}."
    return {m.group(1): m.group(2).strip().lstrip(':').strip() for l in source.splitlines() if (m := DIRECTIVE_RE.match(l))}

def is_hidden(d): return 'hide' in d or 'exporti' in d or d.get('echo', '') == 'false' and d.get('output', '') == 'false'
def shows_code(d): return not is_hidden(d) and d.get('echo', 'true') != 'false'

def _call_name(node):
    f = node.func
    if isinstance(f, ast.Name): return f.id
    if isinstance(f, ast.Attribute):
        base = f.value.id if isinstance(f.value, ast.Name) else ''
        return f"{base}.{f.attr}" if base else f.attr
    return ''

SHOW_NAMES = re.compile(r"^(plot\w*|show_results|show_batch|summary|report|\w+_report|print|display|show)$")

def _top_calls(stmts):
    "Calls made by statements that run when the cell runs (not inside a function or class definition)."
    for s in stmts:
        if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)): continue
        for node in ast.iter_child_nodes(s):
            if isinstance(node, ast.stmt): yield from _top_calls([node])
            else:
                for n in ast.walk(node):
                    if isinstance(n, ast.Call): yield n
        if isinstance(s, ast.Expr) and isinstance(s.value, ast.Call): yield s.value

def displays(source):
    "Why a cell displays something (a short reason), or None: last line an expression, or a plot/summary/report/print call."
    code = '\n'.join(l for l in source.splitlines() if not l.lstrip().startswith(('#|', '%', '!')))
    try: tree = ast.parse(code)
    except SyntaxError: return None
    if not tree.body: return None
    last = tree.body[-1]
    if isinstance(last, ast.Expr) and not code.rstrip().endswith(';') and not isinstance(last.value, ast.Constant):
        name = _call_name(last.value).split('.')[-1] if isinstance(last.value, ast.Call) else ''
        if not (name in NO_DISPLAY_CALLS or name.startswith('test')): return 'its last line is an expression'
    for call in _top_calls(tree.body):
        name = _call_name(call).split('.')[-1]
        if SHOW_NAMES.match(name): return f"it calls {name}"
    return None

def without_bars(text):
    "`text` as a terminal shows it once done (each line's last carriage-return segment), progress-bar lines left out."
    lines = [l.split('\r')[-1] if l.split('\r')[-1].strip() else next((x for x in reversed(l.split('\r')) if x.strip()), '') for l in text.split('\n')]
    return '\n'.join(l for l in lines if not BAR_RE.search(l)).replace('█', '')

def output_text(o):
    if o.get('output_type') == 'stream': return ''.join(o.get('text', ''))
    if o.get('output_type') == 'error': return '\n'.join(o.get('traceback', []))
    data = o.get('data', {})
    return ''.join(data.get('text/plain', '')) + ''.join(data.get('text/markdown', '')) + ''.join(data.get('text/html', ''))

def check_notebook(path):
    "The defects of one notebook, as strings 'path cell N: what'."
    nb, out = json.loads(Path(path).read_text()), []
    name = Path(path).name
    for i, c in enumerate(nb['cells']):
        src = ''.join(c['source'])
        where = f"{name} cell {i}"
        if c['cell_type'] not in ('markdown', 'code', 'raw'):
            out.append(f"{where}: cell type {c['cell_type']!r} is not a notebook cell type (markdown, code or raw): Jupyter cannot open the page")
            continue
        if c['cell_type'] == 'markdown':
            if m := INTERNAL_RE.search(src): out.append(f"{where}: internal wording {m.group(0)!r} in the text")
            continue
        if c['cell_type'] != 'code': continue
        d = directives(src)
        if d and set(d) <= {'default_exp'}: continue
        shown = shows_code(d)
        if shown:
            body = '\n'.join(l for l in src.splitlines() if not DIRECTIVE_RE.match(l))
            if m := PATH_RE.search(body): out.append(f"{where}: a machine or temporary path {m.group(0)!r} in shown code")
            if m := INTERNAL_RE.search(body): out.append(f"{where}: internal wording {m.group(0)!r} in shown code")
        outs = c.get('outputs', [])
        for o in outs:
            t = output_text(o)
            if o.get('output_type') == 'error': out.append(f"{where}: a saved traceback ({o.get('ename')})")
            elif o.get('output_type') == 'stream' and o.get('name') == 'stderr': out.append(f"{where}: saved stderr: {t.strip()[:80]!r}")
            elif WARN_RE.search(t): out.append(f"{where}: a saved warning or traceback: {WARN_RE.search(t).group(0)!r}")
            if o.get('output_type') == 'stream' and BAR_RE.search(t): out.append(f"{where}: a progress bar saved as text (run `python .ci/docs_check.py --fix`)")
            if not is_hidden(d):
                if m := PATH_RE.search(t): out.append(f"{where}: a machine or temporary path {m.group(0)!r} in the output")
                if m := INTERNAL_RE.search(t): out.append(f"{where}: internal wording {m.group(0)!r} in the output")
        if is_hidden(d) or 'export' in d or d.get('output', '') == 'false' or d.get('eval', '') == 'false': continue
        if not outs and (why := displays(src)): out.append(f"{where}: no saved output, but {why}")
    return out

def fix_bars(path):
    "Rewrite the notebook at `path` with progress bars taken out of its saved text outputs; the number of outputs changed."
    nb, n = json.loads(Path(path).read_text()), 0
    for c in nb['cells']:
        for o in c.get('outputs', []):
            if o.get('output_type') == 'stream' and BAR_RE.search(t := ''.join(o['text'])):
                o['text'] = without_bars(t); n += 1
        c['outputs'] = [o for o in c.get('outputs', []) if not (o.get('output_type') == 'stream' and not ''.join(o['text']).strip())] if c['cell_type'] == 'code' else c.get('outputs')
        if c['cell_type'] != 'code': c.pop('outputs', None)
    if n: Path(path).write_text(json.dumps(nb, indent=1, ensure_ascii=False) + '\n')
    return n

def main(paths):
    fix = '--fix' in paths
    paths = [p for p in paths if p != '--fix']
    paths = paths or sorted(str(p) for p in Path(__file__).resolve().parent.parent.glob('nbs/*.ipynb'))
    if fix:
        for p in paths:
            if n := fix_bars(p): print(f"{Path(p).name}: progress bars taken out of {n} output(s)")
    defects = [d for p in paths for d in check_notebook(p)]
    for d in defects: print(d)
    print(f"docs check: {len(defects)} defect(s) in {len(paths)} notebook(s)")
    return 1 if defects else 0

if __name__ == '__main__': sys.exit(main(sys.argv[1:]))
