using System.Globalization;

namespace ZeroShotPK.Models.Pbpk;

/// <summary>
/// The CSV that <c>zspk pbpk forecast</c> writes: one row per grid time with the forecast's median and 90 % band and the
/// exact PBPK solver's concentration, all in mg/L, values in G6.
/// </summary>
public static class ForecastProfileCsv
{
    /// <summary>The header.</summary>
    public const string Header = "time_h,median_mg_per_L,lo90_mg_per_L,hi90_mg_per_L,exact_mg_per_L";

    /// <summary>The rows: grid time k, <paramref name="forecast"/>'s median and band there and exp(<paramref name="exactLog"/>[k]).</summary>
    /// <exception cref="ArgumentException">The forecast or the exact profile does not have one value per grid time.</exception>
    public static IEnumerable<string> Rows(IReadOnlyList<double> grid, ForecastProfile forecast, IReadOnlyList<double> exactLog)
    {
        if (forecast.LogMean.Length != grid.Count || exactLog.Count != grid.Count)
            throw new ArgumentException($"expected {grid.Count} forecast and exact values (one per grid time), got {forecast.LogMean.Length} and {exactLog.Count}.", nameof(forecast));
        static string F(double v) => v.ToString("G6", CultureInfo.InvariantCulture);
        return Enumerable.Range(0, grid.Count)
            .Select(k => $"{F(grid[k])},{F(forecast.Median(k))},{F(forecast.Lo90(k))},{F(forecast.Hi90(k))},{F(Math.Exp(exactLog[k]))}");
    }

    /// <summary>Writes the forecast and the exact profile atomically.</summary>
    /// <exception cref="ArgumentException">The forecast or the exact profile does not have one value per grid time.</exception>
    public static void Write(string path, IReadOnlyList<double> grid, ForecastProfile forecast, IReadOnlyList<double> exactLog)
    {
        var rows = Rows(grid, forecast, exactLog).ToArray(); // checks the lengths before anything is written
        Data.AtomicFile.WriteLines(path, rows.Prepend(Header));
    }
}
