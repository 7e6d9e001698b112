namespace ZeroShotPK.Data;

/// <summary>
/// One measured concentration. A sample below the limit of quantification keeps its LLOQ and is flagged
/// <see cref="IsBlq"/>: it is censored information, not a missing value, and methods must treat it so.
/// </summary>
/// <param name="Time">Sampling time, in the study's time unit.</param>
/// <param name="Value">Measured concentration (DV); for a BLQ sample, the value reported (often the LLOQ or 0).</param>
/// <param name="Lloq">Lower limit of quantification, when known.</param>
/// <param name="IsBlq">True when the sample is below <see cref="Lloq"/> (censored).</param>
public sealed record Observation(double Time, double Value, double? Lloq = null, bool IsBlq = false);
