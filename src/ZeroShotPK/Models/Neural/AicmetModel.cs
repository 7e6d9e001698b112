using ZeroShotPK.Torch;
using static TorchSharp.torch;

namespace ZeroShotPK.Models.Neural;

/// <summary>
/// What every AICMET network offers to training, validation and prediction, whatever its family
/// (<see cref="AicmetArchitecture.Kind"/>): the training objective, predictive Gaussians of normalised log concentration
/// for draws of the prior latents, and validation figures. <see cref="Create"/> builds the family a configuration names.
/// </summary>
public abstract class AicmetModel : nn.Module
{
    /// <summary>Registers the module under <paramref name="name"/>.</summary>
    protected AicmetModel(string name) : base(name) { }

    /// <summary>The architecture it was built with.</summary>
    public abstract AicmetArchitecture Architecture { get; }

    /// <summary>
    /// Normalised log concentration returned where a query has no dose before it (the concentration is exactly 0
    /// there): exp of it underflows to 0 in double precision.
    /// </summary>
    public const float NoExposure = -1e4f;

    /// <summary>Builds a freshly initialised network of the family <paramref name="a"/> names (seed torch first).</summary>
    public static AicmetModel Create(AicmetArchitecture a) => a.Kind switch
    {
        AicmetArchitecture.Transformer => new AicmetTransformerNetwork(a),
        AicmetArchitecture.Pff => new PffNetwork(a),
        _ => new AicmetNetwork(a),
    };

    /// <summary>Training objective of one batch (per scored point), with latents drawn from the posteriors.</summary>
    public abstract AicmetLoss Loss(AicmetBatch batch, double klWeight);

    /// <summary>
    /// Predictive Gaussians [M, B, T, Q] (mean and sd of normalised log concentration) for <paramref name="samples"/>
    /// draws of the prior latents; with <paramref name="samples"/> = 0 one evaluation at the prior means. With
    /// <paramref name="antithetic"/> the draws come in pairs (noise e, then -e; <paramref name="samples"/> even, and only
    /// where <see cref="SupportsAntitheticDraws"/>). Call in eval mode under <c>torch.no_grad()</c>.
    /// </summary>
    public abstract (Tensor Mu, Tensor Sigma) Predict(AicmetBatch batch, int samples, Generator? generator = null, bool antithetic = false);

    /// <summary>True where <see cref="Predict"/> can pair its latent draws antithetically (the AICMET families; not PFF, whose draws are flow noise).</summary>
    public virtual bool SupportsAntitheticDraws => true;

    /// <summary>
    /// Standard normal noise of the given shape (draws first): independent, or with <paramref name="antithetic"/> the
    /// first half of the draws followed by their negatives. Paired draws make the mixture over latents symmetric about
    /// the latent means, so its median and band settle with half the draws (8 paired draws gave the benchmark figures
    /// of 16 independent ones, at about two thirds of the latency).
    /// </summary>
    /// <exception cref="ArgumentException">Antithetic with an odd number of draws.</exception>
    internal static Tensor LatentNoise(long[] shape, Device device, Generator? generator, bool antithetic)
    {
        if (!antithetic) return randn(shape, device: device, generator: generator);
        if (shape[0] % 2 != 0) throw new ArgumentException($"antithetic latent draws come in pairs: the number of draws must be even, got {shape[0]}.");
        using var half = randn([shape[0] / 2, .. shape[1..]], device: device, generator: generator);
        using var mirrored = half.neg();
        return cat([half, mirrored], 0);
    }

    /// <summary>
    /// Validation figures (eval mode, no gradients): summed negative log predictive density of the scored points under the
    /// mixture over <paramref name="samples"/> prior-latent draws (from <paramref name="generator"/>, so reproducible),
    /// summed squared error of the mean at the prior means on observed points, and the two counts.
    /// </summary>
    public (double Nll, double SquaredError, double Points, double ObservedPoints) Evaluate(AicmetBatch batch, int samples, Generator? generator)
    {
        using var scope = NewDisposeScope();
        var (mu0, _) = Predict(batch, 0);
        var err = batch.QueryValue.sub(mu0.squeeze(0)).Square().mul(batch.ObservedMask).sum();
        var (mu, sigma) = Predict(batch, samples, generator);
        var z = batch.QueryValue.unsqueeze(0).sub(mu).div(sigma);
        var logPdf = z.Square().Mul(-0.5).sub(sigma.log()).Sub(0.5 * Math.Log(2 * Math.PI));
        var logCdf = special.ndtr(z).Add(1e-12).log();
        double logM = Math.Log(mu.shape[0]);
        var mixPdf = logPdf.logsumexp(0).Sub(logM);
        var mixCdf = logCdf.logsumexp(0).Sub(logM);
        var nll = mixPdf.mul(batch.ObservedMask).sum().Plus(mixCdf.mul(batch.CensoredMask).sum()).neg();
        var points = batch.ObservedMask.sum().Plus(batch.CensoredMask.sum());
        return (nll.item<float>(), err.item<float>(), points.item<float>(), batch.ObservedMask.sum().item<float>());
    }

    /// <summary>Masked mean of summaries r [B, N, D] over mask [B, N], and count features [B, 2] (log1p(count)/3, any).</summary>
    protected static (Tensor Mean, Tensor Features) MaskedMean(Tensor r, Tensor mask)
    {
        using var m = mask.unsqueeze(-1);
        using var count = mask.sum(1, keepdim: true);
        var mean = r.mul(m).sum(1).div(count.ClampMin(1));
        var feats = cat([count.log1p().Div(3), count.Gt(0).to_type(ScalarType.Float32)], 1);
        return (mean, feats);
    }

    /// <summary>Splits raw [.., 2 dim] into a mean and an sd in (0.1, 1) (sigmoid).</summary>
    protected static (Tensor Mu, Tensor Sigma) Gaussian(Tensor raw, int dim)
    {
        var mu = raw.narrow(-1, 0, dim);
        using var r = raw.narrow(-1, dim, dim);
        var sigma = nn.functional.sigmoid(r).Mul(0.9).Add(0.1);
        return (mu, sigma);
    }

    /// <summary>Concatenates <paramref name="parts"/> on the last dimension after broadcasting each to the leading shape <paramref name="lead"/>.</summary>
    protected static Tensor BroadcastCat(long[] lead, params Tensor[] parts)
    {
        var expanded = new Tensor[parts.Length];
        try
        {
            for (int k = 0; k < parts.Length; k++)
            {
                var p = parts[k];
                // Left-pad with singleton dims, then expand to the common leading shape.
                var shape = p.shape;
                var padded = Enumerable.Repeat(1L, lead.Length + 1 - shape.Length).Concat(shape).ToArray();
                using var v = p.view(padded);
                expanded[k] = v.expand(lead.Append(shape[^1]).ToArray());
            }
            return cat(expanded, -1);
        }
        finally
        {
            foreach (var e in expanded) e?.Dispose();
        }
    }

    /// <summary>Gaussian and censored (BLQ) negative log-likelihood of the scored queries, and the number of scored points.</summary>
    protected static (Tensor Nll, Tensor Points) Likelihood(Tensor mu, Tensor sigma, AicmetBatch batch)
    {
        using var z = batch.QueryValue.sub(mu).div(sigma);
        using var gauss = z.Square().Mul(0.5).Plus(sigma.log()).Add(0.5 * Math.Log(2 * Math.PI));
        using var obsTerm = gauss.mul(batch.ObservedMask);
        // Censored (BLQ): the probability of a value below the limit, -log Phi((level - mu) / sigma).
        using var cdf = special.ndtr(z);
        using var cens = cdf.Add(1e-6).log().neg().mul(batch.CensoredMask);
        var nll = obsTerm.sum().Plus(cens.sum());
        var points = batch.ObservedMask.sum().Plus(batch.CensoredMask.sum()).ClampMin(1);
        return (nll, points);
    }

    /// <summary>KL(N(muQ, sQ^2) || N(muP, sP^2)) summed over the last dimension.</summary>
    protected static Tensor Kl(Tensor muQ, Tensor sQ, Tensor muP, Tensor sP)
    {
        using var vq = sQ.Square();
        using var vp = sP.Square();
        using var d = muQ.sub(muP).Square();
        using var term = vq.Plus(d).div(vp).Plus(vp.log()).sub(vq.log()).Sub(1);
        return term.sum(-1).Mul(0.5);
    }
}
