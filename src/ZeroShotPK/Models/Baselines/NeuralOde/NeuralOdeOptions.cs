namespace ZeroShotPK.Models.Baselines;

/// <summary>
/// Settings of the <c>NeuralOdePredictor</c> (Inference). The defaults are sized for one study of about 10 individuals
/// with about 10 samples each (theophylline, indometacin): a fit takes a few seconds on one or two CPU threads.
/// </summary>
public sealed record NeuralOdeOptions
{
    /// <summary>Width of the hidden layer of the rate network; 1 to 256.</summary>
    public int HiddenSize { get; init; } = 16;

    /// <summary>Dimension of each individual's latent vector z (its random effects); 1 to 16.</summary>
    public int LatentSize { get; init; } = 3;

    /// <summary>
    /// Number of latent amount states; 2 to 8. State 0 receives oral doses (a depot), state 1 receives IV doses and
    /// is read out as concentration (a central state); further states are free for the fit (e.g. a peripheral one).
    /// </summary>
    public int States { get; init; } = 3;

    /// <summary>Adam iterations of the joint fit (network, every individual's z, residual sd); 1 to 100,000.</summary>
    public int Iterations { get; init; } = 300;

    /// <summary>Initial Adam learning rate, decayed by a cosine schedule to a tenth of it; in (0, 1].</summary>
    public double LearningRate { get; init; } = 0.03;

    /// <summary>
    /// Fixed RK4 steps per individual (at least one per interval between sampling, dose and query times; the
    /// rest go to the longest intervals); 4 to 10,000.
    /// </summary>
    public int Steps { get; init; } = 32;

    /// <summary>L2 penalty on the rate network's weights (per observation); 0 to 1.</summary>
    public double WeightDecay { get; init; } = 1e-3;

    /// <summary>Independently initialised fits whose predictions are pooled; 1 to 64 (time grows linearly).</summary>
    public int EnsembleSize { get; init; } = 1;

    /// <summary>Latent draws per ensemble member for the predictive distribution; 2 to 100,000.</summary>
    public int LatentSamples { get; init; } = 200;

    /// <summary>Checks every setting.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A setting outside its range; the message names it and the range.</exception>
    public void Validate()
    {
        Check(nameof(HiddenSize), HiddenSize, 1, 256);
        Check(nameof(LatentSize), LatentSize, 1, 16);
        Check(nameof(States), States, 2, 8);
        Check(nameof(Iterations), Iterations, 1, 100_000);
        Check(nameof(Steps), Steps, 4, 10_000);
        Check(nameof(EnsembleSize), EnsembleSize, 1, 64);
        Check(nameof(LatentSamples), LatentSamples, 2, 100_000);
        if (!(LearningRate > 0 && LearningRate <= 1))
            throw new ArgumentOutOfRangeException(nameof(LearningRate), LearningRate, $"NeuralOdeOptions.LearningRate must be in (0, 1], got {LearningRate}.");
        if (!(WeightDecay >= 0 && WeightDecay <= 1))
            throw new ArgumentOutOfRangeException(nameof(WeightDecay), WeightDecay, $"NeuralOdeOptions.WeightDecay must be in [0, 1], got {WeightDecay}.");
    }

    private static void Check(string name, int value, int min, int max)
    {
        if (value < min || value > max)
            throw new ArgumentOutOfRangeException(name, value, $"NeuralOdeOptions.{name} must be between {min} and {max}, got {value}.");
    }
}
