using Normal = MathNet.Numerics.Distributions.Normal;
using MathNet.Numerics.LinearAlgebra;
using TorchSharp;
using TorchSharp.Modules;
using ZeroShotPK.Data;
using ZeroShotPK.Models.Baselines;
using ZeroShotPK.Simulation;
using ZeroShotPK.Torch;
using static TorchSharp.torch;

namespace ZeroShotPK.Inference;

/// <summary>
/// Neural ODE baseline ("node"), in the spirit of Lu et al. 2021 (iScience, neural ODE for new dosing regimens) and Bräm et al. 2023
/// (low-dimensional neural ODEs with random effects): a low-dimensional latent ODE with individual random effects, fitted from
/// scratch at every <see cref="Predict"/> on the context individuals (all their samples) plus the target's known samples.
/// <para>
/// Model (see the internal NeuralOdeNet): K non-negative amount states driven by a rate network of the state and an
/// individual latent z; doses enter as impulses (oral into state 0, IV bolus into state 1) or zero-order inputs
/// (infusions) at their own times, so any regimen of the <see cref="Individual"/>'s dosing history is respected;
/// log concentration = log(state 1) + c0 + cz·z, observed with Gaussian error of sd σ on the log scale
/// (proportional error). Integration: fixed-step RK4 in TorchSharp, backpropagated through.
/// </para>
/// <para>
/// Fit, stage 1: Adam on the network, every individual's z (prior N(0, I)) and σ, minimising the Gaussian negative
/// log-likelihood of log concentrations plus the prior and a small L2 penalty (MAP). Stage 2: with the network and σ
/// frozen, the target's z is re-estimated by Levenberg-Marquardt under the empirical population prior
/// N(mean, diag var) of the context individuals' z (an empirical-Bayes estimate, as for NLME), and its posterior is
/// approximated by a Laplace (Gauss-Newton) Gaussian.
/// </para>
/// <para>
/// What the intervals mean: an approximate 90% predictive interval for a new measurement of the target at each time,
/// given the fitted network. On the log scale the predictive distribution is taken as Gaussian with the MAP curve as
/// median and variance = (variance of log C over latent draws from the Laplace posterior) + σ², so it covers the
/// target's remaining individual uncertainty and the residual error estimated on the context. Uncertainty in the network
/// weights and in σ is not included, except through the spread between members when <see cref="NeuralOdeOptions.EnsembleSize"/>
/// &gt; 1 (their between-member variance is added); that log-normal is <see cref="Prediction.Distribution"/>.
/// <see cref="Prediction.Samples"/> holds the latent draws with residual noise.
/// </para>
/// <para>
/// Data use: samples that are BLQ, non-positive or not after the individual's first dose are not used in the
/// likelihood (the model has no endogenous baseline and no censoring term), and context individuals without any usable
/// sample carry no information and are not part of the fit. Query times at or before the target's first dose are
/// predicted as 0 (interval [0, 0]). Steady-state doses (SS=1) are rejected.
/// </para>
/// <para>
/// Failing honestly: the RK4 grid splits any step whose length times a bound of the rates exceeds 1 (see NodeGrid), so
/// the flow's amounts stay non-negative; before, fast fitted rates on the coarse 32-step grid drove the central amount
/// below zero and two misspecified synthetic studies got predictions of 1e-300 (per-study log-RMSE 93 and 49, now
/// 0.72 and 1.15). A stage-1 loss that turns non-finite after the first iteration ends the fit on its best iterate; that,
/// a fitted central amount that is still not positive at a sample or query time, and substeps capped at
/// NodeGrid.MaxSubsteps are reported in <see cref="Prediction.Warnings"/>; the prediction itself is returned as computed.
/// </para>
/// Deterministic given the seed: parameters are initialised and latents drawn from seeded <see cref="Random"/>
/// instances; torch's global RNG is not used.
/// </summary>
public sealed class NeuralOdePredictor : IPredictor
{
    private const double Z95 = 1.6448536269514722;

    /// <summary>Creates the predictor.</summary>
    /// <param name="options">Settings; null for the defaults.</param>
    /// <exception cref="ArgumentOutOfRangeException">A setting outside its range.</exception>
    public NeuralOdePredictor(NeuralOdeOptions? options = null)
    {
        Options = options ?? new NeuralOdeOptions();
        Options.Validate();
    }

    /// <summary>The settings in use.</summary>
    public NeuralOdeOptions Options { get; }

    /// <inheritdoc />
    public string Name => "node";

    /// <inheritdoc />
    public bool GeneratesIndividuals => true;

    /// <inheritdoc />
    /// <exception cref="ArgumentException">The context holds the target, fewer than two context individuals have a usable
    /// sample, an individual with samples has no dose, a steady-state dose, or a non-finite query time.</exception>
    /// <exception cref="InvalidOperationException">The fit diverged at its first iteration (non-finite loss); later divergence ends on the best iterate, with a warning.</exception>
    public Prediction Predict(Study context, Individual target, IReadOnlyList<double> times, int seed = 0)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(times);
        if (context.Individuals.Any(i => i.Id == target.Id))
            throw new ArgumentException($"node: the context study '{context.Name}' contains the target individual '{target.Id}'; leave it out (Study.Without).", nameof(context));
        if (target.Doses.Count == 0)
            throw new ArgumentException($"node: target individual '{target.Id}' has no dose; the neural ODE predicts the response to doses.", nameof(target));
        for (int q = 0; q < times.Count; q++)
            if (!double.IsFinite(times[q])) throw new ArgumentException($"node: query time {q} is {times[q]}; expected a finite number.", nameof(times));
        foreach (var ind in context.Individuals.Append(target))
        {
            if (ind.Doses.Count == 0 && ind.Observations.Any(o => o.Value > 0 && !o.IsBlq))
                throw new ArgumentException($"node: context individual '{ind.Id}' has samples but no dose; the neural ODE needs every individual's dosing history.", nameof(context));
            var ss = ind.Doses.FirstOrDefault(d => d.SteadyStateInterval is not null);
            if (ss is not null)
                throw new ArgumentException($"node: individual '{ind.Id}' has a steady-state dose (SS=1) at time {ss.Time}; the neural ODE integrates from zero and does not model steady state.", ind == target ? nameof(target) : nameof(context));
        }
        var ctx = context.Individuals.Where(i => i.Doses.Count > 0 && Usable(i).Length > 0).ToArray();
        if (ctx.Length < 2)
            throw new ArgumentException($"node: needs at least 2 context individuals with a positive sample after their first dose (for the population prior), study '{context.Name}' has {ctx.Length}.", nameof(context));

        var scales = Scales(ctx);
        double t0 = target.Doses[0].Time;
        var after = Enumerable.Range(0, times.Count).Where(q => times[q] > t0).ToArray();
        var queryTimes = after.Select(q => times[q]).ToArray();

        int m = Options.EnsembleSize;
        var members = new Member[m];
        for (int k = 0; k < m; k++)
            members[k] = FitMember(ctx, target, queryTimes, scales, MemberSeed(seed, k));

        int n = times.Count;
        var median = new double[n]; var lower = new double[n]; var upper = new double[n];
        // The log-normal the interval is drawn from; a point mass at 0 at or before the first dose.
        var logMu = Enumerable.Repeat(double.NegativeInfinity, n).ToArray(); var logSd = new double[n];
        var samples = new double[m * Options.LatentSamples][];
        for (int s = 0; s < samples.Length; s++) samples[s] = new double[n];
        var noise = new StableRandom(MemberSeed(seed, -1));
        for (int a = 0; a < after.Length; a++)
        {
            double mean = members.Average(x => x.LogMedian[a]);
            double within = members.Average(x => x.LatentVariance[a] + x.Sigma * x.Sigma);
            double between = members.Average(x => (x.LogMedian[a] - mean) * (x.LogMedian[a] - mean));
            double sd = Math.Sqrt(within + between);
            median[after[a]] = Math.Exp(mean);
            logMu[after[a]] = mean; logSd[after[a]] = sd;
            lower[after[a]] = Math.Exp(mean - Z95 * sd);
            upper[after[a]] = Math.Exp(mean + Z95 * sd);
        }
        for (int k = 0; k < m; k++)
            for (int s = 0; s < Options.LatentSamples; s++)
                for (int a = 0; a < after.Length; a++)
                    samples[k * Options.LatentSamples + s][after[a]] = Math.Exp(members[k].LogSamples[s][a] + Normal.Sample(noise, 0, members[k].Sigma));
        var warnings = members.SelectMany((x, k) => x.Warnings.Select(w => m > 1 ? $"node member {k}: {w}" : $"node: {w}")).ToArray();
        return new Prediction(Name, times.ToArray(), median, lower, upper, samples, warnings, PredictiveDistribution.LogNormal(logMu, logSd));
    }

    /// <summary>One member's prediction at the query times after the first dose, log scale in the study's units.</summary>
    private sealed record Member(double[] LogMedian, double[] LatentVariance, double Sigma, double[][] LogSamples, IReadOnlyList<string> Warnings);

    private static int MemberSeed(int seed, int member) => SeedStream.Of(seed, member + 1, SeedStream.NeuralOdeMember);

    /// <summary>Samples used in the likelihood: positive, not BLQ, after the first dose.</summary>
    private static Observation[] Usable(Individual ind) => ind.Doses.Count == 0 ? [] :
        ind.Observations.Where(o => o.Value > 0 && !o.IsBlq && o.Time > ind.Doses[0].Time).ToArray();

    private static NodeScales Scales(IReadOnlyList<Individual> ctx)
    {
        double span = ctx.Max(i => Usable(i).Max(o => o.Time) - i.Doses[0].Time);
        var amounts = ctx.SelectMany(i => i.Doses.Select(d => d.Amount)).Order().ToArray();
        double amount = amounts[amounts.Length / 2];
        double conc = ctx.Max(i => Usable(i).Max(o => o.Value));
        return new NodeScales(span, amount, conc);
    }

    private Member FitMember(IReadOnlyList<Individual> ctx, Individual target, double[] queryTimes, NodeScales scales, int seed)
    {
        var o = Options;
        var targetObs = Usable(target);
        // Read-out offset so that the first curves are on the data's scale: peak central amount is about half a dose.
        double c0 = ctx.Select(i => Math.Log(Usable(i).Max(x => x.Value) / scales.Concentration) - Math.Log(0.5 * i.Doses[0].Amount / scales.Amount))
            .Order().ElementAt(ctx.Count / 2);
        using var net = new NeuralOdeNet(o.States, o.HiddenSize, o.LatentSize, c0, seed);

        // Stage 1: joint MAP fit of the network, every z and sigma.
        var warnings = new List<string>();
        var batch = targetObs.Length > 0 ? ctx.Append(target).ToArray() : ctx.ToArray();
        var obs = batch.Select(Usable).ToArray();
        double[] zRows;
        double sigma;
        using (var grid = NodeGrid.Build(batch.Select((ind, i) => (ind, obs[i].Select(x => x.Time).ToArray())).ToArray(), scales, o.States, o.Steps))
        {
            int b = batch.Length, r = obs.Max(x => x.Length);
            var yData = new double[b * r]; var maskData = new double[b * r];
            for (int i = 0; i < b; i++)
                for (int k = 0; k < obs[i].Length; k++) { yData[i * r + k] = Math.Log(obs[i][k].Value / scales.Concentration); maskData[i * r + k] = 1; }
            double nObs = maskData.Sum();
            using var y = tensor(yData, [b, r], ScalarType.Float64);
            using var mask = tensor(maskData, [b, r], ScalarType.Float64);
            using var z = new Parameter(zeros(b, o.LatentSize, ScalarType.Float64));
            var parameters = net.parameters().Append(z).ToArray();
            using var optimizer = new ScalarSafeAdamW(parameters, o.LearningRate);
            // Every number in the loss is a Scalar held until the loop ends (see TorchScalars for why).
            using var half = 0.5.ToScalar();
            using var minusTwo = (-2.0).ToScalar();
            using var observations = nObs.ToScalar();
            using var perObservation = (1 / nObs).ToScalar();
            using var decay = (0.5 * o.WeightDecay).ToScalar();
            var one = TorchScalars.One;
            // The best iterate so far (parameters before the step whose loss it is): kept so that a fit that diverges
            // later ends on it, flagged, instead of on non-finite weights.
            double bestLoss = double.PositiveInfinity;
            int bestIteration = -1;
            Tensor[] best = [];
            bool underresolved = false;
            for (int it = 0; it < o.Iterations; it++)
            {
                using var scope = NewDisposeScope();
                optimizer.ZeroGrad();
                // Cosine decay from lr (first step) towards lr / 10.
                optimizer.LearningRate = o.LearningRate / 10 + (o.LearningRate - o.LearningRate / 10) * 0.5 * (1 + Math.Cos(Math.PI * it / o.Iterations));
                var logC = grid.LogCentral(net, z);
                var resid = (y - logC) * mask;
                var logSigma = net.LogSigma;
                // nll = 0.5 sum(resid^2) exp(-2 log sigma) + nObs log sigma; loss = (nll + 0.5 |z|^2) / nObs + 0.5 wd |W|^2
                var nll = NeuralOdeNet.SquaredSum(resid).mul(half).mul(logSigma.mul(minusTwo).exp()).add(logSigma.mul(observations), one);
                var loss = nll.add(NeuralOdeNet.SquaredSum(z).mul(half), one).mul(perObservation).add(net.WeightNorm2().mul(decay), one);
                double value = loss.item<double>();
                underresolved |= grid.Underresolved;
                if (!double.IsFinite(value))
                {
                    if (bestIteration < 0)
                        throw new InvalidOperationException($"node: the fit diverged at iteration {it} (loss {value}); try a smaller LearningRate or more Steps.");
                    warnings.Add($"the fit diverged at iteration {it} (loss {value}); stopped on the best iterate, iteration {bestIteration} (loss {bestLoss:G6}).");
                    break;
                }
                if (value < bestLoss)
                {
                    bestLoss = value; bestIteration = it;
                    using (no_grad())
                    {
                        if (best.Length == 0) best = parameters.Select(x => x.detach().clone().DetachFromDisposeScope()).ToArray();
                        else for (int k = 0; k < best.Length; k++) best[k].copy_(parameters[k]);
                    }
                }
                loss.backward();
                nn.utils.clip_grad_norm_(parameters, 5.0);
                optimizer.Step();
            }
            if (warnings.Count > 0)
                using (no_grad())
                    for (int k = 0; k < best.Length; k++) parameters[k].copy_(best[k]);
            foreach (var t in best) t.Dispose();
            if (underresolved)
                warnings.Add($"the rates grew so fast that some RK4 steps needed more than {NodeGrid.MaxSubsteps} substeps (capped) during the fit.");
            zRows = z.detach().data<double>().ToArray();
            sigma = Math.Exp(net.LogSigma.item<double>());
        }

        // Population prior of z: mean and per-dimension variance of the context individuals' estimates (a small ridge keeps
        // it proper when they collapse). A full covariance was tried: it copies chance correlations of ~10 context
        // individuals into the target's extrapolation and predicted worse on synthetic studies.
        int d = o.LatentSize, nc = ctx.Count;
        var zCtx = Matrix<double>.Build.Dense(nc, d, (i, k) => zRows[i * d + k]);
        var mu = zCtx.ColumnSums() / nc;
        var centred = zCtx - Matrix<double>.Build.Dense(nc, d, (i, k) => mu[k]);
        var omega = Matrix<double>.Build.DenseOfDiagonalVector(centred.PointwisePower(2).ColumnSums() / nc + 1e-3);
        var zStart = targetObs.Length > 0 ? zRows.Skip(nc * d).Take(d).ToArray() : mu.ToArray();

        // Stage 2: the target's z under that prior (network frozen), then latent draws.
        using var noGrad = no_grad();
        var records = targetObs.Select(x => x.Time).Concat(queryTimes).ToArray();
        using var targetGrid = NodeGrid.Build([(target, records)], scales, o.States, o.Steps);
        targetGrid.TrackPositivity = true;
        double[][] Evaluate(double[][] zs)
        {
            using var scope = NewDisposeScope();
            using var zt = tensor(zs.SelectMany(x => x).ToArray(), [zs.Length, d], ScalarType.Float64);
            var flat = targetGrid.LogCentral(net, zt).data<double>().ToArray();
            int width = flat.Length / zs.Length;
            return Enumerable.Range(0, zs.Length).Select(i => flat.AsSpan(i * width, width).ToArray()).ToArray();
        }
        var yT = targetObs.Select(x => Math.Log(x.Value / scales.Concentration)).ToArray();
        var (zHat, precision) = Posterior(Evaluate, yT, sigma, mu, omega.Inverse(), zStart);

        var cov = precision.Inverse();
        cov = (cov + cov.Transpose()) / 2;
        var chol = cov.Cholesky().Factor;
        var rng = new StableRandom(seed);
        int nS = o.LatentSamples;
        var zs = new double[nS + 1][];
        zs[0] = zHat;
        for (int s = 1; s <= nS; s++)
        {
            var eps = Vector<double>.Build.Dense(d, _ => Normal.Sample(rng, 0, 1));
            var draw = chol * eps;
            zs[s] = zHat.Select((v, k) => v + draw[k]).ToArray();
        }
        var curves = Evaluate(zs);
        // Checked on the MAP curve alone (one more solve): the draws' spread is the interval's business.
        Evaluate([zHat]);
        if (targetGrid.LastNonPositive > 0)
            warnings.Add($"the central amount of the fitted curve is not positive at {targetGrid.LastNonPositive} of {records.Length} sample and query times (its log floored at 1e-300): prediction unreliable.");
        if (targetGrid.Underresolved)
            warnings.Add($"the target's rates needed more than {NodeGrid.MaxSubsteps} RK4 substeps in some step (capped): prediction unreliable.");
        int nq = queryTimes.Length, offset = targetObs.Length;
        double logScale = Math.Log(scales.Concentration);
        var logMedian = new double[nq]; var variance = new double[nq];
        var logSamples = new double[nS][];
        for (int s = 0; s < nS; s++) logSamples[s] = new double[nq];
        for (int q = 0; q < nq; q++)
        {
            logMedian[q] = curves[0][offset + q] + logScale;
            double mean = 0;
            for (int s = 0; s < nS; s++) { logSamples[s][q] = curves[s + 1][offset + q] + logScale; mean += logSamples[s][q] / nS; }
            for (int s = 0; s < nS; s++) variance[q] += (logSamples[s][q] - mean) * (logSamples[s][q] - mean) / (nS - 1);
        }
        return new Member(logMedian, variance, sigma, logSamples, warnings);
    }

    /// <summary>
    /// Levenberg-Marquardt MAP of z for residuals (y - f(z))/sigma and prior N(mu, precision <paramref name="priorPrecision"/>), with a forward-difference
    /// Jacobian (one batched solve per iteration); returns the MAP and the Gauss-Newton posterior precision.
    /// </summary>
    private static (double[] Z, Matrix<double> Precision) Posterior(Func<double[][], double[][]> evaluate, double[] y, double sigma,
        Vector<double> mu, Matrix<double> priorPrecision, double[] start)
    {
        int d = mu.Count, n = y.Length;
        if (n == 0) return (mu.ToArray(), priorPrecision);

        (double Cost, Matrix<double> J, Vector<double> R) Linearise(double[] z)
        {
            const double h = 1e-6;
            var points = new double[d + 1][];
            points[0] = z;
            for (int k = 0; k < d; k++) { points[k + 1] = z.ToArray(); points[k + 1][k] += h; }
            var f = evaluate(points);
            var r = Vector<double>.Build.Dense(n, i => (y[i] - f[0][i]) / sigma);
            var j = Matrix<double>.Build.Dense(n, d, (i, k) => -(f[k + 1][i] - f[0][i]) / h / sigma);
            double cost = r.DotProduct(r);
            var dz = Vector<double>.Build.Dense(z) - mu;
            cost += dz.DotProduct(priorPrecision * dz);
            return (cost, j, r);
        }

        var current = start.ToArray();
        var lin = Linearise(current);
        double lambda = 1e-3;
        for (int it = 0; it < 100 && lambda < 1e10; it++)
        {
            var a = lin.J.TransposeThisAndMultiply(lin.J) + priorPrecision;
            var g = lin.J.TransposeThisAndMultiply(lin.R) + priorPrecision * (Vector<double>.Build.Dense(current) - mu);
            var damped = a + Matrix<double>.Build.DenseOfDiagonalVector(a.Diagonal() * lambda);
            var step = damped.Solve(-g);
            var trial = current.Select((v, k) => v + step[k]).ToArray();
            var trialLin = Linearise(trial);
            if (trialLin.Cost < lin.Cost)
            {
                bool converged = lin.Cost - trialLin.Cost < 1e-10 * (1 + lin.Cost);
                current = trial; lin = trialLin; lambda = Math.Max(lambda / 3, 1e-9);
                if (converged) break;
            }
            else lambda *= 4;
        }
        return (current, lin.J.TransposeThisAndMultiply(lin.J) + priorPrecision);
    }
}
