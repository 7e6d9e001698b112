namespace ZeroShotPK.Data;

/// <summary>What one row of an event table is, after its own fields have been validated.</summary>
internal enum RowKind
{
    Observation,
    MissingObservation,
    Dose,
    Other,
    Reset,
}

/// <summary>One validated row; <see cref="Covariates"/> holds one cell per covariate column (null = missing).</summary>
internal sealed record EventRow(int Line, string Study, string Id, double Time, RowKind Kind, string?[] Covariates)
{
    public DosingEvent? Dose { get; init; }
    public int Addl { get; init; }
    public double Ii { get; init; }
    public Observation? Observation { get; init; }
}

/// <summary>Column names as the source file spells them, for messages.</summary>
internal sealed record ColumnLabels(string Id, string Time, string Amount);

/// <summary>
/// Turns validated rows into studies: the checks that span rows (contiguous individuals, sorted times, duplicate
/// doses), ADDL expansion and the covariate timeline. Shared by every reader of long-format data so that each
/// rule has one home.
/// </summary>
internal static class StudyBuilder
{
    /// <summary>Most administrations of one individual after ADDL expansion (bounds the memory a file can ask for).</summary>
    public const int MaxDosesPerIndividual = 100_000;

    /// <summary>
    /// Builds the studies of <paramref name="rows"/>, read one at a time: each individual is built as soon as its rows end,
    /// so only one individual's rows are held at once (a large file is never held row by row; issue #15).
    /// </summary>
    public static List<Study> Build(string source, IEnumerable<EventRow> rows, IReadOnlyList<string> covariateNames,
        ColumnLabels labels)
    {
        var studies = new List<(string Name, List<Individual> Individuals)>();
        var studyIndex = new Dictionary<string, int>();
        var blockEnd = new Dictionary<(string Study, string Id), int>();
        List<EventRow>? current = null;
        var currentStudy = -1;
        void Finish()
        {
            if (current is null) return;
            blockEnd[(current[0].Study, current[0].Id)] = current[^1].Line;
            studies[currentStudy].Individuals.Add(BuildIndividual(source, current, covariateNames, labels));
        }
        foreach (var row in rows)
        {
            if (current is not null && current[0].Study == row.Study && current[0].Id == row.Id)
            {
                var previous = current[^1];
                if (row.Time < previous.Time)
                    throw new DatasetFormatException(source, row.Line, labels.Time,
                        $"time {CsvLines.Format(row.Time)} of {labels.Id} {row.Id} is before the previous row's time {CsvLines.Format(previous.Time)} (line {previous.Line}); expected the rows of an individual sorted by time.");
                current.Add(row);
                continue;
            }
            Finish();
            if (blockEnd.TryGetValue((row.Study, row.Id), out var endLine))
                throw new DatasetFormatException(source, row.Line, labels.Id,
                    $"{labels.Id} {row.Id} appears again after other individuals (its rows ended on line {endLine}); expected the rows of an individual to be contiguous.");
            current = [row];
            if (!studyIndex.TryGetValue(row.Study, out currentStudy))
            {
                currentStudy = studyIndex[row.Study] = studies.Count;
                studies.Add((row.Study, []));
            }
        }
        Finish();
        return studies.Select(s => new Study(s.Name, s.Individuals)).ToList();
    }

    private static Individual BuildIndividual(string source, List<EventRow> rows, IReadOnlyList<string> covariateNames,
        ColumnLabels labels)
    {
        var doses = new List<DosingEvent>();
        var observations = new List<Observation>();
        var resets = new List<double>();
        var seen = new Dictionary<(double Time, bool Depot, double Amount), int>();
        void AddDose(DosingEvent dose, int line, string origin)
        {
            if (seen.TryGetValue((dose.Time, dose.IntoDepot, dose.Amount), out var first))
                throw new DatasetFormatException(source, line, labels.Amount,
                    $"dose of {CsvLines.Format(dose.Amount)} at time {CsvLines.Format(dose.Time)} into CMT {(dose.IntoDepot ? 1 : 2)} of {labels.Id} {rows[0].Id}{origin} repeats the dose of line {first}; expected each administration once (use ADDL and II for repeated doses).");
            seen[(dose.Time, dose.IntoDepot, dose.Amount)] = line;
            if (doses.Count >= MaxDosesPerIndividual)
                throw new DatasetFormatException(source, line, "ADDL",
                    $"{labels.Id} {rows[0].Id} has more than {MaxDosesPerIndividual} doses once ADDL is expanded; expected at most {MaxDosesPerIndividual} administrations per individual (use SS 1 for a long regimen at steady state).");
            doses.Add(dose);
        }

        foreach (var row in rows)
        {
            switch (row.Kind)
            {
                case RowKind.Observation:
                    observations.Add(row.Observation!);
                    break;
                case RowKind.Dose:
                    var dose = row.Dose!;
                    AddDose(dose, row.Line, "");
                    // Additional doses are ordinary administrations: not at steady state, no reset.
                    for (var k = 1; k <= row.Addl; k++)
                        AddDose(dose with { Time = dose.Time + k * row.Ii, SteadyStateInterval = null, ResetBefore = false, SteadyStateAdditive = false },
                            row.Line, $" (additional dose {k} of ADDL)");
                    break;
                case RowKind.Reset:
                    resets.Add(row.Time);
                    break;
            }
        }

        var (baseline, changes) = CovariateTimeline(rows, covariateNames);
        return new Individual(rows[0].Id, doses, observations, baseline, resets, changes);
    }

    /// <summary>
    /// Baseline = values in effect at the first time; afterwards each time whose end-of-time values differ yields
    /// changes. A missing cell leaves the value in effect unchanged, so writing the value in effect on every row
    /// reads back to the same timeline.
    /// </summary>
    private static (Dictionary<string, string> Baseline, List<CovariateChange> Changes) CovariateTimeline(
        List<EventRow> rows, IReadOnlyList<string> names)
    {
        var state = new string?[names.Count];
        Dictionary<string, string>? baseline = null;
        var previous = new string?[names.Count];
        var changes = new List<CovariateChange>();
        for (var r = 0; r < rows.Count; r++)
        {
            for (var c = 0; c < names.Count; c++)
                if (rows[r].Covariates[c] is { } value) state[c] = value;
            if (r + 1 < rows.Count && rows[r + 1].Time == rows[r].Time) continue;
            if (baseline is null)
            {
                baseline = new Dictionary<string, string>();
                for (var c = 0; c < names.Count; c++)
                    if (state[c] is { } value) baseline[names[c]] = value;
            }
            else
            {
                for (var c = 0; c < names.Count; c++)
                    if (state[c] is { } value && value != previous[c]) changes.Add(new CovariateChange(rows[r].Time, names[c], value));
            }
            Array.Copy(state, previous, names.Count);
        }
        return (baseline ?? [], changes);
    }
}
