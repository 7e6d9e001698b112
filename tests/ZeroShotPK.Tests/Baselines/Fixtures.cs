using System.Globalization;
using ZeroShotPK.Data;

namespace ZeroShotPK.Tests.Baselines;

/// <summary>Temporary minimal reader of the bundled event CSVs until NonmemCsv lands (branch data).</summary>
internal static class Fixtures
{
    public static string DataFile(string name)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "ZeroShotPK.sln"))) dir = dir.Parent;
        string local = Path.Combine(dir!.FullName, "data", name);
        return File.Exists(local) ? local : Path.Combine("/work/shared/datasets", name);
    }

    public static Study Read(string name)
    {
        var lines = File.ReadAllLines(DataFile(name));
        var header = lines[0].Split(',').Select(h => h.Trim('"')).ToList();
        int Col(string c) => header.IndexOf(c);
        var rows = lines.Skip(1).Select(l => l.Split(',')).ToArray();
        var inds = new List<Individual>();
        foreach (var g in rows.GroupBy(r => r[Col("ID")]))
        {
            var doses = new List<DosingEvent>(); var obs = new List<Observation>();
            var cov = new Dictionary<string, string>();
            if (Col("WT") >= 0) cov["WT"] = g.First()[Col("WT")];
            foreach (var r in g)
            {
                double t = double.Parse(r[Col("TIME")], CultureInfo.InvariantCulture);
                if (r[Col("EVID")] == "1")
                    doses.Add(new DosingEvent(t, double.Parse(r[Col("AMT")], CultureInfo.InvariantCulture), r[Col("CMT")] == "1" ? Route.Oral : Route.IvBolus));
                else obs.Add(new Observation(t, double.Parse(r[Col("DV")], CultureInfo.InvariantCulture)));
            }
            inds.Add(new Individual(g.Key, doses, obs, cov));
        }
        return new Study(Path.GetFileNameWithoutExtension(name), inds);
    }
}
