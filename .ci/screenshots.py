#!/usr/bin/env python3
"""Look at the docs as a reader does: every processed notebook (`nbdev-proc-nbs` output in _proc/) as HTML (nbconvert),
photographed at the docs page width in headless Chromium. Not run by CI (it needs a browser).

Usage: python .ci/screenshots.py OUT_DIR [NOTEBOOK_NAME ...]   (with nbconvert and playwright installed, and Chromium)
"""
import sys
from pathlib import Path

root = Path(__file__).resolve().parent.parent
out = Path(sys.argv[1]); out.mkdir(parents=True, exist_ok=True)
names = sys.argv[2:]
nbs = sorted(p for p in (root/'_proc').glob('*.ipynb') if not names or p.stem in names)
html = root/'_proc'                                   # (beside the notebooks, so that images/ and results/ resolve)
import json, nbformat
from nbconvert import HTMLExporter
exporter = HTMLExporter(template_name='lab')
for nb in nbs:
    d = json.loads(nb.read_text())
    for c in d['cells']:
        c['metadata'] = {}                                   # (nbdev's processing leaves metadata nbformat does not validate)
        if c['cell_type'] == 'code': c.setdefault('execution_count', None); c.setdefault('outputs', [])
    body, _ = exporter.from_notebook_node(nbformat.reads(json.dumps(d), as_version=4))
    (html/f'{nb.stem}.shot.html').write_text(body)
from playwright.sync_api import sync_playwright
with sync_playwright() as p:
    browser = p.chromium.launch(executable_path='/usr/bin/chromium', args=['--no-sandbox', '--disable-gpu', '--disable-background-networking'])
    page = browser.new_page(viewport=dict(width=1000, height=1200))
    for nb in nbs:
        page.goto((html/f'{nb.stem}.shot.html').as_uri())
        page.wait_for_timeout(300)
        page.screenshot(path=str(out/f'{nb.stem}.png'), full_page=True)
        print(out/f'{nb.stem}.png')
    browser.close()
for f in html.glob('*.shot.html'): f.unlink()
