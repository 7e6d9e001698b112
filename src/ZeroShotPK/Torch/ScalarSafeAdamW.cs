using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ZeroShotPK.Torch;

/// <summary>
/// Adam (Kingma and Ba) with optional decoupled weight decay (AdamW, Loshchilov and Hutter), with the same update, to
/// float rounding, as TorchSharp's <c>optim.Adam</c> (weight decay 0) and <c>optim.AdamW</c>.
/// </summary>
/// <remarks>
/// Written here because TorchSharp's optimizers pass temporary Scalars (<c>mul_(beta1)</c>, <c>add_(grad, alpha: 1 - beta1)</c>,
/// <c>add_(eps)</c>) that only a finalizer frees, so a garbage collection on another thread can free one while libtorch
/// reads it (see <see cref="TorchScalars"/>). Every Scalar here is held by this object or by a <c>using</c> local for as
/// long as libtorch may read it. The learning rate is a settable property so callers keep their own schedules.
/// </remarks>
internal sealed class ScalarSafeAdamW : IDisposable
{
    private readonly Parameter[] parameters;
    private readonly Tensor[] m, v;
    private readonly long[] steps;
    private readonly double beta1Value, beta2Value, weightDecay;
    private readonly Scalar beta1, oneMinusBeta1, beta2, oneMinusBeta2, eps;
    private double learningRate;
    private bool disposed;

    /// <summary>Creates the optimizer with zero moments.</summary>
    /// <param name="parameters">Parameters to update (each keeps its own step count, as in torch).</param>
    /// <param name="learningRate">Initial learning rate, &gt;= 0.</param>
    /// <param name="beta1">Decay of the first moment, in [0, 1).</param>
    /// <param name="beta2">Decay of the second moment, in [0, 1).</param>
    /// <param name="epsilon">Added to the denominator, &gt;= 0.</param>
    /// <param name="weightDecay">Decoupled weight decay (parameters shrink by lr * weightDecay per step), &gt;= 0; 0 is plain Adam.</param>
    public ScalarSafeAdamW(IEnumerable<Parameter> parameters, double learningRate, double beta1 = 0.9, double beta2 = 0.999,
        double epsilon = 1e-8, double weightDecay = 0)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (!(learningRate >= 0) || !double.IsFinite(learningRate)) throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, "expected a finite learning rate >= 0");
        if (!(beta1 >= 0 && beta1 < 1)) throw new ArgumentOutOfRangeException(nameof(beta1), beta1, "expected beta1 in [0, 1)");
        if (!(beta2 >= 0 && beta2 < 1)) throw new ArgumentOutOfRangeException(nameof(beta2), beta2, "expected beta2 in [0, 1)");
        if (!(epsilon >= 0) || !double.IsFinite(epsilon)) throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "expected a finite epsilon >= 0");
        if (!(weightDecay >= 0) || !double.IsFinite(weightDecay)) throw new ArgumentOutOfRangeException(nameof(weightDecay), weightDecay, "expected a finite weight decay >= 0");
        this.parameters = parameters.ToArray();
        LearningRate = learningRate;
        beta1Value = beta1;
        beta2Value = beta2;
        this.weightDecay = weightDecay;
        this.beta1 = beta1.ToScalar();
        oneMinusBeta1 = (1 - beta1).ToScalar();
        this.beta2 = beta2.ToScalar();
        oneMinusBeta2 = (1 - beta2).ToScalar();
        eps = epsilon.ToScalar();
        m = this.parameters.Select(p => zeros_like(p).DetachFromDisposeScope()).ToArray();
        v = this.parameters.Select(p => zeros_like(p).DetachFromDisposeScope()).ToArray();
        steps = new long[this.parameters.Length];
    }

    /// <summary>Learning rate of the next <see cref="Step"/>; set it before each step to follow a schedule.</summary>
    public double LearningRate
    {
        get => learningRate;
        set
        {
            if (!(value >= 0) || !double.IsFinite(value)) throw new ArgumentOutOfRangeException(nameof(value), value, "expected a finite learning rate >= 0");
            learningRate = value;
        }
    }

    /// <summary>Clears the gradients.</summary>
    public void ZeroGrad()
    {
        foreach (var p in parameters) p.grad?.zero_();
    }

    /// <summary>One update from the current gradients; parameters without a gradient are skipped (their step count stays).</summary>
    public void Step()
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        double lr = LearningRate;
        using var shrink = (1 - lr * weightDecay).ToScalar();
        for (int k = 0; k < parameters.Length; k++)
        {
            var g = parameters[k].grad;
            if (g is null) continue;
            long step = ++steps[k];
            if (weightDecay != 0) parameters[k].mul_(shrink);
            double bias1 = 1 - Math.Pow(beta1Value, step), bias2 = 1 - Math.Pow(beta2Value, step);
            using var sqrtBias2 = Math.Sqrt(bias2).ToScalar();
            using var stepSize = (-lr / bias1).ToScalar();
            m[k].mul_(beta1).add_(g, oneMinusBeta1);
            v[k].mul_(beta2).addcmul_(g, g, oneMinusBeta2);
            using var root = v[k].sqrt();
            var denom = root.div_(sqrtBias2).add_(eps, TorchScalars.One);
            parameters[k].addcdiv_(m[k], denom, stepSize);
        }
    }

    /// <summary>Frees the moments and the Scalars.</summary>
    public void Dispose()
    {
        if (disposed) return;
        disposed = true;
        foreach (var t in m.Concat(v)) t.Dispose();
        foreach (var s in new[] { beta1, oneMinusBeta1, beta2, oneMinusBeta2, eps }) s.Dispose();
    }
}
