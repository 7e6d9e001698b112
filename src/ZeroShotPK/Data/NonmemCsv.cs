using System.Globalization;
using System.Text;

namespace ZeroShotPK.Data;

/// <summary>What a read returned: the studies and the rows it left out on purpose, one message each.</summary>
/// <param name="Studies">Studies in the order they first appear in the file.</param>
/// <param name="Warnings">
/// Rows read but not represented, each as "file, line N: why": EVID 0 rows with MDV 1 (missing samples) and II
/// given on a dose with neither SS nor ADDL.
/// </param>
public sealed record NonmemReadResult(IReadOnlyList<Study> Studies, IReadOnlyList<string> Warnings);

/// <summary>
/// Reads and writes NONMEM / nlmixr2-style event tables (CSV).
/// <para>
/// Columns (header names case-insensitive, fields quoted or not, "." or empty = missing): ID, TIME, DV required;
/// AMT, EVID (0 observation, 1 dose, 2 other, 3 reset, 4 reset and dose), MDV, CMT (1 depot/oral, 2 central/IV; also
/// "depot"/"central"), RATE (&gt; 0 infusion rate; -2 = duration in DUR), DUR, II, ADDL (expanded into separate
/// doses), SS (1 = steady state at interval II replacing the past, 2 = steady state added to it), LLOQ, BLQ or CENS (1 = below LLOQ), STUDY. Every other column is a
/// covariate: <see cref="Individual.Covariates"/> holds the values in effect at the individual's first time and
/// <see cref="Individual.CovariateChanges"/> the later values (a missing cell keeps the value in effect).
/// </para>
/// <para>
/// Rules: rows of an individual are contiguous and sorted by TIME; a dose has AMT &gt; 0 and a CMT; an observation has
/// AMT 0 or missing, a DV &gt;= 0 and CMT 2 or missing. EVID 0 rows with MDV 1 are missing samples: not observations,
/// listed in <see cref="NonmemReadResult.Warnings"/>. A sample is BLQ when its BLQ/CENS flag is 1 (the flag decides
/// when the column exists; with CENS and no LLOQ, DV is the LLOQ as in nlmixr2) or, without a flag column, when
/// DV &lt; LLOQ. Anything else that cannot be represented is a <see cref="DatasetFormatException"/> naming file,
/// line and column. Units are not stored in the file: studies get the default <see cref="Units"/>.
/// </para>
/// </summary>
public static class NonmemCsv
{
    /// <summary>Largest ADDL of one dosing row (each additional dose becomes an event, so an unbounded count would exhaust memory).</summary>
    public const int MaxAddl = 10_000;

    private static readonly string[] Known =
        ["ID", "TIME", "DV", "AMT", "EVID", "MDV", "CMT", "RATE", "DUR", "II", "ADDL", "SS", "LLOQ", "BLQ", "CENS", "STUDY"];

    /// <summary>Reads a file holding one study (named after the file unless a STUDY column names it).</summary>
    /// <exception cref="DatasetFormatException">Invalid content, or more than one study in the file.</exception>
    public static Study ReadStudy(string path) => Single(Read(path), path);

    /// <summary>Reads one study from <paramref name="reader"/>; <paramref name="sourceName"/> names it in messages and, without a STUDY column, names the study (file name without extension).</summary>
    /// <exception cref="DatasetFormatException">Invalid content, or more than one study.</exception>
    public static Study ReadStudy(TextReader reader, string sourceName) => Single(Read(reader, sourceName), sourceName);

    /// <summary>Reads every study of a file: one per STUDY value, or one named after the file.</summary>
    /// <exception cref="DatasetFormatException">Invalid content.</exception>
    public static IReadOnlyList<Study> ReadStudies(string path) => Read(path).Studies;

    /// <summary>Reads every study from <paramref name="reader"/>; <paramref name="sourceName"/> is used in messages.</summary>
    /// <exception cref="DatasetFormatException">Invalid content.</exception>
    public static IReadOnlyList<Study> ReadStudies(TextReader reader, string sourceName) => Read(reader, sourceName).Studies;

    /// <summary>Reads every study of a file and the warnings about rows left out (see <see cref="NonmemReadResult"/>).</summary>
    /// <exception cref="DatasetFormatException">Invalid content.</exception>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    public static NonmemReadResult Read(string path)
    {
        if (Directory.Exists(path))
            throw new DatasetFormatException(path, 0, null, "a folder, not a file; expected a NONMEM-style CSV file.");
        // Strict UTF-8: Latin-1 or binary bytes are a located error, never silently turned into U+FFFD.
        using var reader = new StreamReader(path, new UTF8Encoding(false, throwOnInvalidBytes: true));
        try
        {
            return Read(reader, path);
        }
        catch (DecoderFallbackException)
        {
            var (line, column) = FirstInvalidUtf8(path);
            throw new DatasetFormatException(path, line, null,
                $"byte {column} of the line is not UTF-8 text; expected a UTF-8 (or ASCII) CSV file (re-save it as UTF-8).");
        }
    }

    /// <summary>Line (1-based) and byte within the line (1-based) of the first byte sequence that is not UTF-8.</summary>
    private static (int Line, int Column) FirstInvalidUtf8(string path)
    {
        var strict = new UTF8Encoding(false, throwOnInvalidBytes: true);
        using var stream = File.OpenRead(path);
        var line = new List<byte>();
        int number = 1, b;
        while (true)
        {
            b = stream.ReadByte();
            if (b is '\n' or -1)
            {
                try { strict.GetCharCount(line.ToArray()); }
                catch (DecoderFallbackException e) { return (number, Math.Max(0, e.Index) + 1); }
                if (b == -1) return (number, 1);
                line.Clear();
                number++;
            }
            else line.Add((byte)b);
        }
    }

    /// <summary>Reads every study from <paramref name="reader"/> and the warnings about rows left out.</summary>
    /// <exception cref="DatasetFormatException">Invalid content.</exception>
    public static NonmemReadResult Read(TextReader reader, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentException.ThrowIfNullOrWhiteSpace(sourceName);
        // Streamed: each line is split, parsed and handed to the builder, which keeps one individual's rows at a time, so
        // memory is the studies read plus one individual, not the file as text (issue #15).
        using var lines = CsvLines.Enumerate(reader, sourceName).GetEnumerator();
        if (!lines.MoveNext())
            throw new DatasetFormatException(sourceName, 0, null, "the file is empty; expected a header line naming at least ID, TIME and DV, then data rows.");
        var header = new Header(sourceName, lines.Current);
        if (!lines.MoveNext())
            throw new DatasetFormatException(sourceName, header.Line, null, "the file has a header but no data rows; expected at least one row.");

        var warnings = new List<string>();
        var defaultStudy = Path.GetFileNameWithoutExtension(sourceName);
        IEnumerable<EventRow> Rows()
        {
            do yield return new RowParser(header, lines.Current).Parse(defaultStudy, warnings);
            while (lines.MoveNext());
        }
        var studies = StudyBuilder.Build(sourceName, Rows(), header.CovariateNames,
            new ColumnLabels(header.Name("ID"), header.Name("TIME"), header.Has("AMT") ? header.Name("AMT") : "AMT"));
        return new NonmemReadResult(studies, warnings);
    }

    /// <summary>
    /// Writes <paramref name="studies"/> atomically (temp file in the same folder, then rename). A STUDY column is
    /// written when there is more than one study or the study's name differs from the file name, so that
    /// <see cref="ReadStudies(string)"/> gives back the same studies.
    /// </summary>
    /// <exception cref="ArgumentException">No studies, a study without individuals, or a study name containing a line break.</exception>
    public static void Write(string path, IEnumerable<Study> studies)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var list = studies.ToList();
        var studyColumn = list.Count != 1 || list[0].Name != Path.GetFileNameWithoutExtension(path);
        AtomicFile.Write(path, temp =>
        {
            using var writer = new StreamWriter(temp, false, new UTF8Encoding(false));
            Write(writer, list, studyColumn);
        });
    }

    /// <summary>Writes <paramref name="studies"/> to <paramref name="writer"/>; a STUDY column is written when there is more than one study.</summary>
    /// <exception cref="ArgumentException">No studies, or a study without individuals.</exception>
    public static void Write(TextWriter writer, IEnumerable<Study> studies)
    {
        var list = studies.ToList();
        Write(writer, list, list.Count != 1);
    }

    private static Study Single(NonmemReadResult result, string source) => result.Studies.Count == 1
        ? result.Studies[0]
        : throw new DatasetFormatException(source, 0, "STUDY",
            $"the file holds {result.Studies.Count} studies ({string.Join(", ", result.Studies.Select(s => s.Name))}); expected one (use ReadStudies for several).");

    private static void Write(TextWriter writer, IReadOnlyList<Study> studies, bool studyColumn)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (studies.Count == 0) throw new ArgumentException("nothing to write: expected at least one study.", nameof(studies));
        if (studies.Select(s => s.Name).Distinct().Count() != studies.Count)
            throw new ArgumentException("study names must be unique to be told apart in the STUDY column.", nameof(studies));
        foreach (var s in studies)
            if (s.Individuals.Count == 0) throw new ArgumentException($"study '{s.Name}' has no individuals; a file cannot hold an empty study.", nameof(studies));

        var individuals = studies.SelectMany(s => s.Individuals).ToList();
        var doses = individuals.SelectMany(i => i.Doses).ToList();
        var observations = individuals.SelectMany(i => i.Observations).ToList();
        var infusion = doses.Any(d => d.IsInfusion);
        var steadyState = doses.Any(d => d.SteadyStateInterval is not null);
        var blq = observations.Any(o => o.IsBlq || o.Lloq is not null);
        var covariates = individuals.SelectMany(i => i.Covariates.Keys.Concat(i.CovariateChanges.Select(c => c.Name))).Distinct().ToList();
        var clash = covariates.FirstOrDefault(c => Known.Contains(c, StringComparer.OrdinalIgnoreCase));
        if (clash is not null) throw new ArgumentException($"covariate '{clash}' has the name of a NONMEM column.", nameof(studies));

        var head = new List<string>();
        if (studyColumn) head.Add("STUDY");
        head.AddRange(["ID", "TIME", "DV", "AMT", "EVID", "MDV", "CMT"]);
        if (infusion) head.AddRange(["RATE", "DUR"]);
        if (steadyState) head.AddRange(["SS", "II"]);
        if (blq) head.AddRange(["BLQ", "LLOQ"]);
        head.AddRange(covariates.Select(CsvLines.Quote));
        writer.WriteLine(string.Join(",", head));

        var fields = new List<string>(head.Count);
        foreach (var study in studies)
        foreach (var ind in study.Individuals)
        {
            // Resets, then doses, then observations at equal times; covariate-only times get an EVID 2 row.
            var events = new List<(double Time, int Order, Action<List<string>> Fill)>();
            foreach (var t in ind.ResetTimes)
                events.Add((t, 0, f => Fill(f, ".", 0, 3, 1, ".", 0, 0, null, false, null)));
            foreach (var d in ind.Doses)
                events.Add((d.Time, 1, f => Fill(f, ".", d.Amount, d.ResetBefore ? 4 : 1, 1, d.IntoDepot ? "1" : "2",
                    d.IsInfusion ? -2 : 0, d.IsInfusion ? d.Duration : 0, d.SteadyStateInterval, false, null, d.SteadyStateAdditive)));
            foreach (var o in ind.Observations)
                events.Add((o.Time, 2, f => Fill(f, CsvLines.Format(o.Value), 0, 0, 0, "2", 0, 0, null, o.IsBlq, o.Lloq)));
            var eventTimes = events.Select(e => e.Time).ToHashSet();
            foreach (var t in ind.CovariateChanges.Select(c => c.Time).Distinct().Where(t => !eventTimes.Contains(t)))
                events.Add((t, 3, f => Fill(f, ".", 0, 2, 1, ".", 0, 0, null, false, null)));
            if (events.Count == 0) events.Add((0, 3, f => Fill(f, ".", 0, 2, 1, ".", 0, 0, null, false, null)));

            foreach (var e in events.OrderBy(e => e.Time).ThenBy(e => e.Order))
            {
                fields.Clear();
                if (studyColumn) fields.Add(CsvLines.Quote(study.Name));
                fields.Add(CsvLines.Quote(ind.Id));
                fields.Add(CsvLines.Format(e.Time));
                e.Fill(fields);
                foreach (var c in covariates)
                    fields.Add(ind.CovariateAt(c, e.Time) is { } v ? CsvLines.Quote(v) : ".");
                writer.WriteLine(string.Join(",", fields));
            }
        }

        void Fill(List<string> f, string dv, double amt, int evid, int mdv, string cmt, double rate, double dur,
            double? ii, bool isBlq, double? lloq, bool additive = false)
        {
            f.AddRange([dv, CsvLines.Format(amt), evid.ToString(CultureInfo.InvariantCulture), mdv.ToString(CultureInfo.InvariantCulture), cmt]);
            if (infusion) f.AddRange([CsvLines.Format(rate), CsvLines.Format(dur)]);
            if (steadyState) f.AddRange([ii is null ? "0" : additive ? "2" : "1", ii is null ? "0" : CsvLines.Format(ii.Value)]);
            if (blq) f.AddRange([isBlq ? "1" : "0", lloq is null ? "." : CsvLines.Format(lloq.Value)]);
        }
    }

    /// <summary>Column positions by upper-case name; the rest are covariates.</summary>
    private sealed class Header
    {
        private readonly Dictionary<string, int> _index = new(StringComparer.OrdinalIgnoreCase);
        private readonly Dictionary<string, int> _canonical = new(StringComparer.Ordinal);

        public Header(string source, CsvLine line)
        {
            Source = source;
            Line = line.Number;
            Names = line.Fields;
            var covariates = new List<string>();
            var covariateIndex = new List<int>();
            for (var i = 0; i < Names.Length; i++)
            {
                var name = Names[i];
                if (name.Length == 0)
                    throw new DatasetFormatException(source, Line, null, $"header field {i + 1} is empty; expected a column name.");
                if (_index.ContainsKey(name) || covariates.Contains(name, StringComparer.OrdinalIgnoreCase))
                    throw new DatasetFormatException(source, Line, name, "column name appears twice in the header; expected each column once.");
                if (Known.Contains(name, StringComparer.OrdinalIgnoreCase)) _index[name] = i;
                else { covariates.Add(name); covariateIndex.Add(i); }
            }
            CovariateNames = covariates;
            CovariateIndex = covariateIndex.ToArray();
            // Lookups per row use the canonical names ("TIME"): an ordinal table is several times faster than the
            // case-insensitive one, which only serves to match the header's spelling.
            foreach (var (name, i) in _index) _canonical[Known.First(k => k.Equals(name, StringComparison.OrdinalIgnoreCase))] = i;
            var missing = new[] { "ID", "TIME", "DV" }.Where(n => !Has(n)).ToList();
            if (missing.Count > 0)
                throw new DatasetFormatException(source, Line, null,
                    $"required column{(missing.Count > 1 ? "s" : "")} {string.Join(", ", missing)} missing; expected at least ID, TIME and DV (the header has {string.Join(", ", Names)}).");
            if (Has("BLQ") && Has("CENS"))
                throw new DatasetFormatException(source, Line, Names[_index["CENS"]], "both BLQ and CENS flag below-limit samples; expected only one of them.");
        }

        public string Source { get; }
        public int Line { get; }
        public string[] Names { get; }
        public IReadOnlyList<string> CovariateNames { get; }
        public int[] CovariateIndex { get; }
        /// <summary>True when the file has <paramref name="column"/>, a canonical name such as "TIME" (one of <see cref="Known"/>).</summary>
        public bool Has(string column) => _canonical.ContainsKey(column);
        public int Index(string column) => _canonical.TryGetValue(column, out var i) ? i : -1;
        public string Name(string column) => Names[_canonical[column]];
    }

    /// <summary>Validates one data row's own fields.</summary>
    private readonly struct RowParser(Header header, CsvLine line)
    {
        private string[] F => line.Fields;

        public EventRow Parse(string defaultStudy, List<string> warnings)
        {
            if (F.Length != header.Names.Length)
                throw Error(null, $"{F.Length} fields, expected {header.Names.Length} (one per header column: {string.Join(", ", header.Names)}).");

            var id = Text("ID") ?? throw Error("ID", "ID is missing; expected an individual identifier.");
            var study = header.Has("STUDY") ? Text("STUDY") ?? throw Error("STUDY", "STUDY is missing; expected a study name.") : defaultStudy;
            var time = Number("TIME", "a time >= 0") ?? throw Error("TIME", "TIME is missing; expected a time >= 0.");
            if (time < 0) throw Error("TIME", $"time {CsvLines.Format(time)} is negative; expected a time >= 0.");
            var amt = Number("AMT", "an amount >= 0") ?? 0;
            if (amt < 0) throw Error("AMT", $"AMT {CsvLines.Format(amt)} is negative; expected an amount >= 0.");

            int evid;
            if (header.Has("EVID"))
            {
                evid = Integer("EVID", "0 (observation), 1 (dose), 2 (other), 3 (reset) or 4 (reset and dose)")
                       ?? throw Error("EVID", "EVID is missing; expected 0 (observation), 1 (dose), 2 (other), 3 (reset) or 4 (reset and dose).");
                if (evid is < 0 or > 4)
                    throw Error("EVID", $"EVID {evid} is not supported; expected 0 (observation), 1 (dose), 2 (other), 3 (reset) or 4 (reset and dose).");
            }
            else if (amt > 0)
                throw Error("AMT", $"AMT {CsvLines.Format(amt)} but the file has no EVID column; expected an EVID column (1 dose, 0 observation) when the file has doses.");
            else evid = 0;

            var mdv = Integer("MDV", "0 or 1");
            if (mdv is not (null or 0 or 1)) throw Error("MDV", $"MDV {mdv} is not 0 or 1; expected 0 (DV observed) or 1 (DV missing).");
            var cmt = Compartment();
            var rate = Number("RATE", "a rate > 0, 0 or -2") ?? 0;
            var dur = Number("DUR", "a duration >= 0") ?? 0;
            if (dur < 0) throw Error("DUR", $"DUR {CsvLines.Format(dur)} is negative; expected a duration >= 0.");
            var ii = Number("II", "an interval >= 0") ?? 0;
            if (ii < 0) throw Error("II", $"II {CsvLines.Format(ii)} is negative; expected an interval >= 0.");
            var addl = Integer("ADDL", "a count >= 0") ?? 0;
            if (addl < 0) throw Error("ADDL", $"ADDL {addl} is negative; expected a count >= 0.");
            if (addl > MaxAddl) throw Error("ADDL", $"ADDL {addl} expands into more than {MaxAddl} doses; expected a count between 0 and {MaxAddl} (split a longer regimen over several rows, or use SS 1 for steady state).");
            var ss = Integer("SS", "0, 1 or 2") ?? 0;
            if (ss is not (0 or 1 or 2)) throw Error("SS", $"SS {ss} is not supported; expected 0, 1 (steady state at interval II) or 2 (steady state added to the amounts in the body).");
            var covariates = new string?[header.CovariateIndex.Length];
            for (var c = 0; c < covariates.Length; c++)
                covariates[c] = CsvLines.IsMissing(F[header.CovariateIndex[c]]) ? null : F[header.CovariateIndex[c]];

            if (evid is 1 or 4)
            {
                if (!header.Has("AMT"))
                    throw Error("EVID", $"dose row (EVID {evid}) but the file has no AMT column; expected an AMT column with the amount given.");
                if (amt <= 0) throw Error("AMT", $"dose row (EVID {evid}) has AMT {CsvLines.Format(amt)}; expected an amount > 0.");
                if (cmt is null)
                    throw Error(header.Has("CMT") ? header.Name("CMT") : null,
                        $"dose row (EVID {evid}) has no CMT; expected CMT 1 (depot, oral) or 2 (central, IV).");
                var duration = 0.0;
                if (rate > 0)
                {
                    if (dur > 0) throw Error("DUR", $"both RATE {CsvLines.Format(rate)} and DUR {CsvLines.Format(dur)} given; expected DUR only with RATE -2.");
                    duration = amt / rate;
                }
                else if (rate == -2)
                {
                    if (dur <= 0) throw Error("DUR", "RATE -2 needs the infusion duration in DUR; expected DUR > 0.");
                    duration = dur;
                }
                else if (rate < 0)
                    throw Error("RATE", $"RATE {CsvLines.Format(rate)} is not supported; expected a rate > 0, 0 (bolus) or -2 (duration in DUR).");
                else duration = dur;
                if (ss > 0 && ii <= 0) throw Error("SS", $"SS {ss} needs the dosing interval; expected II > 0, got II {CsvLines.Format(ii)}.");
                if (addl > 0 && ii <= 0) throw Error("ADDL", $"ADDL {addl} needs the dosing interval; expected II > 0, got II {CsvLines.Format(ii)}.");
                if (ii > 0 && ss == 0 && addl == 0)
                    warnings.Add($"{header.Source}, line {line.Number}: II {CsvLines.Format(ii)} ignored (neither SS 1 nor ADDL > 0 on this dose).");
                var route = (cmt == 1, duration > 0) switch
                {
                    (true, false) => Route.Oral,
                    (true, true) => Route.OralInfusion,
                    (false, false) => Route.IvBolus,
                    (false, true) => Route.IvInfusion,
                };
                return new EventRow(line.Number, study, id, time, RowKind.Dose, covariates)
                {
                    Dose = new DosingEvent(time, amt, route, duration, ss > 0 ? ii : null, evid == 4, ss == 2),
                    Addl = addl,
                    Ii = ii,
                };
            }

            // EVID 0, 2, 3: nothing is given, so dose-only fields must be empty.
            if (amt > 0)
                throw Error("AMT", evid == 0
                    ? $"observation row (EVID 0) has AMT {CsvLines.Format(amt)}; expected AMT 0 or '.' (a dose needs EVID 1)."
                    : $"EVID {evid} row has AMT {CsvLines.Format(amt)}; expected AMT 0 or '.' (a dose needs EVID 1 or 4).");
            foreach (var (name, value) in new[] { ("RATE", rate), ("DUR", dur), ("SS", ss), ("ADDL", (double)addl) })
                if (value != 0) throw Error(name, $"{name} {CsvLines.Format(value)} on a row that is not a dose (EVID {evid}); expected 0 or '.'.");

            if (evid == 2) return new EventRow(line.Number, study, id, time, RowKind.Other, covariates);
            if (evid == 3) return new EventRow(line.Number, study, id, time, RowKind.Reset, covariates);
            if (mdv == 1)
            {
                warnings.Add($"{header.Source}, line {line.Number}: EVID 0 row with MDV 1 (missing sample of ID {id} at time {CsvLines.Format(time)}) is not an observation; left out.");
                return new EventRow(line.Number, study, id, time, RowKind.MissingObservation, covariates);
            }
            var dv = Number("DV", "a concentration >= 0")
                     ?? throw Error("DV", "DV is missing on an observation row (EVID 0, MDV 0); expected a concentration, or MDV 1 for a missing sample.");
            if (dv < 0) throw Error("DV", $"DV {CsvLines.Format(dv)} is negative; expected a concentration >= 0.");
            if (cmt is 1) throw Error("CMT", "observation in CMT 1 (depot); expected CMT 2 (central) or '.'.");
            var lloq = Number("LLOQ", "a limit >= 0");
            if (lloq < 0) throw Error("LLOQ", $"LLOQ {CsvLines.Format(lloq.Value)} is negative; expected a limit >= 0.");
            bool isBlq;
            var flagColumn = header.Has("CENS") ? "CENS" : header.Has("BLQ") ? "BLQ" : null;
            if (flagColumn is not null)
            {
                var flag = Integer(flagColumn, "0 or 1") ?? 0;
                if (flag == -1 && flagColumn == "CENS")
                    throw Error("CENS", "CENS -1 (above the upper limit) is not supported; expected 0 or 1 (below LLOQ).");
                if (flag is not (0 or 1)) throw Error(flagColumn, $"{flagColumn} {flag} is not a flag; expected 0 or 1 (below LLOQ).");
                isBlq = flag == 1;
                // nlmixr2 convention: a censored sample's DV is its limit.
                if (isBlq && lloq is null && flagColumn == "CENS") lloq = dv;
            }
            else isBlq = lloq is not null && dv < lloq;
            return new EventRow(line.Number, study, id, time, RowKind.Observation, covariates)
            {
                Observation = new Observation(time, dv, lloq, isBlq),
            };
        }

        private string? Text(string column)
        {
            var i = header.Index(column);
            return i < 0 || CsvLines.IsMissing(F[i]) ? null : F[i];
        }

        private double? Number(string column, string expected)
        {
            if (Text(column) is not { } s) return null;
            if (double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v)) return v;
            throw Error(column, $"'{s}' is not a number; expected {expected}.");
        }

        private int? Integer(string column, string expected)
        {
            if (Number(column, expected) is not { } v) return null;
            if (v != Math.Round(v) || Math.Abs(v) > int.MaxValue)
                throw Error(column, $"{CsvLines.Format(v)} is not a whole number; expected {expected}.");
            return (int)v;
        }

        private int? Compartment()
        {
            if (Text("CMT") is not { } s) return null;
            if (s.Equals("depot", StringComparison.OrdinalIgnoreCase)) return 1;
            if (s.Equals("central", StringComparison.OrdinalIgnoreCase)) return 2;
            var cmt = Integer("CMT", "1 (depot, oral) or 2 (central, IV)");
            return cmt is 1 or 2 ? cmt : throw Error("CMT", $"CMT {s} is not a known compartment; expected 1 (depot, oral) or 2 (central, IV).");
        }

        private DatasetFormatException Error(string? column, string detail) =>
            new(header.Source, line.Number, column is null ? null : header.Has(column) ? header.Name(column) : column, detail);
    }
}
