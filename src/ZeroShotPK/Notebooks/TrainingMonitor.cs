using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using ZeroShotPK.Training;

namespace ZeroShotPK.Notebooks;

/// <summary>
/// Live view of a pretraining run for notebooks: pass it to <see cref="Pretrainer.Run"/> as the progress sink. Every
/// <see cref="RefreshEvery"/> steps (and at every validation and the last step) it shows a panel with the device,
/// step, training loss (trailing mean and this step's), last validation loss, rate, elapsed time, ETA and a small loss chart (inline SVG,
/// so it draws without plotly.js and in static views).
/// </summary>
/// <remarks>
/// Under the .NET Interactive kernel each refresh is a new output whose script hides the run's earlier ones, so the
/// panel updates in place in Jupyter and the last output is the final state, also in a headless (nbconvert) run;
/// environment/run-notebooks.sh keeps only that last output when committing. The kernel's own display handle
/// (<c>DisplayedValue.Update</c>) is not used: kernel 1.0.712001 sends its Jupyter updates under another display id
/// than the displayed output's, so Jupyter front ends and nbclient drop them. Outside the kernel the monitor writes
/// one text line per refresh to the console.
/// </remarks>
public sealed class TrainingMonitor : IProgress<TrainingProgress>
{
    /// <summary>Attribute carried by every panel; its value identifies the run (outputs of one run replace each other).</summary>
    public const string LiveMarker = "data-zspk-live";

    private const int MaxChartPoints = 240;
    private static int _runs;
    private readonly Action<TrainingMonitor> _show;
    private readonly int _refreshEvery;
    private readonly List<(int Step, double Smoothed, double Raw)> _train = [];
    private readonly List<(int Step, double Loss)> _validation = [];
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Queue<double> _window = new();
    private double _windowSum;

    /// <summary>Creates a monitor for a run on <paramref name="device"/>.</summary>
    /// <param name="device">Device the run uses (shown as cpu / cuda:0).</param>
    /// <param name="refreshEvery">Refresh every this many steps; 0 picks about 25 refreshes per run.</param>
    /// <param name="show">Called at each refresh (tests, other hosts); null shows the panel in the notebook, or a console line outside it.</param>
    public TrainingMonitor(TorchSharp.torch.Device device, int refreshEvery = 0, Action<TrainingMonitor>? show = null)
        : this(device?.ToString() ?? throw new ArgumentNullException(nameof(device)), refreshEvery, show) { }

    /// <summary>Creates a monitor for a run on the device named <paramref name="device"/>.</summary>
    /// <param name="device">Device name shown in the panel.</param>
    /// <param name="refreshEvery">Refresh every this many steps; 0 picks about 25 refreshes per run.</param>
    /// <param name="show">Called at each refresh; null shows the panel in the notebook, or a console line outside it.</param>
    public TrainingMonitor(string device, int refreshEvery = 0, Action<TrainingMonitor>? show = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(device);
        if (refreshEvery < 0) throw new ArgumentOutOfRangeException(nameof(refreshEvery), refreshEvery, "refreshEvery must be >= 0 (0 = automatic).");
        Device = device.ToLowerInvariant();
        _refreshEvery = refreshEvery;
        _show = show ?? ShowDefault;
        RunId = $"zspk-live-{Interlocked.Increment(ref _runs)}";
    }

    /// <summary>Device name as shown.</summary>
    public string Device { get; }

    /// <summary>Identifier of this run's panels (value of <see cref="LiveMarker"/>); deterministic per process.</summary>
    public string RunId { get; }

    /// <summary>The last report, or null before the first step.</summary>
    public TrainingProgress? Last { get; private set; }

    /// <summary>How many times the panel was shown.</summary>
    public int Refreshes { get; private set; }

    /// <summary>Steps between refreshes (known after the first report when automatic).</summary>
    public int RefreshEvery => _refreshEvery > 0 ? _refreshEvery : Math.Max(1, (Last?.TotalSteps ?? 25) / 25);

    /// <summary>Records a step; refreshes the panel at the first step, every <see cref="RefreshEvery"/> steps, at validations and at the last step.</summary>
    public void Report(TrainingProgress value)
    {
        ArgumentNullException.ThrowIfNull(value);
        bool first = Last is null;
        Last = value;
        // The trailing mean follows a short run closely; the trainer's own EMA (0.98) lags it by about 50 steps.
        double raw = double.IsFinite(value.StepLoss) ? value.StepLoss : value.Loss;
        _window.Enqueue(raw);
        _windowSum += raw;
        while (_window.Count > SmoothingWindow) _windowSum -= _window.Dequeue();
        _train.Add((value.Step, _windowSum / _window.Count, raw));
        if (value.Validated && value.ValidationLoss is { } v) _validation.Add((value.Step, v));
        if (first || value.Step % RefreshEvery == 0 || value.Validated || value.Step >= value.TotalSteps)
        {
            Refreshes++;
            _show(this);
        }
    }

    /// <summary>Steps in the trailing mean of the training loss: a 20th of the run, between 1 and 50.</summary>
    public int SmoothingWindow => Math.Clamp((Last?.TotalSteps ?? 20) / 20, 1, 50);

    /// <summary>Trailing mean of the training loss over the last <see cref="SmoothingWindow"/> steps; NaN before the first step.</summary>
    public double SmoothedLoss => _train.Count > 0 ? _train[^1].Smoothed : double.NaN;

    /// <summary>Seconds since the monitor was created.</summary>
    public double ElapsedSeconds => _clock.Elapsed.TotalSeconds;

    /// <summary>Estimated seconds to the planned last step at the current rate; null before a rate is known.</summary>
    public double? EtaSeconds => Last is { StepsPerSecond: > 0 } p ? (p.TotalSteps - p.Step) / p.StepsPerSecond : null;

    /// <summary>One line: device, step, losses, rate, elapsed and ETA.</summary>
    public override string ToString()
    {
        if (Last is not { } p) return $"pretraining on {Device}: waiting for the first step";
        return $"pretraining on {Device}: step {p.Step}/{p.TotalSteps} ({Percent(p):F0}%), loss {F(SmoothedLoss)} (mean of {SmoothingWindow}; step {F(_train[^1].Raw)}), " +
               $"validation {(p.ValidationLoss is { } v ? F(v) : "-")}, {p.StepsPerSecond.ToString("F2", CultureInfo.InvariantCulture)} steps/s, " +
               $"elapsed {Time(ElapsedSeconds)}, ETA {(p.Step >= p.TotalSteps ? "done" : EtaSeconds is { } e ? Time(e) : "-")}";
    }

    /// <summary>The panel: status line, progress bar, figures and the loss chart; plus the script that hides this run's earlier panels.</summary>
    public string ToHtml()
    {
        var sb = new StringBuilder();
        sb.Append($"<div {LiveMarker}=\"{RunId}\" style=\"font-family:sans-serif;font-size:13px;line-height:1.5\">");
        if (Last is not { } p)
            sb.Append($"<div>pretraining on <b>{E(Device)}</b>: waiting for the first step</div>");
        else
        {
            bool done = p.Step >= p.TotalSteps;
            sb.Append($"<div><b>pretraining</b> on <b>{E(Device)}</b>: step <b>{p.Step}</b> / {p.TotalSteps} ({Percent(p):F0}%) {(done ? "finished" : "running")}</div>");
            sb.Append("<div style=\"width:480px;height:8px;background:#e5e5e5\"><div style=\"height:8px;background:rgb(31,119,180);width:")
              .Append(Percent(p).ToString("F1", CultureInfo.InvariantCulture)).Append("%\"></div></div>");
            sb.Append("<div>training loss ").Append(F(SmoothedLoss)).Append(" (mean of the last ").Append(SmoothingWindow)
              .Append(" steps; this step ").Append(F(_train[^1].Raw)).Append(") · validation ")
              .Append(_validation.Count > 0 ? $"{F(_validation[^1].Loss)} (step {_validation[^1].Step})" : p.ValidationLoss is { } v ? F(v) : "-")
              .Append(" · ").Append(p.StepsPerSecond.ToString("F2", CultureInfo.InvariantCulture)).Append(" steps/s · lr ")
              .Append(p.LearningRate.ToString("G3", CultureInfo.InvariantCulture)).Append(" · elapsed ").Append(Time(ElapsedSeconds))
              .Append(" · ETA ").Append(done ? "done" : EtaSeconds is { } eta ? Time(eta) : "-").Append("</div>");
            sb.Append(Chart(p.TotalSteps));
        }
        sb.Append("</div>");
        // Hides the earlier panels of this run (their whole output area where the front end has one).
        sb.Append("<script type=\"text/javascript\">(function(){var a=document.querySelectorAll('[").Append(LiveMarker).Append("=\"")
          .Append(RunId).Append("\"]');for(var i=0;i<a.length-1;i++){var o=a[i].closest('.jp-OutputArea-child,.output_area');(o||a[i]).style.display='none';}})();</script>");
        return sb.ToString();
    }

    // Inline SVG: x spans the planned steps, so the curve fills in as the run goes; y is linear over the plotted values.
    private string Chart(int totalSteps)
    {
        const double W = 480, H = 170, L = 48, R = 8, T = 8, B = 26;
        var smooth = Decimate(_train.Where(t => double.IsFinite(t.Smoothed)).Select(t => (t.Step, t.Smoothed)).ToList());
        var raw = Decimate(_train.Where(t => double.IsFinite(t.Raw)).Select(t => (t.Step, t.Raw)).ToList());
        var all = smooth.Select(s => s.Item2).Concat(raw.Select(r => r.Item2)).Concat(_validation.Select(v => v.Loss)).ToList();
        if (all.Count == 0) return "";
        double lo = all.Min(), hi = all.Max();
        if (hi - lo < 1e-9 * Math.Max(1, Math.Abs(hi))) { lo -= 0.5; hi += 0.5; }
        double X(double step) => L + (W - L - R) * step / Math.Max(1, totalSteps);
        double Y(double v) => T + (H - T - B) * (hi - v) / (hi - lo);
        string Pts(IEnumerable<(int, double)> s) => string.Join(' ', s.Select(q => I($"{N(X(q.Item1))},{N(Y(q.Item2))}")));
        var sb = new StringBuilder(I($"<svg width=\"{W}\" height=\"{H + 18}\" style=\"display:block;margin-top:4px\">"));
        sb.Append(I($"<rect x=\"{L}\" y=\"{T}\" width=\"{W - L - R}\" height=\"{H - T - B}\" fill=\"#f4f6fa\" stroke=\"#ccc\"/>"));
        foreach (var v in new[] { lo, (lo + hi) / 2, hi })
            sb.Append(I($"<text x=\"{L - 4}\" y=\"{N(Y(v) + 4)}\" font-size=\"10\" text-anchor=\"end\">{E(v.ToString("G3", CultureInfo.InvariantCulture))}</text>"));
        foreach (var s in new[] { 0, totalSteps / 2, totalSteps })
            sb.Append(I($"<text x=\"{N(X(s))}\" y=\"{H - B + 13}\" font-size=\"10\" text-anchor=\"middle\">{s}</text>"));
        sb.Append(I($"<text x=\"{N(L + (W - L - R) / 2)}\" y=\"{H - 2}\" font-size=\"10\" text-anchor=\"middle\">step</text>"));
        sb.Append(I($"<polyline fill=\"none\" stroke=\"rgb(31,119,180)\" stroke-opacity=\"0.3\" stroke-width=\"1\" points=\"{Pts(raw)}\"/>"));
        sb.Append(I($"<polyline fill=\"none\" stroke=\"rgb(31,119,180)\" stroke-width=\"2\" points=\"{Pts(smooth)}\"/>"));
        foreach (var (step, loss) in Decimate(_validation))
            sb.Append(I($"<circle cx=\"{N(X(step))}\" cy=\"{N(Y(loss))}\" r=\"3.5\" fill=\"rgb(255,127,14)\"/>"));
        double ly = H + 12;
        sb.Append(I($"<line x1=\"{L}\" y1=\"{ly - 4}\" x2=\"{L + 18}\" y2=\"{ly - 4}\" stroke=\"rgb(31,119,180)\" stroke-width=\"2\"/>"))
          .Append(I($"<text x=\"{L + 22}\" y=\"{ly}\" font-size=\"10\">training loss (trailing mean; faint: per step)</text>"))
          .Append(I($"<circle cx=\"{L + 270}\" cy=\"{ly - 4}\" r=\"3.5\" fill=\"rgb(255,127,14)\"/>"))
          .Append(I($"<text x=\"{L + 278}\" y=\"{ly}\" font-size=\"10\">validation loss</text>"));
        return sb.Append("</svg>").ToString();
    }

    // At most MaxChartPoints points, evenly spaced, the last one kept: the SVG stays small on long runs.
    private static List<(int, double)> Decimate(List<(int Step, double Value)> points)
    {
        if (points.Count <= MaxChartPoints) return points.Select(p => (p.Step, p.Value)).ToList();
        double stride = (points.Count - 1) / (double)(MaxChartPoints - 1);
        return Enumerable.Range(0, MaxChartPoints).Select(i => points[(int)Math.Round(i * stride)]).Select(p => (p.Step, p.Value)).ToList();
    }

    private static void ShowDefault(TrainingMonitor m)
    {
        if (!NotebookSupport.DisplayHtml(m.ToHtml())) Console.WriteLine(m.ToString());
    }

    private static string I(FormattableString f) => FormattableString.Invariant(f);
    private static double Percent(TrainingProgress p) => 100.0 * p.Step / Math.Max(1, p.TotalSteps);
    private static string F(double v) => double.IsFinite(v) ? v.ToString("F3", CultureInfo.InvariantCulture) : "-";
    private static string N(double v) => v.ToString("F1", CultureInfo.InvariantCulture);
    private static string E(string s) => WebUtility.HtmlEncode(s);
    private static string Time(double seconds) => TimeSpan.FromSeconds(Math.Round(seconds)).ToString(@"h\:mm\:ss", CultureInfo.InvariantCulture);
}
