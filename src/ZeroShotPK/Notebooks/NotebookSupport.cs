using System.Reflection;
using System.Runtime.Loader;
using Plotly.NET;
using ZeroShotPK.Charts;
using ZeroShotPK.Data;
using ZeroShotPK.Inference;

namespace ZeroShotPK.Notebooks;

/// <summary>
/// One-call notebook setup for the .NET Interactive kernel. The assembly does not reference the kernel:
/// the kernel's own formatter is found at run time, so no version of it is pinned here and the library
/// stays usable from plain programs and file-based apps.
/// </summary>
public static class NotebookSupport
{
    private static int _initialized;
    private static bool _formatters;

    /// <summary>
    /// True when the environment variable <c>ZSPK_QUICK</c> is <c>1</c> (set by environment/test.sh through
    /// run-notebooks.sh): notebooks then shrink their work (fewer studies, steps, samples) to run in CI.
    /// </summary>
    public static bool QuickMode => Environment.GetEnvironmentVariable("ZSPK_QUICK") == "1";

    /// <summary>
    /// Resolves FSharp.Core requests to the loaded FSharp.Core (Plotly.NET asks for 10.1, the kernel has
    /// 10.0), and registers HTML formatters for charts, <see cref="Study"/>, <see cref="Prediction"/> and DataFrame.
    /// Returns an object to leave as the cell's value: its HTML carries plotly.js, inlined once, which every
    /// later chart output uses. Safe to call again (formatters are registered once).
    /// </summary>
    public static NotebookSession Initialize()
    {
        if (Interlocked.Exchange(ref _initialized, 1) == 0)
        {
            AssemblyLoadContext.Default.Resolving += ResolveFSharpCore;
            _formatters = RegisterHtml(typeof(GenericChart), o => ChartPage.ToHtmlFragment((GenericChart)o))
                && RegisterHtml(typeof(Study), o => ((Study)o).ToHtml())
                && RegisterHtml(typeof(Prediction), o => ((Prediction)o).ToHtml())
                && RegisterHtml(typeof(Microsoft.Data.Analysis.DataFrame), o => ((Microsoft.Data.Analysis.DataFrame)o).ToHtml())
                // The two shapes ResultsFrame returns (ordinal rows; study rows).
                && RegisterHtml(typeof(Deedle.Frame<int, string>), o => ((Deedle.Frame<int, string>)o).ToHtml())
                && RegisterHtml(typeof(Deedle.Frame<string, string>), o => ((Deedle.Frame<string, string>)o).ToHtml())
                && RegisterHtml(typeof(NotebookSession), o => ((NotebookSession)o).ToHtml());
        }
        return new NotebookSession(_formatters);
    }

    // Plotly.NET 6 is built against FSharp.Core 10.1; any loaded FSharp.Core of the same major version serves.
    private static Assembly? ResolveFSharpCore(AssemblyLoadContext context, AssemblyName name)
    {
        if (name.Name != "FSharp.Core") return null;
        return AppDomain.CurrentDomain.GetAssemblies().FirstOrDefault(a => a.GetName().Name == "FSharp.Core");
    }

    /// <summary>
    /// Shows <paramref name="html"/> as a new output of the running cell through the kernel's own
    /// <c>Kernel.display(Kernel.HTML(html), "text/html")</c>, found by reflection. False outside the kernel.
    /// Must be called on the cell's thread (the kernel finds the cell through an async-local context).
    /// </summary>
    internal static bool DisplayHtml(string html)
    {
        var kernel = AppDomain.CurrentDomain.GetAssemblies()
            .Where(a => a.GetName().Name == "Microsoft.DotNet.Interactive")
            .Select(a => a.GetType("Microsoft.DotNet.Interactive.Kernel"))
            .FirstOrDefault(t => t is not null);
        var methods = kernel?.GetMethods(BindingFlags.Public | BindingFlags.Static);
        var toHtml = methods?.FirstOrDefault(m => m.Name == "HTML" && m.GetParameters() is [{ ParameterType: var p }] && p == typeof(string));
        var display = methods?.FirstOrDefault(m => m.Name == "display" && m.GetParameters() is [{ ParameterType: var v }, { ParameterType: var t }]
            && v == typeof(object) && t == typeof(string[]));
        if (toHtml is null || display is null) return false;
        display.Invoke(null, [toHtml.Invoke(null, [html]), new[] { "text/html" }]);
        return true;
    }

    // Microsoft.DotNet.Interactive.Formatting.Formatter.Register(Type, Action<object, TextWriter>, string).
    private static bool RegisterHtml(Type type, Func<object, string> html)
    {
        var formatter = AppDomain.CurrentDomain.GetAssemblies()
            .Where(a => a.GetName().Name == "Microsoft.DotNet.Interactive.Formatting")
            .Select(a => a.GetType("Microsoft.DotNet.Interactive.Formatting.Formatter"))
            .FirstOrDefault(t => t is not null);
        var register = formatter?.GetMethods(BindingFlags.Public | BindingFlags.Static).FirstOrDefault(m =>
            m.Name == "Register" && m.GetParameters() is var p && p.Length == 3 && p[0].ParameterType == typeof(Type)
            && p[1].ParameterType == typeof(Action<object, TextWriter>) && p[2].ParameterType == typeof(string));
        if (register is null) return false;
        Action<object, TextWriter> write = (o, w) => w.Write(html(o));
        register.Invoke(null, [type, write, "text/html"]);
        return true;
    }
}

/// <summary>What <see cref="NotebookSupport.Initialize"/> set up; shows as a one-line note plus inlined plotly.js.</summary>
/// <param name="FormattersRegistered">False outside the .NET Interactive kernel (no formatter found).</param>
public sealed record NotebookSession(bool FormattersRegistered)
{
    /// <summary>Marker comment that the notebook runner replaces when committing outputs.</summary>
    public const string PlotlyMarker = "zspk-plotly-js";

    /// <summary>The note plus plotly.js inlined (the only copy in a notebook).</summary>
    public string ToHtml() =>
        $"<div>ZeroShotPK notebook support: FSharp.Core resolver installed, HTML formatters {(FormattersRegistered ? "registered" : "not registered (no .NET Interactive kernel)")}, plotly.js {ChartPage.PlotlyJsVersion} inlined (offline).</div>\n"
        + $"<!--{PlotlyMarker}-->{ChartPage.PlotlyJsScriptTag()}<!--/{PlotlyMarker}-->";
}
