using System.Globalization;
using System.Text;

namespace ZeroShotPK.Data;

/// <summary>One study of the real-data benchmark: the converted study and where it came from.</summary>
/// <param name="Study">The study; its name is the file name of <c>data/benchmark/NAME.csv</c>.</param>
/// <param name="Drug">Compound measured (parent drug).</param>
/// <param name="Route">Route of administration in the field's words (oral, IV bolus, IV infusion, rectal).</param>
/// <param name="Source">Raw file(s) under the raw folder it was converted from.</param>
public sealed record BenchmarkStudy(Study Study, string Drug, string Route, string Source);

/// <summary>
/// Converters of the public raw tables under <c>data/raw/</c> into the studies of the real-data benchmark
/// (<c>data/benchmark/</c>, one NONMEM-style CSV per study; <c>zspk data convert-benchmark</c>). One method per source;
/// every file read is named with line and column in a <see cref="DatasetFormatException"/> when a row does not follow
/// the source's documented layout. Units are converted with decimal arithmetic (no binary round-off in the CSVs): time
/// in h, amounts in mg (cefamandole: mg/kg, no body weights given), concentrations in mg/L. Samples are kept as the
/// source gives them: pre-dose samples stay (they are not scored by the leave-one-out protocol), zeros stay zeros (no
/// source here gives a limit of quantification, so nothing is flagged BLQ), and what a source leaves out (PK-DB nulls,
/// nlmixr2data MDV 1 rows) is counted in <c>data/benchmark/README.md</c>.
/// </summary>
public static class BenchmarkConverters
{
    /// <summary>Every benchmark study, in the order of <c>data/benchmark/README.md</c>.</summary>
    /// <param name="rawDirectory">The raw folder (<c>data/raw</c>) holding r/, nlmixr2data/, pkdb/ and quinidine_raw.csv.</param>
    /// <exception cref="DatasetFormatException">A raw row that does not follow its source's layout.</exception>
    public static IReadOnlyList<BenchmarkStudy> ConvertAll(string rawDirectory)
    {
        // In this order, so that a bad raw file is reported before later sources are read.
        var studies = new List<BenchmarkStudy>
        {
            new(Theophylline(Path.Combine(rawDirectory, "r", "Theoph.csv")), "theophylline", "oral", "r/Theoph.csv"),
            new(Indometacin(Path.Combine(rawDirectory, "r", "Indometh.csv")), "indometacin", "IV bolus", "r/Indometh.csv"),
            new(Cefamandole(Path.Combine(rawDirectory, "r", "Cefamandole.csv")), "cefamandole", "IV bolus", "r/Cefamandole.csv"),
            new(QuinidineConverter.Convert(Path.Combine(rawDirectory, "quinidine_raw.csv")), "quinidine", "oral, repeated (steady state)", "quinidine_raw.csv"),
        };
        var (mavo1, mavo2) = Mavoglurant(Path.Combine(rawDirectory, "nlmixr2data", "mavoglurant.csv"));
        studies.Add(new(mavo1, "mavoglurant", "IV infusion", "nlmixr2data/mavoglurant.csv (OCC 1)"));
        studies.Add(new(mavo2, "mavoglurant", "IV infusion", "nlmixr2data/mavoglurant.csv (OCC 2)"));
        studies.Add(new(Warfarin(Path.Combine(rawDirectory, "nlmixr2data", "warfarin.csv")), "warfarin", "oral", "nlmixr2data/warfarin.csv"));
        var pkdb = PkdbSource.Load(rawDirectory);
        string Pk(string t) => $"pkdb/timecourses.tsv ({t}), pkdb/interventions.tsv";
        studies.AddRange(
        [
            new(pkdb.Convert("codeine-oral-loetsch2006", "Loetsch2006", "codeine", ["871", "872"]), "codeine", "oral", Pk("Loetsch2006, interventions 871, 872")),
            new(pkdb.Convert("midazolam-iv-heizmann1983", "Heizmann1983", "midazolam", ["652"]), "midazolam", "IV bolus", Pk("Heizmann1983, intervention 652") + ", pkdb/individuals.tsv"),
            new(pkdb.Convert("midazolam-oral10-heizmann1983", "Heizmann1983", "midazolam", ["656"]), "midazolam", "oral", Pk("Heizmann1983, intervention 656")),
            new(pkdb.Convert("midazolam-oral20-heizmann1983", "Heizmann1983", "midazolam", ["657"]), "midazolam", "oral", Pk("Heizmann1983, intervention 657")),
            new(pkdb.Convert("paracetamol-iv-singla2012", "Singla2012", "paracetamol", ["1455"]), "paracetamol", "IV", Pk("Singla2012, intervention 1455")),
            new(pkdb.Convert("paracetamol-oral-singla2012", "Singla2012", "paracetamol", ["1456"]), "paracetamol", "oral", Pk("Singla2012, intervention 1456")),
            new(pkdb.Convert("paracetamol-rectal-singla2012", "Singla2012", "paracetamol", ["1458"]), "paracetamol", "rectal", Pk("Singla2012, intervention 1458")),
            new(pkdb.Convert("paracetamol-oral-kietzmann1990", "Kietzmann1990", "paracetamol", ["1206"]), "paracetamol", "oral", Pk("Kietzmann1990, intervention 1206")),
            new(pkdb.Convert("paracetamol-iv-abernethy1982", "Abernethy1982", "paracetamol", ["930"]), "paracetamol", "IV", Pk("Abernethy1982, intervention 930")),
        ]);
        return studies;
    }

    /// <summary>Converts every study and writes <c>NAME.csv</c> per study into <paramref name="outDirectory"/> (atomically).</summary>
    /// <returns>The studies written.</returns>
    public static IReadOnlyList<BenchmarkStudy> ConvertAllToFolder(string rawDirectory, string outDirectory)
    {
        var studies = ConvertAll(rawDirectory);
        Directory.CreateDirectory(outDirectory);
        foreach (var s in studies) NonmemCsv.Write(Path.Combine(outDirectory, s.Study.Name + ".csv"), [s.Study]);
        return studies;
    }

    /// <summary>
    /// R <c>datasets::Theoph</c> (Subject, Wt kg, Dose mg/kg, Time h, conc mg/L): one oral dose of Dose x Wt mg at time 0
    /// (CMT 1), every row an observation including the pre-dose one at time 0; WT kept as a covariate.
    /// </summary>
    public static Study Theophylline(string path)
    {
        var t = RawTable.ReadCsv(path, ["Subject", "Wt", "Dose", "Time", "conc"]);
        var rows = new List<EventRow>();
        foreach (var g in t.Groups("Subject"))
        {
            var first = g[0];
            var wt = t.Decimal(first, "Wt", positive: true);
            rows.Add(new EventRow(first.Number, "theophylline", t.Text(first, "Subject"), 0, RowKind.Dose, [t.Text(first, "Wt")])
                { Dose = DosingEvent.Oral(0, (double)(t.Decimal(first, "Dose", positive: true) * wt)) });
            foreach (var r in g)
            {
                if (t.Decimal(r, "Wt", positive: true) != wt || t.Decimal(r, "Dose", positive: true) != t.Decimal(first, "Dose", positive: true))
                    throw t.Error(r, "Wt", $"Wt or Dose of Subject {t.Text(r, "Subject")} differs from its first row (line {first.Number}); expected one dose per subject.");
                var time = (double)t.Decimal(r, "Time");
                rows.Add(new EventRow(r.Number, "theophylline", t.Text(r, "Subject"), time, RowKind.Observation, [t.Text(r, "Wt")])
                    { Observation = new Observation(time, (double)t.Decimal(r, "conc")) });
            }
        }
        return StudyBuilder.Build(path, rows, ["WT"], new ColumnLabels("Subject", "Time", "Dose")).Single();
    }

    /// <summary>R <c>datasets::Indometh</c> (Subject, time h, conc mcg/mL = mg/L): 25 mg IV bolus at time 0 (Kwan et al. 1976).</summary>
    public static Study Indometacin(string path) => IvBolusTable(path, "indometacin", "time", 25m, 1m);

    /// <summary>
    /// nlme <c>Cefamandole</c> (Subject, Time min, conc mcg/mL = mg/L): an IV dose of 15 mg/kg at time 0 (body weights are
    /// not given, so AMT is 15 in mg/kg); Time converted to h.
    /// </summary>
    public static Study Cefamandole(string path) => IvBolusTable(path, "cefamandole", "Time", 15m, 60m);

    private static Study IvBolusTable(string path, string name, string timeColumn, decimal dose, decimal minutesPerUnit)
    {
        var t = RawTable.ReadCsv(path, ["Subject", timeColumn, "conc"]);
        var rows = new List<EventRow>();
        foreach (var g in t.Groups("Subject"))
        {
            rows.Add(new EventRow(g[0].Number, name, t.Text(g[0], "Subject"), 0, RowKind.Dose, []) { Dose = DosingEvent.Bolus(0, (double)dose) });
            foreach (var r in g)
            {
                var time = (double)(t.Decimal(r, timeColumn) / minutesPerUnit);
                rows.Add(new EventRow(r.Number, name, t.Text(r, "Subject"), time, RowKind.Observation, [])
                    { Observation = new Observation(time, (double)t.Decimal(r, "conc")) });
            }
        }
        return StudyBuilder.Build(path, rows, [], new ColumnLabels("Subject", timeColumn, "dose")).Single();
    }

    /// <summary>
    /// nlmixr2data <c>mavoglurant</c> (Wendling et al. 2016; ID, CMT, EVID, MDV, DV ng/mL, AMT mg, TIME h, DOSE, OCC,
    /// RATE mg/h, AGE, SEX, WT, HT): one IV infusion per occasion (duration AMT / RATE), TIME restarting at 0 on each
    /// occasion. Occasion 1 and occasion 2 become two studies ("mavoglurant-occ1", "mavoglurant-occ2") so that no subject
    /// is its own context. DV converted to mg/L; EVID 0 rows with MDV 1 (no value, no reason given) are left out.
    /// </summary>
    /// <exception cref="DatasetFormatException">A row outside that layout.</exception>
    public static (Study Occasion1, Study Occasion2) Mavoglurant(string path)
    {
        string[] covariates = ["AGE", "SEX", "WT", "HT"];
        var t = RawTable.ReadCsv(path, ["ID", "CMT", "EVID", "MDV", "DV", "AMT", "TIME", "OCC", "RATE", .. covariates]);
        var rows = new List<EventRow>();
        foreach (var r in t.Lines)
        {
            var occ = t.Text(r, "OCC");
            if (occ is not ("1" or "2")) throw t.Error(r, "OCC", $"OCC '{occ}' is not an occasion of this data set; expected 1 or 2.");
            var study = "mavoglurant-occ" + occ;
            var id = t.Text(r, "ID");
            var time = (double)t.Decimal(r, "TIME");
            var cov = covariates.Select(c => (string?)t.Text(r, c)).ToArray();
            switch (t.Text(r, "EVID"))
            {
                case "1":
                    if (t.Text(r, "CMT") != "1") throw t.Error(r, "CMT", $"dose into CMT {t.Text(r, "CMT")}; expected CMT 1 (the data set's infusion compartment).");
                    var amt = t.Decimal(r, "AMT", positive: true);
                    var rate = t.Decimal(r, "RATE", positive: true);
                    rows.Add(new EventRow(r.Number, study, id, time, RowKind.Dose, cov) { Dose = DosingEvent.Infusion(time, (double)amt, (double)(amt / rate)) });
                    break;
                case "0" when t.Text(r, "MDV") == "1":
                    rows.Add(new EventRow(r.Number, study, id, time, RowKind.MissingObservation, cov));
                    break;
                case "0":
                    rows.Add(new EventRow(r.Number, study, id, time, RowKind.Observation, cov)
                        { Observation = new Observation(time, (double)(t.Decimal(r, "DV") / 1000m)) });
                    break;
                default:
                    throw t.Error(r, "EVID", $"EVID {t.Text(r, "EVID")} is not used by this data set; expected 1 (dose) or 0 (sample).");
            }
        }
        var studies = StudyBuilder.Build(path, rows, covariates, new ColumnLabels("ID", "TIME", "AMT"));
        return (studies.Single(s => s.Name == "mavoglurant-occ1"), studies.Single(s => s.Name == "mavoglurant-occ2"));
    }

    /// <summary>
    /// nlmixr2data <c>warfarin</c> (O'Reilly et al. 1963, 1968; id, time h, amt mg, dv, dvid, evid, wt, age, sex): the
    /// oral dose (evid 1) and the warfarin concentrations (dvid "cp", mg/L); the prothrombin complex activity rows
    /// (dvid "pca", a response, not a concentration) are left out. Covariates WT, AGE, SEX.
    /// </summary>
    public static Study Warfarin(string path)
    {
        var t = RawTable.ReadCsv(path, ["id", "time", "amt", "dv", "dvid", "evid", "wt", "age", "sex"]);
        var rows = new List<EventRow>();
        foreach (var r in t.Lines)
        {
            var cov = new[] { "wt", "age", "sex" }.Select(c => (string?)t.Text(r, c)).ToArray();
            var time = (double)t.Decimal(r, "time");
            var dvid = t.Text(r, "dvid");
            switch (t.Text(r, "evid"))
            {
                case "1":
                    rows.Add(new EventRow(r.Number, "warfarin", t.Text(r, "id"), time, RowKind.Dose, cov)
                        { Dose = DosingEvent.Oral(time, (double)t.Decimal(r, "amt", positive: true)) });
                    break;
                case "0" when dvid == "cp":
                    rows.Add(new EventRow(r.Number, "warfarin", t.Text(r, "id"), time, RowKind.Observation, cov)
                        { Observation = new Observation(time, (double)t.Decimal(r, "dv")) });
                    break;
                case "0" when dvid == "pca":
                    break;
                case "0":
                    throw t.Error(r, "dvid", $"dvid '{dvid}' is not known; expected cp (warfarin concentration) or pca (prothrombin complex activity).");
                default:
                    throw t.Error(r, "evid", $"evid {t.Text(r, "evid")} is not used by this data set; expected 1 (dose) or 0 (sample).");
            }
        }
        return StudyBuilder.Build(path, rows, ["WT", "AGE", "SEX"], new ColumnLabels("id", "time", "amt")).Single();
    }

    /// <summary>PK-DB tables (pkdb_analysis at commit 7765c64, rows of the chosen studies): timecourses, interventions, individuals.</summary>
    private sealed class PkdbSource
    {
        private RawTable timecourses = null!, interventions = null!, individuals = null!;

        public static PkdbSource Load(string rawDirectory)
        {
            var dir = Path.Combine(rawDirectory, "pkdb");
            return new PkdbSource
            {
                timecourses = RawTable.ReadTsv(Path.Combine(dir, "timecourses.tsv"), 1,
                    ["study", "substance", "tissue", "measurement_type", "unit", "time", "time_unit", "interventions", "value", "individual_pk", "individual_name"]),
                interventions = RawTable.ReadTsv(Path.Combine(dir, "interventions.tsv"), 1, ["study", "pk", "name", "substance", "route", "unit", "value", "application", "time"]),
                individuals = RawTable.ReadTsv(Path.Combine(dir, "individuals.tsv"), 3, ["study", "subject_pk", "subject_name", "weight value", "weight unit"]),
            };
        }

        /// <summary>
        /// One study: the individual time courses of <paramref name="substance"/> in plasma under the given interventions
        /// (single doses at time 0). Concentrations g/L to mg/L; doses g to mg, g/kg to mg via the individual's weight
        /// (individuals.tsv); routes iv = IV bolus (CMT 2; PK-DB records no infusion duration), oral and rectal = CMT 1.
        /// A null value (no number in the source table) is left out.
        /// </summary>
        public Study Convert(string name, string study, string substance, string[] interventionPks)
        {
            var rows = new List<EventRow>();
            var tc = timecourses;
            foreach (var r in tc.Lines.Where(r => tc.Text(r, "study") == study && tc.Text(r, "substance") == substance
                                                   && interventionPks.Contains(tc.Text(r, "interventions"))))
            {
                if (tc.Text(r, "tissue") != "plasma" || tc.Text(r, "measurement_type") != "concentration")
                    throw tc.Error(r, "tissue", $"{tc.Text(r, "measurement_type")} in {tc.Text(r, "tissue")}; expected concentration in plasma.");
                if (tc.Text(r, "unit") != "gram / liter") throw tc.Error(r, "unit", $"unit '{tc.Text(r, "unit")}'; expected 'gram / liter'.");
                if (tc.Text(r, "time_unit") != "hr") throw tc.Error(r, "time_unit", $"time unit '{tc.Text(r, "time_unit")}'; expected 'hr'.");
                var id = tc.Text(r, "individual_name");
                var times = tc.List(r, "time");
                var values = tc.List(r, "value");
                if (times.Length != values.Length)
                    throw tc.Error(r, "value", $"{values.Length} values for {times.Length} times; expected one value per time.");
                var dose = Dose(study, tc.Text(r, "interventions"), tc.Text(r, "individual_pk"), r, tc);
                rows.Add(new EventRow(r.Number, name, id, 0, RowKind.Dose, []) { Dose = dose });
                for (int j = 0; j < times.Length; j++)
                {
                    var time = (double)(times[j] ?? throw tc.Error(r, "time", $"time {j + 1} is None; expected a number."));
                    rows.Add(values[j] is { } v
                        ? new EventRow(r.Number, name, id, time, RowKind.Observation, []) { Observation = new Observation(time, (double)(v * 1000m)) }
                        : new EventRow(r.Number, name, id, time, RowKind.MissingObservation, []));
                }
            }
            if (rows.Count == 0)
                throw new DatasetFormatException(tc.Source, 0, null, $"no individual time course of {substance} in study {study} under interventions {string.Join(", ", interventionPks)}; expected at least one.");
            return StudyBuilder.Build(tc.Source, rows, [], new ColumnLabels("individual_name", "time", "value")).Single();
        }

        private DosingEvent Dose(string study, string pk, string individualPk, CsvLine at, RawTable tc)
        {
            var iv = interventions;
            var r = iv.Lines.FirstOrDefault(l => iv.Text(l, "study") == study && iv.Text(l, "pk") == pk);
            if (r.Fields is null) throw tc.Error(at, "interventions", $"intervention {pk} of {study} is not in {iv.Source}; expected its dosing row there.");
            if (iv.Text(r, "application") != "single dose" || iv.Decimal(r, "time") != 0)
                throw iv.Error(r, "application", $"'{iv.Text(r, "application")}' at time {iv.Text(r, "time")}; expected a single dose at time 0.");
            var amount = iv.Decimal(r, "value", positive: true) * 1000m;
            switch (iv.Text(r, "unit"))
            {
                case "gram": break;
                case "gram / kilogram":
                    var ind = individuals.Lines.FirstOrDefault(l => individuals.Text(l, "study") == study
                        && individuals.Decimal(l, "subject_pk") == tc.Decimal(at, "individual_pk"));
                    if (ind.Fields is null) throw tc.Error(at, "individual_pk", $"individual {individualPk} of {study} is not in {individuals.Source}; a dose per kg needs its weight.");
                    if (individuals.Text(ind, "weight unit") != "kilogram")
                        throw individuals.Error(ind, "weight unit", $"weight unit '{individuals.Text(ind, "weight unit")}'; expected kilogram.");
                    amount *= individuals.Decimal(ind, "weight value", positive: true);
                    break;
                default:
                    throw iv.Error(r, "unit", $"dose unit '{iv.Text(r, "unit")}'; expected gram or gram / kilogram.");
            }
            return iv.Text(r, "route") switch
            {
                "iv" => DosingEvent.Bolus(0, (double)amount),
                "oral" or "rectal" => DosingEvent.Oral(0, (double)amount),
                var other => throw iv.Error(r, "route", $"route '{other}'; expected iv, oral or rectal."),
            };
        }
    }

    /// <summary>A raw table read with line numbers: CSV (R's write.csv) or TSV (PK-DB, multi-line headers joined by a space).</summary>
    private sealed class RawTable
    {
        private readonly Dictionary<string, int> index = new(StringComparer.Ordinal);

        private RawTable(string source, string[] names, List<CsvLine> lines, int headerLine, IEnumerable<string> required)
        {
            Source = source;
            Lines = lines;
            for (int i = 0; i < names.Length; i++) index.TryAdd(names[i], i);
            var missing = required.Where(n => !index.ContainsKey(n)).ToList();
            if (missing.Count > 0)
                throw new DatasetFormatException(source, headerLine, null, $"required column{(missing.Count > 1 ? "s" : "")} {string.Join(", ", missing)} missing; expected {string.Join(", ", required)}.");
            foreach (var l in lines)
                if (l.Fields.Length != names.Length)
                    throw new DatasetFormatException(source, l.Number, null, $"{l.Fields.Length} fields, expected {names.Length} (one per header column).");
        }

        public string Source { get; }
        public IReadOnlyList<CsvLine> Lines { get; }

        public static RawTable ReadCsv(string path, IEnumerable<string> required)
        {
            using var reader = new StreamReader(path, Encoding.UTF8);
            var lines = CsvLines.Read(reader, path);
            if (lines.Count < 2) throw new DatasetFormatException(path, 0, null, "expected a header and data rows.");
            return new RawTable(path, lines[0].Fields, lines.Skip(1).ToList(), lines[0].Number, required);
        }

        /// <summary>Tab-separated, no quoting; the first <paramref name="headerLines"/> lines name the columns, joined by a space.</summary>
        public static RawTable ReadTsv(string path, int headerLines, IEnumerable<string> required)
        {
            if (headerLines is not (1 or 3)) throw new ArgumentOutOfRangeException(nameof(headerLines), headerLines, "1 or 3 header lines.");
            var all = File.ReadAllLines(path, Encoding.UTF8);
            if (all.Length <= headerLines) throw new DatasetFormatException(path, 0, null, $"expected {headerLines} header line(s) and data rows.");
            var heads = all.Take(headerLines).Select(l => l.Split('\t')).ToArray();
            // One header line: the names. Three (PK-DB's individuals.tsv): line 1 the measurement (repeated per column),
            // line 2 its field, line 3 the identifying columns (study, subject_pk, subject_name); joined as "weight value".
            var names = headerLines == 1 ? heads[0] : heads[0].Select((group, i) =>
                i < heads[2].Length && heads[2][i].Length > 0 ? heads[2][i] : (group + " " + (i < heads[1].Length ? heads[1][i] : "")).Trim()).ToArray();
            var lines = new List<CsvLine>();
            for (int n = headerLines; n < all.Length; n++)
                if (all[n].Length > 0) lines.Add(new CsvLine(n + 1, all[n].Split('\t')));
            return new RawTable(path, names, lines, 1, required);
        }

        public string Text(CsvLine line, string column) => line.Fields[index[column]];

        public DatasetFormatException Error(CsvLine line, string column, string detail) => new(Source, line.Number, column, detail);

        public decimal Decimal(CsvLine line, string column, bool positive = false)
        {
            var s = Text(line, column);
            if (!decimal.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var v))
                throw Error(line, column, $"'{s}' is not a number; expected a number {(positive ? "> 0" : ">= 0")}.");
            if (positive ? v <= 0 : v < 0) throw Error(line, column, $"{s} is out of range; expected a number {(positive ? "> 0" : ">= 0")}.");
            return v;
        }

        /// <summary>A Python list as PK-DB writes it: ['1.00e+00', None, ...]; None is null.</summary>
        public decimal?[] List(CsvLine line, string column)
        {
            var s = Text(line, column).Trim();
            if (s.Length < 2 || s[0] != '[' || s[^1] != ']') throw Error(line, column, $"'{Shorten(s)}' is not a list; expected ['number', ...].");
            var items = s[1..^1].Split(',', StringSplitOptions.TrimEntries);
            if (items.Length == 1 && items[0].Length == 0) return [];
            return items.Select(item =>
            {
                if (item == "None") return (decimal?)null;
                var text = item.Trim('\'');
                if (!decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || v < 0)
                    throw Error(line, column, $"list item '{item}' is not a number >= 0 or None.");
                return v;
            }).ToArray();
        }

        private static string Shorten(string s) => s.Length <= 40 ? s : s[..40] + "...";

        /// <summary>Contiguous runs of lines with the same value of <paramref name="column"/>.</summary>
        public List<List<CsvLine>> Groups(string column)
        {
            var groups = new List<List<CsvLine>>();
            foreach (var l in Lines)
            {
                if (groups.Count > 0 && Text(groups[^1][0], column) == Text(l, column)) groups[^1].Add(l);
                else groups.Add([l]);
            }
            return groups;
        }
    }
}
