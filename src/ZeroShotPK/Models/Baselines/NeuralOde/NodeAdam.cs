using TorchSharp;
using TorchSharp.Modules;
using ZeroShotPK.Torch;
using static TorchSharp.torch;

namespace ZeroShotPK.Models.Baselines;

/// <summary>
/// Adam (Kingma and Ba; betas 0.9 and 0.999, eps 1e-8, no weight decay) with a cosine learning-rate decay from
/// <c>lr</c> to <c>lr / 10</c> over the run, for the neural ODE's fit. Written here instead of TorchSharp's Adam because
/// that one passes temporary Scalars to native calls (see <see cref="TorchScalars"/>); every Scalar here is held by
/// this object or by a <c>using</c> local for as long as libtorch may read it.
/// </summary>
internal sealed class NodeAdam : IDisposable
{
    private const double Beta1 = 0.9, Beta2 = 0.999;
    private readonly Parameter[] parameters;
    private readonly Tensor[] m, v;
    private readonly Scalar beta1 = Beta1.ToScalar(), oneMinusBeta1 = (1 - Beta1).ToScalar();
    private readonly Scalar beta2 = Beta2.ToScalar(), oneMinusBeta2 = (1 - Beta2).ToScalar(), eps = 1e-8.ToScalar();
    private readonly double learningRate;
    private readonly int totalSteps;
    private int step;

    public NodeAdam(IReadOnlyList<Parameter> parameters, double learningRate, int totalSteps)
    {
        this.parameters = parameters.ToArray();
        this.learningRate = learningRate;
        this.totalSteps = totalSteps;
        m = this.parameters.Select(p => zeros_like(p).DetachFromDisposeScope()).ToArray();
        v = this.parameters.Select(p => zeros_like(p).DetachFromDisposeScope()).ToArray();
    }

    /// <summary>Learning rate of the next step: cosine from lr (step 0) to lr/10 (step totalSteps).</summary>
    public double CurrentLearningRate =>
        learningRate / 10 + (learningRate - learningRate / 10) * 0.5 * (1 + Math.Cos(Math.PI * Math.Min(step, totalSteps) / totalSteps));

    /// <summary>Clears the gradients.</summary>
    public void ZeroGrad()
    {
        foreach (var p in parameters) p.grad?.zero_();
    }

    /// <summary>One Adam update from the current gradients (parameters without a gradient are skipped).</summary>
    public void Step()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        double lr = CurrentLearningRate;
        step++;
        double bias1 = 1 - Math.Pow(Beta1, step), bias2 = 1 - Math.Pow(Beta2, step);
        using var sqrtBias2 = Math.Sqrt(bias2).ToScalar();
        using var stepSize = (-lr / bias1).ToScalar();
        for (int k = 0; k < parameters.Length; k++)
        {
            var g = parameters[k].grad;
            if (g is null) continue;
            m[k].mul_(beta1).add_(g, oneMinusBeta1);
            v[k].mul_(beta2).addcmul_(g, g, oneMinusBeta2);
            var denom = v[k].sqrt().div_(sqrtBias2).add_(eps, TorchScalars.One);
            parameters[k].addcdiv_(m[k], denom, stepSize);
        }
    }

    public void Dispose()
    {
        foreach (var t in m.Concat(v)) t.Dispose();
        foreach (var s in new[] { beta1, oneMinusBeta1, beta2, oneMinusBeta2, eps }) s.Dispose();
    }
}
