#!/usr/bin/env python3
"""Helpers for environment/run-notebooks.sh (standard library only).

check NB             exit 1 with one line of reason when a code cell has an error output, when the notebook has
                     no cell tagged "chart", when a cell tagged "chart" has no output carrying the chart marker
                     (ZeroShotPK.Charts.ChartPage.Marker), or when a chart output draws nothing (no trace
                     with data).
commit NB            rewrite an executed notebook for committing: the plotly.js inlined by
                     NotebookSupport.Initialize() (about 3.6 MB) becomes a short comment; every chart gets a
                     static WebP image of itself inside its div (rendered by plotly.js in headless Chromium), which
                     any viewer shows offline and the chart's own script replaces with the interactive
                     chart wherever plotly.js is loaded (a re-run notebook); run timestamps
                     are dropped, as is the kernel's bootstrap script (it talks to the running kernel's HTTP
                     port and carries its process id), so re-running gives the same file. Of a live panel's
                     outputs (ZeroShotPK.Notebooks.TrainingMonitor, marker data-zspk-live) only the last one,
                     the final state, is kept.
chart-page NB HTML   write a standalone page with plotly.js (taken from the executed notebook) and the
                     output of every chart cell: what a reader sees, for a headless-browser screenshot.
"""
import html as htmlmod
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

CHART_MARKER = "data-zspk-chart"
LIVE = re.compile(r'data-zspk-live="([^"]+)"')
FIGURE = re.compile(r"var fig = (\{.*?\});\n", re.S)
KERNEL_BOOTSTRAP = "dotnet-interactive-this-cell"
PLOTLY = re.compile(r"<!--zspk-plotly-js-->.*?<!--/zspk-plotly-js-->", re.S)
CHART_DIV = re.compile(r'(<div id="(zspk-chart-\d+)" data-zspk-chart="[^"]*">)(.*?)(</div>)', re.S)


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def text(value):
    return "".join(value) if isinstance(value, list) else (value or "")


def html_outputs(cell):
    for out in cell.get("outputs", []):
        html = out.get("data", {}).get("text/html")
        if html is not None:
            yield text(html)


def empty_charts(html):
    """Number of chart outputs in html whose figure has no trace with data."""
    empty = 0
    for m in FIGURE.finditer(html):
        try:
            fig = json.loads(m.group(1))
        except ValueError:
            empty += 1
            continue
        if not any(any(t.get(k) for k in ("x", "y", "values")) for t in fig.get("data", [])):
            empty += 1
    return empty


def check(path):
    nb = load(path)
    if not any("chart" in c.get("metadata", {}).get("tags", []) for c in nb["cells"]):
        return "no cell tagged chart: every notebook draws at least one chart, and the runner checks them by tag"
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        cid = cell.get("id", "?")
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                msg = " ".join(text(out.get("evalue", "")).split())[:300]
                return f"cell {cid}: {out.get('ename', 'error')}: {msg}"
            if out.get("output_type") == "stream" and out.get("name") == "stderr" and "error" in text(out.get("text")).lower():
                return f"cell {cid}: stderr: {' '.join(text(out.get('text')).split())[:300]}"
        if "chart" in cell.get("metadata", {}).get("tags", []) and not any(CHART_MARKER in h for h in html_outputs(cell)):
            return f"cell {cid}: tagged chart but produced no chart output"
        if any(empty_charts(h) for h in html_outputs(cell)):
            return f"cell {cid}: a chart output has no trace with data (an empty chart)"
    return None


def commit(path):
    nb = load(path)
    for cell in nb["cells"]:
        cell.get("metadata", {}).pop("execution", None)
        if "outputs" in cell:
            cell["outputs"] = [o for o in cell["outputs"]
                               if KERNEL_BOOTSTRAP not in text(o.get("data", {}).get("text/html", ""))]
            # A live panel: keep its last output only (the earlier ones are hidden by its script anyway).
            last = {}
            for k, o in enumerate(cell["outputs"]):
                m = LIVE.search(text(o.get("data", {}).get("text/html", "")))
                if m:
                    last[m.group(1)] = k
            cell["outputs"] = [o for k, o in enumerate(cell["outputs"])
                               if not (m := LIVE.search(text(o.get("data", {}).get("text/html", "")))) or last[m.group(1)] == k]
    outputs = [h for cell in nb["cells"] for h in html_outputs(cell) if CHART_MARKER in h]
    images = render_static(inlined_plotly(nb), outputs) if outputs else {}
    for cell in nb["cells"]:
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if "text/html" in data:
                html = text(data["text/html"])
                stripped = PLOTLY.sub("<!-- plotly.js inlined here at run time; left out of the committed notebook "
                                      "(re-run the notebook, or see environment/run-notebooks.sh --html) -->", html)
                stripped = CHART_DIV.sub(lambda m: m.group(1) + static_img(images.get(m.group(2))) + m.group(4), stripped)
                data["text/html"] = stripped.splitlines(keepends=True)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(nb, f, indent=1, ensure_ascii=False)
        f.write("\n")


def inlined_plotly(nb):
    """The output block holding plotly.js (NotebookSupport.Initialize()'s), or None once committed."""
    found = None
    for cell in nb["cells"]:
        for h in html_outputs(cell):
            m = PLOTLY.search(h)
            if m and "<script" in m.group(0):
                found = m.group(0)
    return found


def static_img(data_url):
    if not data_url:
        return ""
    return ('<img data-zspk-static="1" alt="static copy of the chart: re-run the notebook for the interactive one" '
            'style="max-width:100%" src="' + data_url + '">')


def render_static(plotly, outputs):
    """WebP data URLs of every chart in outputs (HTML strings), by id: each figure drawn by plotly.js in headless
    Chromium (Plotly.toImage at the figure's own size), the way the notebook showed it."""
    if plotly is None:
        sys.exit("commit: no inlined plotly.js output to draw the static chart images with "
                 "(is NotebookSupport.Initialize() the first cell's value?)")
    browser = next((shutil.which(b) for b in ("chromium", "chromium-browser", "google-chrome") if shutil.which(b)), None)
    if browser is None:
        sys.exit("commit: chromium not found (environment/setup.sh installs it); it draws the charts' static images")
    figures = []
    for h in outputs:
        for m in CHART_DIV.finditer(h):
            script = h[m.end():]
            f = FIGURE.search(script)
            if f is None:
                continue
            figures.append({"id": m.group(2), "fig": json.loads(f.group(1)),
                            "template": "window.zspkPlotlyTemplate" in script[:f.end() + 400]})
    if not figures:
        return {}
    page = ("<!DOCTYPE html><html><head><meta charset=\"utf-8\">" + plotly + "</head><body><script>\n"
            "(async function () {\n"
            "  var figs = " + json.dumps(figures) + ", out = {};\n"
            "  for (var i = 0; i < figs.length; i++) {\n"
            "    var f = figs[i].fig;\n"
            "    if (figs[i].template) f.layout.template = window.zspkPlotlyTemplate;\n"
            "    try { out[figs[i].id] = await Plotly.toImage({data: f.data, layout: f.layout},\n"
            "            {format: 'webp', width: f.layout.width || 780, height: f.layout.height || 460}); }\n"
            "    catch (e) { out[figs[i].id] = 'error: ' + e; }\n"
            "  }\n"
            "  var pre = document.createElement('pre'); pre.id = 'zspk-out'; pre.textContent = JSON.stringify(out);\n"
            "  document.body.appendChild(pre);\n"
            "})();\n</script></body></html>\n")
    work = tempfile.mkdtemp(prefix="zspk-static-")
    try:
        page_path = os.path.join(work, "charts.html")
        with open(page_path, "w", encoding="utf-8") as f:
            f.write(page)
        run = subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                              "--disable-component-update", "--disable-sync", "--no-first-run",
                              "--user-data-dir=" + os.path.join(work, "profile"), "--virtual-time-budget=120000",
                              "--dump-dom", "file://" + page_path], capture_output=True, text=True, timeout=600)
        m = re.search(r'<pre id="zspk-out">(.*?)</pre>', run.stdout, re.S)
        if m is None:
            sys.exit("commit: chromium drew no static chart images: " + " ".join(run.stderr.split())[-300:])
        images = json.loads(htmlmod.unescape(m.group(1)))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    bad = [k for k, v in images.items() if not v.startswith("data:image/webp;base64,")]
    if bad:
        sys.exit(f"commit: static image of {bad[0]} failed: {images[bad[0]][:200]}")
    return images


def chart_page(path, out_html):
    nb = load(path)
    plotly = inlined_plotly(nb)
    charts = [h for cell in nb["cells"] for h in html_outputs(cell) if CHART_MARKER in h]
    if plotly is None:
        sys.exit(f"{path}: no inlined plotly.js output (is NotebookSupport.Initialize() the first cell's value?)")
    if not charts:
        sys.exit(f"{path}: no chart output")
    with open(out_html, "w", encoding="utf-8") as f:
        f.write("<!DOCTYPE html><html><head><meta charset=\"utf-8\">" + plotly + "</head><body style=\"background:white\">\n")
        f.write("\n".join(charts))
        f.write("\n</body></html>\n")


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "check":
        reason = check(args[0])
        if reason:
            print(reason)
            sys.exit(1)
    elif cmd == "commit":
        commit(args[0])
    elif cmd == "chart-page":
        chart_page(args[0], args[1])
    else:
        sys.exit(f"unknown command {cmd}")
