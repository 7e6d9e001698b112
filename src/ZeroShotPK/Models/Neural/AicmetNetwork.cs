using TorchSharp.Modules;
using static TorchSharp.torch;
using ZeroShotPK.Torch;
using static TorchSharp.torch.nn;

namespace ZeroShotPK.Models.Neural;

/// <summary>Terms of the training objective of one batch (scalars as tensors, so the caller can back-propagate).</summary>
public sealed record AicmetLoss(Tensor Loss, Tensor Nll, Tensor Kl, Tensor Points);

/// <summary>
/// The AICMET network: a GRU encoder over each individual's observation tokens (value, time, time step, censoring,
/// dose history) with attention pooling to an L2-normalised summary; a Gaussian study latent z_s from the masked mean
/// of the context summaries (any number of individuals, permutation invariant); a Gaussian individual latent z_i from
/// the target's revealed samples; and a decoder giving a Gaussian over normalised log concentration at each query.
/// Training uses Neural-Process KL terms: posteriors see context + full targets, priors only what is known.
/// </summary>
public sealed class AicmetNetwork : AicmetModel
{
    private readonly Linear embed;
    private readonly GRU gru;
    private readonly Linear attention;
    private readonly Linear summary;
    private readonly Sequential studyHead;
    private readonly Sequential individualHead;
    private readonly Sequential decoder;
    private readonly int studyLatent, individualLatent;
    private Module[]? decoderLayers; // filled on first use, after RegisterComponents (not a registered component)

    /// <summary>Builds the network with freshly initialised weights (seed with <c>torch.manual_seed</c> first).</summary>
    public AicmetNetwork(AicmetArchitecture a) : base("aicmet")
    {
        a.Validate("architecture");
        Architecture = a;
        studyLatent = a.StudyLatentDim;
        individualLatent = a.IndividualLatentDim;
        int h = a.EncoderWidth, sd = a.SummaryDim, w = a.DecoderWidth;
        embed = Linear(AicmetTensorizer.TokenFeatures, h);
        gru = GRU(h, h, numLayers: a.EncoderLayers, batchFirst: true);
        attention = Linear(h, 1);
        summary = Linear(h, sd);
        studyHead = Mlp(sd + 2, w, 2, 2 * studyLatent, 0);
        individualHead = Mlp(sd + 1 + AicmetTensorizer.AnchorFeatures + sd + studyLatent, w, 2, 2 * individualLatent, 0);
        decoder = Mlp(studyLatent + individualLatent + sd + sd + AicmetTensorizer.AnchorFeatures + AicmetTensorizer.QueryFeatures,
            w, a.DecoderLayers, 2, a.Dropout);
        RegisterComponents();
    }

    /// <summary>The architecture it was built with.</summary>
    public override AicmetArchitecture Architecture { get; }

    private static Sequential Mlp(int input, int width, int layers, int output, double dropout)
    {
        var mods = new List<Module<Tensor, Tensor>>();
        int d = input;
        for (int i = 0; i < layers; i++)
        {
            mods.Add(Linear(d, width));
            mods.Add(GELU());
            if (dropout > 0) mods.Add(Dropout(dropout));
            d = width;
        }
        mods.Add(Linear(d, output));
        return Sequential(mods);
    }

    /// <summary>Encoder outputs: summaries of every slot from all its samples, and of target slots from revealed samples only.</summary>
    private (Tensor Full, Tensor Known) Encode(AicmetBatch batch)
    {
        long b = batch.Tokens.shape[0], i = batch.Tokens.shape[1], s = batch.Tokens.shape[2];
        long t = batch.TargetMask.shape[1];
        using var x = functional.gelu(embed.call(batch.Tokens.view(b * i, s, -1)));
        var (h, hn) = gru.call(x, null);
        hn.Dispose();
        using var score = attention.call(h).squeeze(-1);
        var full = Pool(h, score, batch.TokenMask.view(b * i, s)).view(b, i, -1);
        // The GRU is causal: the outputs over a target's first k tokens depend on those tokens only, so one
        // pass serves both the posterior (all samples) and the prior (revealed samples).
        using var hT = h.view(b, i, s, -1).narrow(1, 0, t).reshape(b * t, s, -1);
        using var scoreT = score.view(b, i, s).narrow(1, 0, t).reshape(b * t, s);
        var known = Pool(hT, scoreT, batch.KnownMask.view(b * t, s)).view(b, t, -1);
        h.Dispose();
        return (full, known);
    }

    private Tensor Pool(Tensor h, Tensor score, Tensor mask)
    {
        using var masked = score.MaskedFill(mask.Eq(0), -1e4f);
        using var w0 = functional.softmax(masked, 1).mul(mask);
        using var w = w0.div(w0.sum(1, keepdim: true).Add(1e-8));
        using var pooled = w.unsqueeze(-1).mul(h).sum(1);
        using var proj = summary.call(pooled);
        return functional.normalize(proj, p: 2, dim: -1);
    }

    private (Tensor Mu, Tensor Sigma) Study(Tensor mean, Tensor feats)
    {
        using var raw = studyHead.call(cat([mean, feats], -1));
        return Gaussian(raw, studyLatent);
    }

    /// <summary>Individual latent for summaries r [.., B, T, Sd] with study latent zs [.., B, Zs].</summary>
    private (Tensor Mu, Tensor Sigma) Individual(Tensor r, Tensor hasData, Tensor anchor, Tensor ctxMean, Tensor zs)
    {
        long t = anchor.shape[^2];
        var lead = zs.shape[..^1].Append(t).ToArray();
        using var input = BroadcastCat(lead, r, hasData, anchor, ctxMean.unsqueeze(-2), zs.unsqueeze(-2));
        using var raw = individualHead.call(input);
        return Gaussian(raw, individualLatent);
    }

    /// <summary>Decoder: mean and standard deviation of normalised log concentration [.., B, T, Q].</summary>
    private (Tensor Mu, Tensor Sigma) Decode(Tensor zs, Tensor zi, Tensor ctxMean, Tensor rKnown, Tensor anchor, Tensor queries)
    {
        // The first layer is linear in [per-draw part, per-query part]: apply it to each part separately and add, so the
        // widest matrix product runs once per draw and once per query instead of once per (draw, query) pair.
        var layers = decoderLayers ??= decoder.children().ToArray();
        var first = (Linear)layers[0];
        long nQuery = queries.shape[^1];
        long nDraw = first.weight!.shape[1] - nQuery;
        using var wDraw = first.weight.narrow(1, 0, nDraw);
        using var wQuery = first.weight.narrow(1, nDraw, nQuery);
        var lead = zi.shape[..^1].ToArray();
        using var drawInput = BroadcastCat(lead, zs.unsqueeze(-2), zi, ctxMean.unsqueeze(-2), rKnown, anchor);
        using var drawPart = functional.linear(drawInput, wDraw, first.bias);
        using var queryPart = functional.linear(queries, wQuery);
        Tensor h = drawPart.unsqueeze(-2).Plus(queryPart);
        for (int k = 1; k < layers.Length; k++)
        {
            var next = ((Module<Tensor, Tensor>)layers[k]).call(h);
            h.Dispose();
            h = next;
        }
        using var raw = h;
        var mu = raw.select(-1, 0);
        using var s = raw.select(-1, 1);
        var sigma = s.Softplus().Add(0.01);
        return (mu, sigma);
    }

    /// <summary>
    /// Training objective per scored point: (Gaussian/censored NLL of the unrevealed target samples + KL weight x
    /// (KL(z_s) + KL(z_i))) / number of scored points, with latents drawn from the posteriors.
    /// </summary>
    public override AicmetLoss Loss(AicmetBatch batch, double klWeight)
    {
        var (full, known) = Encode(batch);
        using var _f = full; using var _k = known;
        long t = batch.TargetMask.shape[1];
        using var rTargetFull = full.narrow(1, 0, t);
        using var rContext = full.narrow(1, t, full.shape[1] - t);
        var (ctxMean, ctxFeats) = MaskedMean(rContext, batch.ContextMask);
        using var _cm = ctxMean; using var _cf = ctxFeats;
        using var allMask = cat([batch.TargetMask, batch.ContextMask], 1);
        var (allMean, allFeats) = MaskedMean(full, allMask);
        using var _am = allMean; using var _af = allFeats;

        var (muSp, sSp) = Study(ctxMean, ctxFeats);
        var (muSq, sSq) = Study(allMean, allFeats);
        using var _1 = muSp; using var _2 = sSp; using var _3 = muSq; using var _4 = sSq;
        using var eps = randn_like(muSq);
        using var zs = muSq.Plus(sSq.mul(eps));

        using var hasKnown = batch.Anchor.narrow(-1, 0, 1);
        using var hasFull = ones_like(hasKnown);
        var (muIp, sIp) = Individual(known, hasKnown, batch.Anchor, ctxMean, zs);
        var (muIq, sIq) = Individual(rTargetFull, hasFull, batch.Anchor, ctxMean, zs);
        using var _5 = muIp; using var _6 = sIp; using var _7 = muIq; using var _8 = sIq;
        using var epsI = randn_like(muIq);
        using var zi = muIq.Plus(sIq.mul(epsI));

        var (mu, sigma) = Decode(zs, zi, ctxMean, known, batch.Anchor, batch.Queries);
        using var _9 = mu; using var _10 = sigma;
        var (nll, points) = Likelihood(mu, sigma, batch);
        using var klS = Kl(muSq, sSq, muSp, sSp);
        using var klI = Kl(muIq, sIq, muIp, sIp);
        var kl = klS.sum().Plus(klI.mul(batch.TargetMask).sum());
        var loss = nll.Plus(kl.Mul(klWeight)).div(points);
        return new AicmetLoss(loss, nll, kl, points);
    }

    /// <summary>
    /// Predictive Gaussians [M, B, T, Q] (mean and sd of normalised log concentration) for <paramref name="samples"/>
    /// draws of the prior latents; with <paramref name="samples"/> = 0 one evaluation at the prior means.
    /// Call in eval mode under <c>torch.no_grad()</c>.
    /// </summary>
    public override (Tensor Mu, Tensor Sigma) Predict(AicmetBatch batch, int samples, Generator? generator = null, bool antithetic = false)
    {
        var (full, known) = Encode(batch);
        using var _f = full; using var _k = known;
        long t = batch.TargetMask.shape[1];
        using var rContext = full.narrow(1, t, full.shape[1] - t);
        var (ctxMean, ctxFeats) = MaskedMean(rContext, batch.ContextMask);
        using var _cm = ctxMean; using var _cf = ctxFeats;
        var (muS, sS) = Study(ctxMean, ctxFeats);
        using var _1 = muS; using var _2 = sS;
        int m = Math.Max(1, samples);
        using var epsS = samples == 0 ? null : LatentNoise([m, .. muS.shape], muS.device, generator, antithetic);
        using var zs = samples == 0 ? muS.unsqueeze(0) : muS.Plus(sS.mul(epsS!));
        using var hasKnown = batch.Anchor.narrow(-1, 0, 1);
        var (muI, sI) = Individual(known, hasKnown, batch.Anchor, ctxMean, zs);
        using var _3 = muI; using var _4 = sI;
        using var epsI = samples == 0 ? null : LatentNoise(muI.shape, muI.device, generator, antithetic);
        using var zi = samples == 0 ? muI.alias() : muI.Plus(sI.mul(epsI!));
        return Decode(zs, zi, ctxMean, known, batch.Anchor, batch.Queries);
    }
}
