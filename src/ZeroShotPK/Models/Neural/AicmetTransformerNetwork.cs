using TorchSharp;
using TorchSharp.Modules;
using ZeroShotPK.Torch;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace ZeroShotPK.Models.Neural;

/// <summary>
/// Multi-head attention with a pre-norm residual and a feed-forward block: x + Attn(LN(x), kv) then + FFN(LN(.)).
/// Written out with matmul and softmax (not TorchSharp's MultiheadAttention) so key masks are additive and finite
/// (-1e4): a row whose keys are all masked (a padded individual) gives a uniform average, never NaN.
/// </summary>
internal sealed class AttentionBlock : Module<Tensor, Tensor, Tensor, Tensor>
{
    private readonly LayerNorm normQ, normKv, normF;
    private readonly Linear wq, wk, wv, wo, ff1, ff2;
    private readonly Dropout drop;
    private readonly int heads;

    public AttentionBlock(string name, int width, int heads, int feedForward, double dropout) : base(name)
    {
        this.heads = heads;
        normQ = LayerNorm(width); normKv = LayerNorm(width); normF = LayerNorm(width);
        wq = Linear(width, width); wk = Linear(width, width); wv = Linear(width, width); wo = Linear(width, width);
        ff1 = Linear(width, feedForward); ff2 = Linear(feedForward, width);
        drop = Dropout(dropout);
        RegisterComponents();
    }

    /// <summary>
    /// x [N0, Lq, W] attends to kv [N, Lk, W] where keyMask [N, Lk] is 1 (kv = x for self-attention). N is a multiple of
    /// N0: kv row g * N0 + i reads query row i (the decoder's first block, where every latent draw asks the same
    /// queries, so their norm and projection are computed once, not once per draw).
    /// </summary>
    public override Tensor forward(Tensor x, Tensor kv, Tensor keyMask)
    {
        long n = kv.shape[0], n0 = x.shape[0], lq = x.shape[1], lk = kv.shape[1], w = x.shape[2], dh = w / heads;
        if (n % n0 != 0) throw new ArgumentException($"attention: {n} key rows are not a multiple of {n0} query rows.", nameof(kv));
        long groups = n / n0;
        using var xq = normQ.call(x);
        using var xk = ReferenceEquals(x, kv) ? xq.alias() : normKv.call(kv);
        using var qShared = wq.call(xq);
        using var q0 = groups == 1 ? qShared.alias() : qShared.unsqueeze(0).expand(groups, n0, lq, w).reshape(n, lq, w);
        using var k0 = wk.call(xk); using var v0 = wv.call(xk);
        using var q = q0.view(n, lq, heads, dh).transpose(1, 2);
        using var k = k0.view(n, lk, heads, dh).transpose(1, 2);
        using var v = v0.view(n, lk, heads, dh).transpose(1, 2);
        using var kt = k.transpose(-2, -1);
        using var raw = q.matmul(kt).Mul(1.0 / Math.Sqrt(dh));
        using var off = keyMask.RSub(1).Mul(-1e4).view(n, 1, 1, lk);
        using var scores = raw.Plus(off);
        using var att = SoftmaxLastDim(scores);
        using var mixed = att.matmul(v).transpose(1, 2).reshape(n, lq, w);
        using var o = wo.call(mixed);
        using var od = drop.call(o);
        using var h = groups == 1 ? x.Plus(od) : od.view(groups, n0, lq, w).Plus(x).view(n, lq, w);
        using var hn = normF.call(h);
        using var f1 = functional.gelu(ff1.call(hn));
        using var f2 = ff2.call(f1);
        using var fd = drop.call(f2);
        return h.Plus(fd);
    }

    /// <summary>
    /// Softmax over the last dimension, written out (max-shifted exp over its sum): libtorch's fused CPU kernel is about
    /// five times slower on these short rows (14 keys) and was the largest single cost of a prediction.
    /// </summary>
    internal static Tensor SoftmaxLastDim(Tensor x)
    {
        using var max = x.amax([-1], keepdim: true);
        using var shifted = x.sub(max);
        using var e = shifted.exp();
        using var sum = e.sum(-1, keepdim: true);
        return e.div(sum);
    }
}

/// <summary>
/// AICMET as its authors built it (arXiv 2508.15659; their code's AICME PK model), written for TorchSharp:
/// <list type="bullet">
/// <item>Individual encoder: token embedding -> GRU -> self-attention over the individual's samples -> attention pooling
/// -> L2-normalised summary. A target is encoded twice: from all its samples (posterior) and from its revealed ones
/// (prior), since self-attention is not causal.</item>
/// <item>Study latent z_s: Gaussian from the masked mean of the context summaries (mean aggregator); individual latent
/// z_i: Gaussian from the target's summary, its anchor (last revealed sample) and z_s. Neural-Process KL terms.</item>
/// <item>Transformer decoder: each query time (with its dose-history features and the anchor) attends, through
/// <see cref="Architecture"/>.DecoderLayers cross-attention blocks, to memory tokens built from z_s, z_i, the dose and
/// the target's revealed samples. Queries never attend to each other, so a prediction at a time does not depend on
/// which other times are asked.</item>
/// <item>Read-out (ours): log concentration = decoder residual + log of a one-compartment dose backbone whose absorption
/// and elimination rates come from the latents, summed over the target's doses (bolus, first-order absorption,
/// infusion, steady state). Before the first dose the backbone is exactly 0, so the prediction is 0; right after an
/// extravascular dose it rises from 0 at the absorption rate, so a prediction cannot start above the first samples.</item>
/// </list>
/// Trained with the revealed samples scored too (the authors' reconstruction head), see <see cref="AicmetTraining.ScoreKnownSamples"/>.
/// </summary>
public sealed class AicmetTransformerNetwork : AicmetModel
{
    private readonly Linear embed;
    private readonly GRU gru;
    private readonly ModuleList<AttentionBlock> encoderBlocks;
    private readonly Linear attention, summary;
    private readonly Sequential studyHead, individualHead;
    private readonly Linear memStudy, memIndividual, memSummary, memSample, rateHead;
    private readonly Sequential queryEmbed;
    private readonly ModuleList<AttentionBlock> decoderBlocks;
    private readonly LayerNorm outNorm;
    private readonly Linear outHead;
    private readonly int studyLatent, individualLatent;

    /// <summary>Builds the network with freshly initialised weights (seed with <c>torch.manual_seed</c> first).</summary>
    public AicmetTransformerNetwork(AicmetArchitecture a) : base("aicmet-transformer")
    {
        a.Validate("architecture");
        if (a.Kind != AicmetArchitecture.Transformer)
            throw new ArgumentException($"architecture: Kind must be '{AicmetArchitecture.Transformer}' for this network, got '{a.Kind}'.");
        Architecture = a;
        studyLatent = a.StudyLatentDim;
        individualLatent = a.IndividualLatentDim;
        int h = a.EncoderWidth, sd = a.SummaryDim, ff = a.DecoderWidth;
        embed = Linear(AicmetTensorizer.TokenFeatures, h);
        gru = GRU(h, h, numLayers: a.EncoderLayers, batchFirst: true);
        encoderBlocks = new ModuleList<AttentionBlock>(Enumerable.Range(0, a.AttentionLayers)
            .Select(i => new AttentionBlock($"enc{i}", h, a.Heads, ff, a.Dropout)).ToArray());
        attention = Linear(h, 1);
        summary = Linear(h, sd);
        studyHead = Mlp(sd + 2, ff, 2 * studyLatent);
        individualHead = Mlp(sd + 1 + AicmetTensorizer.AnchorFeatures + sd + studyLatent, ff, 2 * individualLatent);
        memStudy = Linear(studyLatent, h);
        memIndividual = Linear(individualLatent, h);
        memSummary = Linear(sd + sd + AicmetTensorizer.AnchorFeatures, h);
        memSample = Linear(h, h);
        rateHead = Linear(studyLatent + individualLatent, 2);
        queryEmbed = Sequential(Linear(AicmetTensorizer.QueryFeatures + AicmetTensorizer.AnchorFeatures, h), GELU(), Linear(h, h));
        decoderBlocks = new ModuleList<AttentionBlock>(Enumerable.Range(0, a.DecoderLayers)
            .Select(i => new AttentionBlock($"dec{i}", h, a.Heads, ff, a.Dropout)).ToArray());
        outNorm = LayerNorm(h);
        outHead = Linear(h, 2);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override AicmetArchitecture Architecture { get; }

    private static Sequential Mlp(int input, int width, int output) =>
        Sequential(Linear(input, width), GELU(), Linear(width, width), GELU(), Linear(width, output));

    /// <summary>Summaries of every slot from all samples [B, I, Sd]; of targets from revealed samples [B, T, Sd]; revealed-sample states [B, T, S, H].</summary>
    private (Tensor Full, Tensor Known, Tensor KnownStates) Encode(AicmetBatch batch) =>
        IndividualEncoding.Encode(embed, gru, encoderBlocks, attention, summary, batch);

    private (Tensor Mu, Tensor Sigma) Study(Tensor mean, Tensor feats)
    {
        using var raw = studyHead.call(cat([mean, feats], -1));
        return Gaussian(raw, studyLatent);
    }

    private (Tensor Mu, Tensor Sigma) Individual(Tensor r, Tensor hasData, Tensor anchor, Tensor ctxMean, Tensor zs)
    {
        long t = anchor.shape[^2];
        var lead = zs.shape[..^1].Append(t).ToArray();
        using var input = BroadcastCat(lead, r, hasData, anchor, ctxMean.unsqueeze(-2), zs.unsqueeze(-2));
        using var raw = individualHead.call(input);
        return Gaussian(raw, individualLatent);
    }

    /// <summary>
    /// Mean and sd of normalised log concentration [M, B, T, Q] for latents zs [M, B, Zs] and zi [M, B, T, Zi]:
    /// the decoder's residual plus the log of the dose backbone, and a flag [M, B, T, Q] of queries with exposure.
    /// </summary>
    private (Tensor Mu, Tensor Sigma, Tensor Exposed) Decode(Tensor zs, Tensor zi, Tensor ctxMean, Tensor rKnown, Tensor knownStates,
        AicmetBatch batch)
    {
        long m = zi.shape[0], b = zi.shape[1], t = zi.shape[2], q = batch.Queries.shape[2], s = knownStates.shape[2];
        long h = Architecture.EncoderWidth;
        var lead = new[] { m, b, t };
        // Memory: three latent tokens (z_s, z_i, summary + anchor) and one token per revealed sample.
        using var zsT = zs.unsqueeze(2).expand(m, b, t, studyLatent);
        using var m1 = memStudy.call(zsT);
        using var m2 = memIndividual.call(zi);
        using var sumIn = BroadcastCat(lead, ctxMean.unsqueeze(-2), rKnown, batch.Anchor);
        using var m3 = memSummary.call(sumIn);
        using var samples0 = memSample.call(knownStates);
        using var samples = samples0.unsqueeze(0).expand(m, b, t, s, h);
        using var latentTokens = stack([m1, m2, m3], 3);
        using var memory = cat([latentTokens, samples], 3).reshape(m * b * t, 3 + s, h);
        using var latentMask = torch.ones(b, t, 3, dtype: ScalarType.Float32, device: zi.device);
        using var memMask0 = cat([latentMask, batch.KnownMask], 2);
        using var memMask = memMask0.unsqueeze(0).expand(m, b, t, 3 + s).reshape(m * b * t, 3 + s);

        using var anchorQ = batch.Anchor.unsqueeze(2).expand(b, t, q, AicmetTensorizer.AnchorFeatures);
        using var qIn = cat([batch.Queries, anchorQ], -1);
        using var q0 = queryEmbed.call(qIn);
        // The queries are the same for every draw: the first block takes them once ([B*T, Q, H]) and returns per-draw rows.
        Tensor hq = q0.reshape(b * t, q, h);
        foreach (var block in decoderBlocks)
        {
            var next = block.call(hq, memory, memMask);
            hq.Dispose();
            hq = next;
        }
        using var _hq = hq;
        using var hn = outNorm.call(hq);
        using var raw = outHead.call(hn).view(m, b, t, q, 2);
        using var residual = raw.select(-1, 0);
        using var sRaw = raw.select(-1, 1);
        var sigma = sRaw.Softplus().Add(0.01);

        var (logBackbone, exposed) = Backbone(zs, zi, batch);
        using var _lb = logBackbone;
        var mu = residual.Plus(logBackbone);
        return (mu, sigma, exposed);
    }

    /// <summary>
    /// log of the one-compartment dose backbone [M, B, T, Q] and the exposure flag (1 where some dose started at or before
    /// the query). Rates in normalised time: ke = softplus + 1e-3, ka = ke + softplus + 1e-3 (ka &gt; ke keeps the oral
    /// shape ka/(ka-ke) (e^-ke t - e^-ka t) finite; flip-flop and multi-compartment shapes are left to the residual).
    /// </summary>
    private (Tensor LogBackbone, Tensor Exposed) Backbone(Tensor zs, Tensor zi, AicmetBatch batch)
    {
        long m = zi.shape[0], b = zi.shape[1], t = zi.shape[2];
        using var zsT = zs.unsqueeze(2).expand(m, b, t, studyLatent);
        using var rates0 = rateHead.call(cat([zsT, zi], -1));
        using var keRaw = rates0.select(-1, 0);
        using var dRaw = rates0.select(-1, 1);
        // [M, B, T, 1, 1]: broadcast over queries and doses.
        using var ke = keRaw.Softplus().Add(1e-3).view(m, b, t, 1, 1);
        using var delta = dRaw.Softplus().Add(1e-3).view(m, b, t, 1, 1);
        using var ka = ke.Plus(delta);

        using var qTime = batch.Queries.select(-1, 0).unsqueeze(-1);            // [B, T, Q, 1]
        using var dTime = batch.Doses.select(-1, 0).unsqueeze(2);               // [B, T, 1, D]
        using var amount = batch.Doses.select(-1, 1).unsqueeze(2);
        using var oral = batch.Doses.select(-1, 2).unsqueeze(2);
        using var duration = batch.Doses.select(-1, 3).unsqueeze(2);
        using var ssInt = batch.Doses.select(-1, 4).unsqueeze(2);
        using var dMask = batch.DoseMask.unsqueeze(2);
        using var elapsed = qTime.sub(dTime);                                    // [B, T, Q, D]
        // A dose counts from its start until the first later reset (SS=1, EVID 3/4) voids it.
        using var dEnd = batch.DoseEnd.unsqueeze(2);
        using var beforeEnd = qTime.lt(dEnd);
        using var started0 = elapsed.Ge(0).logical_and(beforeEnd);
        using var started = started0.to_type(ScalarType.Float32).mul(dMask);
        using var tau = elapsed.ClampMin(0);

        // Each branch is computed only when some dose of the batch needs it; the flags then select per dose, so
        // skipping a branch no dose uses leaves every number as it was (x * 0 + y * 1 == y).
        var kinds = batch.DoseKinds;
        using var eKe = tau.mul(ke).neg().exp();                                 // [M, B, T, Q, D]
        Tensor? oralAny = null, ivAny = null;
        using var isInfusion = duration.Gt(0).to_type(ScalarType.Float32);
        if (kinds.Oral)
        {
            // First-order absorption, in the cancellation-free form ka/(ka-ke) e^{-ke tau} (1 - e^{-delta tau}).
            using var absorbed = tau.mul(delta).neg().expm1().neg();
            oralAny = eKe.mul(absorbed).mul(ka).div(delta);
        }
        if (kinds.Intravascular) ivAny = eKe.alias();
        if (kinds.Infusion && ivAny is not null)
        {
            // Infusion of duration D: (1 - e^{-ke min(tau, D)}) e^{-ke (tau - min(tau, D))} / (ke D).
            using var dSafe = duration.ClampMin(1e-6);
            using var tIn = torch.minimum(tau, dSafe);
            using var filled = tIn.mul(ke).neg().expm1().neg();
            using var after = tau.sub(tIn).mul(ke).neg().exp();
            using var infShape = filled.mul(after).div(ke.mul(dSafe));
            using var bolus = ivAny;
            ivAny = infShape.mul(isInfusion).Plus(bolus.mul(isInfusion.RSub(1)));
        }
        if (kinds.SteadyState)
        {
            // Steady state (SS=1, interval ss): the sum over all earlier doses of the regimen, geometric in each exponential.
            using var isSs = ssInt.Gt(0).to_type(ScalarType.Float32);
            using var notSs = isSs.RSub(1);
            using var ssSafe = ssInt.Plus(notSs);                                // 1 where no steady state: keeps the unused branch finite
            using var accE = ssSafe.mul(ke).neg().expm1().neg().reciprocal();
            if (oralAny is not null)
            {
                using var accA = ssSafe.mul(ka).neg().expm1().neg().reciprocal();
                using var eKa = tau.mul(ka).neg().exp();
                using var oralSs = eKe.mul(accE).sub(eKa.mul(accA)).mul(ka).div(delta).ClampMin(0);
                using var plain = oralAny;
                oralAny = oralSs.mul(isSs).Plus(plain.mul(notSs));
            }
            if (ivAny is not null)
            {
                using var bolusSs = eKe.mul(accE);
                using var ssBolusOnly = isSs.mul(isInfusion.RSub(1));           // steady-state infusions keep the single-dose shape
                using var plain = ivAny;
                ivAny = bolusSs.mul(ssBolusOnly).Plus(plain.mul(ssBolusOnly.RSub(1)));
            }
        }
        using var _o = oralAny; using var _i = ivAny;
        using var shape = oralAny is null ? ivAny!.alias() : ivAny is null ? oralAny.alias() : oralAny.mul(oral).Plus(ivAny.mul(oral.RSub(1)));
        using var contrib = shape.mul(amount).mul(started);
        using var total = contrib.sum(-1);                                        // [M, B, T, Q]
        var exposed = started.sum(-1).Gt(0).to_type(ScalarType.Float32).unsqueeze(0).expand_as(total).contiguous();
        var logBackbone = total.Add(1e-6).log();
        return (logBackbone, exposed);
    }

    /// <inheritdoc />
    public override AicmetLoss Loss(AicmetBatch batch, double klWeight)
    {
        var (full, known, states) = Encode(batch);
        using var _f = full; using var _k = known; using var _s = states;
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

        using var zsM = zs.unsqueeze(0);
        using var ziM = zi.unsqueeze(0);
        var (mu, sigma, exposed) = Decode(zsM, ziM, ctxMean, known, states, batch);
        using var _9 = mu; using var _10 = sigma; using var _11 = exposed;
        using var mu0 = mu.squeeze(0);
        using var sigma0 = sigma.squeeze(0);
        var (nll, points) = Likelihood(mu0, sigma0, batch);
        using var klS = Kl(muSq, sSq, muSp, sSp);
        using var klI = Kl(muIq, sIq, muIp, sIp);
        var kl = klS.sum().Plus(klI.mul(batch.TargetMask).sum());
        var loss = nll.Plus(kl.Mul(klWeight)).div(points);
        return new AicmetLoss(loss, nll, kl, points);
    }

    /// <inheritdoc />
    /// <remarks>Queries with no dose at or before them get mean <see cref="AicmetModel.NoExposure"/> (concentration 0).</remarks>
    public override (Tensor Mu, Tensor Sigma) Predict(AicmetBatch batch, int samples, Generator? generator = null, bool antithetic = false)
    {
        var (full, known, states) = Encode(batch);
        using var _f = full; using var _k = known; using var _s = states;
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
        var (mu, sigma, exposed) = Decode(zs, zi, ctxMean, known, states, batch);
        using var _mu = mu; using var _e = exposed;
        using var none = exposed.Eq(0);
        return (mu.MaskedFill(none, NoExposure), sigma);
    }
}

/// <summary>
/// The individual encoder the transformer family and PFF share (token embedding -> GRU -> self-attention -> attention
/// pooling -> L2-normalised summary), written over the caller's modules so each network keeps its own parameter names
/// (and a PFF network can start from a trained AICMET encoder, see <see cref="Checkpoint.CopyMatchingWeights"/>).
/// </summary>
internal static class IndividualEncoding
{
    /// <summary>Per-token states [N, S, H] after the attention blocks, for sequences whose valid tokens are <paramref name="mask"/>.</summary>
    private static Tensor Attend(ModuleList<AttentionBlock> blocks, Tensor gruOut, Tensor mask)
    {
        Tensor h = gruOut.alias();
        foreach (var block in blocks)
        {
            var next = block.call(h, h, mask);
            h.Dispose();
            h = next;
        }
        return h;
    }

    /// <summary>Attention pooling of states h [N, S, H] over valid tokens, projected and L2-normalised [N, Sd].</summary>
    private static Tensor Pool(Linear attention, Linear summary, Tensor h, Tensor mask)
    {
        using var score = attention.call(h).squeeze(-1);
        using var masked = score.MaskedFill(mask.Eq(0), -1e4);
        using var w0 = functional.softmax(masked, 1).mul(mask);
        using var w = w0.div(w0.sum(1, keepdim: true).Add(1e-8));
        using var pooled = w.unsqueeze(-1).mul(h).sum(1);
        using var proj = summary.call(pooled);
        return functional.normalize(proj, p: 2, dim: -1);
    }

    /// <summary>
    /// Summaries of every slot from all samples [B, I, Sd]; of targets from their revealed samples [B, T, Sd] (a target
    /// is encoded twice, since self-attention is not causal); and the revealed-sample states [B, T, S, H].
    /// </summary>
    public static (Tensor Full, Tensor Known, Tensor KnownStates) Encode(Linear embed, GRU gru, ModuleList<AttentionBlock> blocks,
        Linear attention, Linear summary, AicmetBatch batch)
    {
        long b = batch.Tokens.shape[0], i = batch.Tokens.shape[1], s = batch.Tokens.shape[2];
        long t = batch.TargetMask.shape[1];
        using var x = functional.gelu(embed.call(batch.Tokens.view(b * i, s, -1)));
        var (g, hn) = gru.call(x, null);
        hn.Dispose();
        using var _g = g;
        using var mask = batch.TokenMask.view(b * i, s);
        using var hFull = Attend(blocks, g, mask);
        var full = Pool(attention, summary, hFull, mask).view(b, i, -1);
        using var gT = g.view(b, i, s, -1).narrow(1, 0, t).reshape(b * t, s, -1);
        using var kMask = batch.KnownMask.view(b * t, s);
        using var hKnown = Attend(blocks, gT, kMask);
        var known = Pool(attention, summary, hKnown, kMask).view(b, t, -1);
        var states = hKnown.view(b, t, s, -1);
        return (full, known, states);
    }
}
