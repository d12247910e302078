#!/usr/bin/env python3
"""The ablation explorer in a real browser: JupyterLab, headless Chromium; changing the study menu must change the figure.

Not run by CI (it needs Chromium and a Python with jupyterlab, ipywidgets and playwright).
Usage: python .ci/explorer_check.py SCREENSHOT_DIR   (run with that Python; the kernel is the project's .venv)
"""
import json, os, socket, subprocess, sys, tempfile, time, hashlib
from pathlib import Path

root = Path(__file__).resolve().parent.parent
shots = Path(sys.argv[1]); shots.mkdir(parents=True, exist_ok=True)
work = Path(tempfile.mkdtemp())
subprocess.run([str(root/'.venv'/'bin'/'python'), '-m', 'ipykernel', 'install', '--prefix', str(work/'k'), '--name', 'dsr_fast'], check=True, capture_output=True)
nb = dict(nbformat=4, nbformat_minor=5, metadata=dict(kernelspec=dict(name='dsr_fast', display_name='dsr_fast', language='python')), cells=[
    dict(cell_type='code', id='a', metadata={}, execution_count=None, outputs=[], source=
         f"from dsr_fast.all import *\nimport pandas as pd\nresults = pd.read_csv({str(root/'nbs'/'results'/'ablations.csv')!r})\nablation_explorer(results)")])
(work/'explorer.ipynb').write_text(json.dumps(nb))
with socket.socket() as s: s.bind(('127.0.0.1', 0)); port = s.getsockname()[1]
env = dict(os.environ, JUPYTER_PATH=str(work/'k'/'share'/'jupyter'), MPLBACKEND='module://matplotlib_inline.backend_inline')
lab = subprocess.Popen([sys.executable, '-m', 'jupyter', 'lab', '--no-browser', f'--port={port}', '--allow-root', '--IdentityProvider.token=',
                        '--ServerApp.password=', f'--ServerApp.root_dir={work}'], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
try:
    time.sleep(8)
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path='/usr/bin/chromium', args=['--no-sandbox', '--disable-gpu', '--disable-background-networking'])
        page = browser.new_page(viewport=dict(width=1300, height=1100))
        page.goto(f'http://127.0.0.1:{port}/lab/tree/explorer.ipynb')
        page.wait_for_selector('.jp-Notebook .jp-Cell', timeout=60000); time.sleep(5)
        page.click('.jp-Notebook .jp-Cell .jp-InputArea-editor'); page.keyboard.press('Shift+Enter')
        page.wait_for_selector('.widget-dropdown select', timeout=120000)
        page.wait_for_selector('.jp-OutputArea-output img', timeout=120000); time.sleep(2)
        figure = lambda: hashlib.md5(page.locator('.jp-OutputArea-output img').first.get_attribute('src').encode()).hexdigest()
        before = figure(); page.screenshot(path=str(shots/'explorer_1.png'))
        page.locator('.widget-dropdown select').first.select_option(label='N_p'); time.sleep(6)
        after = figure(); page.screenshot(path=str(shots/'explorer_2.png'))
        browser.close()
    print(f"figure changed when the study changed: {before != after}")
    sys.exit(0 if before != after else 1)
finally:
    lab.terminate()
