namespace ZeroShotPK.Data;

/// <summary>
/// One subject of a study: dosing history, observations and covariates (the Pumas <c>Subject</c>).
/// Events are kept sorted by time.
/// </summary>
public sealed class Individual
{
    /// <summary>Creates an individual; doses and observations are sorted by time (stable).</summary>
    /// <param name="id">Subject identifier as written in the ID column.</param>
    /// <param name="doses">Administrations (ADDL already expanded).</param>
    /// <param name="observations">Measured concentrations.</param>
    /// <param name="covariates">Time-constant covariates by column name (numeric or text).</param>
    /// <param name="resetTimes">Times of EVID 3 system resets.</param>
    public Individual(string id, IEnumerable<DosingEvent> doses, IEnumerable<Observation> observations,
        IReadOnlyDictionary<string, string>? covariates = null, IEnumerable<double>? resetTimes = null)
    {
        if (string.IsNullOrWhiteSpace(id)) throw new ArgumentException("individual id must not be empty.", nameof(id));
        Id = id;
        Doses = doses.OrderBy(d => d.Time).ToArray();
        Observations = observations.OrderBy(o => o.Time).ToArray();
        Covariates = covariates ?? new Dictionary<string, string>();
        ResetTimes = (resetTimes ?? []).OrderBy(t => t).ToArray();
    }

    /// <summary>Subject identifier.</summary>
    public string Id { get; }

    /// <summary>Administrations sorted by time.</summary>
    public IReadOnlyList<DosingEvent> Doses { get; }

    /// <summary>Observations sorted by time.</summary>
    public IReadOnlyList<Observation> Observations { get; }

    /// <summary>Covariates by column name, as written in the file.</summary>
    public IReadOnlyDictionary<string, string> Covariates { get; }

    /// <summary>Times at which the system is reset to zero (EVID 3).</summary>
    public IReadOnlyList<double> ResetTimes { get; }

    /// <summary>A covariate as a number, or null when absent or not numeric.</summary>
    public double? NumericCovariate(string name) =>
        Covariates.TryGetValue(name, out var s) && double.TryParse(s, System.Globalization.NumberStyles.Float,
            System.Globalization.CultureInfo.InvariantCulture, out var v) ? v : null;

    /// <summary>A copy with only the first <paramref name="count"/> observations (what is known of a new patient).</summary>
    public Individual WithFirstObservations(int count)
    {
        if (count < 0) throw new ArgumentOutOfRangeException(nameof(count), count, "count must be >= 0.");
        return new Individual(Id, Doses, Observations.Take(count), Covariates, ResetTimes);
    }

    /// <inheritdoc />
    public override string ToString() => $"Individual {Id}: {Doses.Count} doses, {Observations.Count} observations";
}
