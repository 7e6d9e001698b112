"""Renders one chart of a notebook's HTML export to PNG with headless Chromium.

    environment/run-notebooks.sh --html /tmp/nbhtml notebooks/NN-name.ipynb
    python3 notebooks/images/render-chart.py /tmp/nbhtml/NN-name.html INDEX notebooks/images/NN-name.png [WIDTH HEIGHT]

INDEX is the chart's 1-based position among the page's charts (zspk-chart-N); the page is cut down to plotly.js
(inlined, offline) plus that chart. Images in this folder: 00 chart 1, 01 chart 6 (prior predictive check),
02 chart 2 (shipped loss), 03 chart 3 (band with 2 samples), 04 chart 4 (diagnostic panel, 1110 x 910),
05 chart 1 (species profiles); default size 780 x 460.
"""
import re, sys, subprocess, tempfile, os, shutil
src=open(sys.argv[1]).read()
# plotly.js is inlined once, in the script tag ZeroShotPK.Notebooks marks with data-zspk-plotly.
m=re.search(r'<script type="text/javascript" data-zspk-plotly=', src)
start=m.start(); end=src.find('</script>', start)+9
plotly=src[start:end]
divs=[mm for mm in re.finditer(r'<div id="(zspk-chart-\d+)" data-zspk-chart="[^"]*"></div>\s*<script type="text/javascript">.*?</script>', src, flags=re.S)]
k=int(sys.argv[2]); block=divs[k-1].group(0)
w=int(sys.argv[4]) if len(sys.argv)>4 else 780; h=int(sys.argv[5]) if len(sys.argv)>5 else 460
page=f'<!DOCTYPE html><html><head><meta charset="utf-8"></head><body style="margin:0;background:white">{plotly}{block}</body></html>'
d=tempfile.mkdtemp(); p=os.path.join(d,'c.html'); open(p,'w').write(page)
raw=os.path.join(d,'raw.png')
subprocess.run(['chromium','--headless','--no-sandbox','--disable-gpu','--disable-background-networking','--disable-component-update','--disable-sync','--no-first-run',f'--user-data-dir={tempfile.mkdtemp()}','--hide-scrollbars','--virtual-time-budget=5000',f'--screenshot={raw}',f'--window-size={w},{h}','file://'+p],check=True,capture_output=True)
# shrink with PIL if available, else copy
shutil.copy(raw, sys.argv[3])
print(sys.argv[3], os.path.getsize(sys.argv[3]), 'bytes;', len(divs), 'charts in page')
