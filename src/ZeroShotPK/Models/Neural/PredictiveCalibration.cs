namespace ZeroShotPK.Models.Neural;

/// <summary>
/// A checkpoint's calibration of its predictive spread on synthetic data it was not trained on: the decoder's standard
/// deviations are multiplied by <paramref name="SdScale"/>, chosen so that 90% predictive intervals (of the mixture over
/// prior-latent draws) cover 90% of the held-out points of the checkpoint's own <c>validation.csv</c>. Fitted on
/// synthetic studies only, never on real data, so the real benchmark stays a test.
/// </summary>
/// <param name="SdScale">Factor applied to every decoder standard deviation at prediction.</param>
/// <param name="Coverage90Before">Coverage of the 90% interval on the validation points with scale 1.</param>
/// <param name="Coverage90After">Coverage with <paramref name="SdScale"/>.</param>
/// <param name="Points">Validation points (measured, unrevealed target samples).</param>
public sealed record PredictiveCalibration(double SdScale, double Coverage90Before, double Coverage90After, int Points);
