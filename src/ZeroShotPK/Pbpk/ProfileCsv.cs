using System.Globalization;

namespace ZeroShotPK.Pbpk;

/// <summary>
/// The profile CSV that <c>zspk pbpk simulate</c> writes: one row per output time with the plasma concentration, every
/// tissue's concentration, the gut lumen and unabsorbed amounts, the amounts eliminated by the liver and the kidneys and
/// the plasma AUC, values in G8. The population form puts an <c>ID</c> column first and each individual's rows in a block.
/// </summary>
public static class ProfileCsv
{
    /// <summary>The columns of one profile (the population form has <c>ID,</c> before them).</summary>
    public static readonly string Header = "Time_h,Cp_mg_per_L," + string.Join(',', Tissues.All.Select(t => $"C_{t}_mg_per_L")) +
                                           ",GutLumen_mg,Unabsorbed_mg,EliminatedHepatic_mg,EliminatedRenal_mg,AucPlasma_mg_h_per_L";

    /// <summary>The rows of <paramref name="solution"/>, one per time of <paramref name="times"/> (its output grid).</summary>
    public static IEnumerable<string> Rows(PbpkSolution solution, IReadOnlyList<double> times)
    {
        var cp = solution.PlasmaConcentration();
        var tissueC = Tissues.All.Select(solution.TissueConcentration).ToArray();
        static string F(double v) => v.ToString("G8", CultureInfo.InvariantCulture);
        for (var i = 0; i < times.Count; i++)
        {
            var x = solution.Amounts[i];
            yield return $"{F(times[i])},{F(cp[i])},{string.Join(',', tissueC.Select(c => F(c[i])))},{F(x[(int)PbpkState.GutLumen])},{F(x[(int)PbpkState.Unabsorbed])},{F(x[(int)PbpkState.EliminatedHepatic])},{F(x[(int)PbpkState.EliminatedRenal])},{F(x[(int)PbpkState.PlasmaAuc])}";
        }
    }

    /// <summary>Writes one profile atomically.</summary>
    public static void Write(string path, PbpkSolution solution, IReadOnlyList<double> times) =>
        Data.AtomicFile.WriteLines(path, Rows(solution, times).Prepend(Header));

    /// <summary>
    /// Writes a population's profiles atomically: <paramref name="blocks"/>[j] holds individual j's <see cref="Rows"/>,
    /// each written with its ID <paramref name="ids"/>[j] first.
    /// </summary>
    public static void WritePopulation(string path, IReadOnlyList<string> ids, IReadOnlyList<IReadOnlyList<string>> blocks)
    {
        ArgumentOutOfRangeException.ThrowIfNotEqual(blocks.Count, ids.Count, nameof(blocks));
        Data.AtomicFile.WriteLines(path, blocks.SelectMany((block, j) => block.Select(line => ids[j] + "," + line)).Prepend("ID," + Header));
    }
}
