namespace ZeroShotPK.Data;

/// <summary>
/// One subject of a study: dosing history, observations and covariates (the Pumas <c>Subject</c>).
/// Events are kept sorted by time. Covariates are baseline values; values that change during follow-up are kept in
/// <see cref="CovariateChanges"/> (see <see cref="CovariateAt"/>).
/// </summary>
public sealed class Individual
{
    /// <summary>Creates an individual; doses and observations are sorted by time (stable).</summary>
    /// <param name="id">Subject identifier as written in the ID column.</param>
    /// <param name="doses">Administrations (ADDL already expanded).</param>
    /// <param name="observations">Measured concentrations.</param>
    /// <param name="covariates">Time-constant covariates by column name (numeric or text).</param>
    /// <param name="resetTimes">Times of EVID 3 system resets.</param>
    /// <param name="covariateChanges">Later values of time-varying covariates (sorted by time, stable).</param>
    public Individual(string id, IEnumerable<DosingEvent> doses, IEnumerable<Observation> observations,
        IReadOnlyDictionary<string, string>? covariates = null, IEnumerable<double>? resetTimes = null,
        IEnumerable<CovariateChange>? covariateChanges = null)
    {
        if (string.IsNullOrWhiteSpace(id)) throw new ArgumentException("individual id must not be empty.", nameof(id));
        Id = id;
        Doses = doses.OrderBy(d => d.Time).ToArray();
        Observations = observations.OrderBy(o => o.Time).ToArray();
        Covariates = covariates ?? new Dictionary<string, string>();
        ResetTimes = (resetTimes ?? []).OrderBy(t => t).ToArray();
        CovariateChanges = (covariateChanges ?? []).OrderBy(c => c.Time).ToArray();
    }

    /// <summary>Subject identifier.</summary>
    public string Id { get; }

    /// <summary>Administrations sorted by time.</summary>
    public IReadOnlyList<DosingEvent> Doses { get; }

    /// <summary>Observations sorted by time.</summary>
    public IReadOnlyList<Observation> Observations { get; }

    /// <summary>
    /// Baseline covariates by column name, as written in the file: the values in effect at the individual's first
    /// time. A covariate whose cells are all missing is absent.
    /// </summary>
    public IReadOnlyDictionary<string, string> Covariates { get; }

    /// <summary>Later values of covariates that change within the individual, sorted by time.</summary>
    public IReadOnlyList<CovariateChange> CovariateChanges { get; }

    /// <summary>Times at which the system is reset to zero (EVID 3).</summary>
    public IReadOnlyList<double> ResetTimes { get; }

    /// <summary>A covariate as a number, or null when absent or not numeric.</summary>
    public double? NumericCovariate(string name) =>
        Covariates.TryGetValue(name, out var s) && double.TryParse(s, System.Globalization.NumberStyles.Float,
            System.Globalization.CultureInfo.InvariantCulture, out var v) ? v : null;

    /// <summary>The value of covariate <paramref name="name"/> in effect at <paramref name="time"/>, or null when unknown.</summary>
    public string? CovariateAt(string name, double time)
    {
        var value = Covariates.TryGetValue(name, out var baseline) ? baseline : null;
        foreach (var change in CovariateChanges)
        {
            if (change.Time > time) break;
            if (change.Name == name) value = change.Value;
        }
        return value;
    }

    /// <summary>A copy with only the first <paramref name="count"/> observations (what is known of a new patient).</summary>
    public Individual WithFirstObservations(int count)
    {
        if (count < 0) throw new ArgumentOutOfRangeException(nameof(count), count, "count must be >= 0.");
        return new Individual(Id, Doses, Observations.Take(count), Covariates, ResetTimes, CovariateChanges);
    }

    /// <inheritdoc />
    public override string ToString() => $"Individual {Id}: {Doses.Count} doses, {Observations.Count} observations";
}
