namespace ZeroShotPK.Data;

/// <summary>
/// A covariate taking a new value during follow-up (e.g. alpha-1-acid glycoprotein re-measured). The value holds from
/// <see cref="Time"/> until the next change; before the first change the baseline in
/// <see cref="Individual.Covariates"/> holds.
/// </summary>
/// <param name="Time">Time from which the new value holds, in the study's time unit.</param>
/// <param name="Name">Covariate (column) name.</param>
/// <param name="Value">New value, as written in the file.</param>
public sealed record CovariateChange(double Time, string Name, string Value);
