"""Renders one chart of a committed notebook to PNG with headless Chromium, for the root README.

    python3 notebooks/images/render-chart.py notebooks/NN-name.ipynb CELL_ID notebooks/images/NN-name.png [K] [WIDTH HEIGHT]

It draws the static image that `environment/nbtool.py commit` stored in the chart output of cell CELL_ID (the K-th
chart of that cell, default 1), so the README shows exactly what the committed notebook shows, without re-running it.
Images in this folder: 00 `profiles`, 01 `check-chart` (prior predictive check), 02 `shipped-loss`, 03 `reveal` 3
(band with 2 samples), 04 `panel` (diagnostic panel, 1110 x 910), 05 `profiles` (species), 06 `predict`, 07 `real`
(real-drug Vss);
default size 780 x 460.
"""
import base64, json, os, re, shutil, subprocess, sys, tempfile

notebook, cell_id, out = sys.argv[1], sys.argv[2], sys.argv[3]
k = int(sys.argv[4]) if len(sys.argv) > 4 else 1
w = int(sys.argv[5]) if len(sys.argv) > 5 else 780
h = int(sys.argv[6]) if len(sys.argv) > 6 else 460
cells = [c for c in json.load(open(notebook))["cells"] if c.get("id") == cell_id]
if not cells:
    sys.exit(f"{notebook}: no cell with id '{cell_id}'")
html = "".join("".join(o.get("data", {}).get("text/html", "")) for o in cells[0].get("outputs", []))
images = re.findall(r"data:image/webp;base64,[A-Za-z0-9+/=]+", html)
if len(images) < k:
    sys.exit(f"{notebook}: cell '{cell_id}' has {len(images)} stored chart image(s), asked for number {k} (run nbtool.py commit first)")
d = tempfile.mkdtemp()
page = os.path.join(d, "c.html")
open(page, "w").write(f'<!DOCTYPE html><html><body style="margin:0;background:white"><img src="{images[k - 1]}"></body></html>')
raw = os.path.join(d, "raw.png")
subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={tempfile.mkdtemp()}",
                "--hide-scrollbars", f"--screenshot={raw}", f"--window-size={w},{h}", "file://" + page],
               check=True, capture_output=True)
shutil.copy(raw, out)
print(out, os.path.getsize(out), "bytes")
