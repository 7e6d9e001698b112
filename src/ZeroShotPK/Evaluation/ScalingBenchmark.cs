using static TorchSharp.torch;
using ZeroShotPK.Models.Pbpk;
using ZeroShotPK.Pbpk;
using ZeroShotPK.Pbpk.Scaling;
using ZeroShotPK.Training;

namespace ZeroShotPK.Evaluation;

/// <summary>Settings of a <see cref="ScalingBenchmark"/> run.</summary>
public sealed record ScalingBenchmarkConfig
{
    /// <summary>Virtual compounds generated (training plus held out).</summary>
    public int Compounds { get; init; } = 1000;
    /// <summary>Fraction held out for evaluation (the last compounds of the set).</summary>
    public double TestFraction { get; init; } = 0.2;
    /// <summary>Seed of the compound set (the network's seed is in <see cref="Neural"/>).</summary>
    public int Seed { get; init; } = 1;
    /// <summary>Species differences of the ground truth.</summary>
    public SpeciesDifferences Differences { get; init; } = new();
    /// <summary>Neural allometry settings.</summary>
    public NeuralAllometryConfig Neural { get; init; } = new();

    /// <summary>
    /// Also train a second network that sees logP, pKa and class (<see cref="NeuralAllometryConfig.UseCompoundDescriptors"/>);
    /// its Vss is not a fair comparison with allometry (the ground truth's Vss is a function of them).
    /// </summary>
    public bool WithDescriptors { get; init; }

    /// <summary>Also train the network with the neural-ODE head (<see cref="NeuralAllometryConfig.OdeHead"/>).</summary>
    public bool WithOde { get; init; } = true;

    /// <summary>Held-out compounds: round(Compounds x TestFraction).</summary>
    public int TestCount => (int)Math.Round(Compounds * TestFraction);

    /// <summary>Checks ranges.</summary>
    /// <exception cref="ArgumentException">Too few training or test compounds.</exception>
    public ScalingBenchmarkConfig Validate()
    {
        if (!(TestFraction > 0 && TestFraction < 1)) throw new ArgumentException($"TestFraction must be in (0, 1), got {TestFraction}.");
        if (TestCount < 1 || Compounds - TestCount < 2)
            throw new ArgumentException($"Compounds = {Compounds} with TestFraction {TestFraction} leaves {Compounds - TestCount} training and {TestCount} test compounds; need at least 2 and 1.");
        Differences.Validate();
        Neural.Validate();
        return this;
    }
}

/// <summary>One scaling method: a short key, a description, and its human CL and Vss predictions for held-out compounds (null where it predicts none).</summary>
/// <param name="Key">Short name used in CSV columns.</param>
/// <param name="Name">Description for tables.</param>
/// <param name="Cl">Predicted human CL (L/h) per held-out compound, or null.</param>
/// <param name="Vss">Predicted human Vss (L) per held-out compound, or null.</param>
public sealed record ScalingMethodResult(string Key, string Name, double[]? Cl, double[]? Vss)
{
    /// <summary>Fold-error summary of CL against the compounds' true human CL (null if no CL prediction).</summary>
    public FoldErrorSummary? ClSummary { get; init; }
    /// <summary>Fold-error summary of Vss (null if no Vss prediction).</summary>
    public FoldErrorSummary? VssSummary { get; init; }
}

/// <summary>Result of <see cref="ScalingBenchmark.Run"/>.</summary>
/// <param name="Config">Settings.</param>
/// <param name="Test">Held-out compounds.</param>
/// <param name="Methods">Every method's predictions and summaries, classical first, neural, then the trivial mean.</param>
/// <param name="RuleCounts">How often the rule of exponents chose each correction on the held-out compounds.</param>
/// <param name="RedrawRate">Fraction of compound draws redrawn by the generator.</param>
/// <param name="NeuralLoss">Final training loss of the network (the one without compound descriptors).</param>
/// <param name="NeuralSeconds">Its training time, s.</param>
public sealed record ScalingBenchmarkResult(ScalingBenchmarkConfig Config, IReadOnlyList<VirtualCompound> Test,
    IReadOnlyList<ScalingMethodResult> Methods, IReadOnlyDictionary<ExponentRule, int> RuleCounts, double RedrawRate,
    double NeuralLoss, double NeuralSeconds)
{
    /// <summary>
    /// Each neural method against unbound allometry on the same held-out compounds: the paired AAFE ratio of CL and of
    /// Vss with its 95 % interval (<see cref="FoldErrorSummary.PairedAafeRatio"/>; below 1: the network is more accurate).
    /// </summary>
    public IReadOnlyList<(ScalingMethodResult Method, (double Ratio, double Lower, double Upper) Cl, (double Ratio, double Lower, double Upper) Vss)> NeuralVersusUnbound()
    {
        var unbound = Methods.Single(m => m.Key == "unbound");
        var truthCl = Test.Select(c => c.In(Species.Human).Cl).ToArray();
        var truthVss = Test.Select(c => c.In(Species.Human).Vss).ToArray();
        return [.. Methods.Where(m => m.Key.StartsWith("neural", StringComparison.Ordinal))
            .Select(m => (m, FoldErrorSummary.PairedAafeRatio(m.Cl!, unbound.Cl!, truthCl), FoldErrorSummary.PairedAafeRatio(m.Vss!, unbound.Vss!, truthVss)))];
    }
}

/// <summary>
/// Cross-species scaling benchmark on synthetic compounds (<see cref="CrossSpeciesGenerator"/>): the classical
/// methods (<see cref="Allometry"/>) from mouse, rat, monkey and dog, neural allometry (<see cref="NeuralAllometry"/>)
/// trained on the other compounds, and a trivial baseline, each predicting human CL and Vss of held-out compounds.
/// </summary>
public static class ScalingBenchmark
{
    private static double[] Bw(IEnumerable<Species> s) => s.Select(x => SpeciesDescriptor.Of(x).BodyWeight).ToArray();

    /// <summary>Runs the benchmark.</summary>
    /// <param name="config">Settings.</param>
    /// <param name="progress">Receives the network's (step, loss).</param>
    /// <param name="cancel">Stops the network's training.</param>
    /// <param name="device">Where the networks train (default CPU).</param>
    public static ScalingBenchmarkResult Run(ScalingBenchmarkConfig config, Action<int, double>? progress = null, CancellationToken cancel = default,
        Device? device = null)
    {
        config.Validate();
        var generator = new CrossSpeciesGenerator(config.Differences);
        var all = generator.Generate(config.Compounds, config.Seed);
        var nTrain = config.Compounds - config.TestCount;
        var train = all.Take(nTrain).ToArray();
        var test = all.Skip(nTrain).ToArray();

        var methods = Classical(test, out var rules).ToList();
        double loss, seconds;
        using (var net = NeuralAllometryTraining.Train(train, config.Neural, progress, cancel, device))
        {
            var p = net.PredictHuman(test);
            methods.Add(new ScalingMethodResult("neural", "Neural allometry", p.Select(x => x.Cl).ToArray(), p.Select(x => x.Vss).ToArray()));
            (loss, seconds) = (net.FinalLoss, net.TrainSeconds);
        }
        if (config.WithOde)
        {
            using var net = NeuralAllometryTraining.Train(train, config.Neural with { OdeHead = true }, progress, cancel, device);
            var p = net.PredictHuman(test);
            methods.Add(new ScalingMethodResult("neural-ode", "Neural allometry, ODE in BW", p.Select(x => x.Cl).ToArray(), p.Select(x => x.Vss).ToArray()));
        }
        if (config.WithDescriptors)
        {
            using var net = NeuralAllometryTraining.Train(train, config.Neural with { UseCompoundDescriptors = true }, progress, cancel, device);
            var p = net.PredictHuman(test);
            methods.Add(new ScalingMethodResult("neural-descr", "Neural + logP, pKa, class", p.Select(x => x.Cl).ToArray(), p.Select(x => x.Vss).ToArray()));
        }
        methods.Add(TrainingMean(train, test.Length));
        var truthCl = test.Select(c => c.In(Species.Human).Cl).ToArray();
        var truthVss = test.Select(c => c.In(Species.Human).Vss).ToArray();
        var scored = methods.Select(m => m with
        {
            ClSummary = m.Cl is null ? null : FoldErrorSummary.Of(m.Cl, truthCl),
            VssSummary = m.Vss is null ? null : FoldErrorSummary.Of(m.Vss, truthVss),
        }).ToArray();
        return new ScalingBenchmarkResult(config, test, scored, rules, generator.RedrawRate, loss, seconds);
    }

    /// <summary>
    /// The classical methods on each compound's observed animal data, human body weight and human fu:
    /// simple allometry (fitted exponent), fixed exponents (CL 0.75, Vss 1), rule of exponents (CL), rat only and dog
    /// only (0.75, 1), and unbound allometry (CL/fu and Vss/fu at fixed exponents, times human fu).
    /// </summary>
    public static IReadOnlyList<ScalingMethodResult> Classical(IReadOnlyList<VirtualCompound> compounds, out IReadOnlyDictionary<ExponentRule, int> ruleCounts)
    {
        var animals = SpeciesDescriptor.Animals;
        var bw = Bw(animals);
        var human = SpeciesDescriptor.Of(Species.Human);
        var hbw = human.BodyWeight;
        double[] Cl(VirtualCompound c) => animals.Select(s => c.In(s).ObservedCl).ToArray();
        double[] Vss(VirtualCompound c) => animals.Select(s => c.In(s).ObservedVss).ToArray();
        double[] Fu(VirtualCompound c) => animals.Select(s => c.In(s).Fu).ToArray();
        double[] Map(Func<VirtualCompound, double> f) => compounds.Select(f).ToArray();
        var counts = Enum.GetValues<ExponentRule>().ToDictionary(r => r, _ => 0);
        var roe = Map(c =>
        {
            var r = Allometry.RuleOfExponents(animals.Select(SpeciesDescriptor.Of).ToArray(), Cl(c), human);
            counts[r.Rule]++;
            return r.Prediction;
        });
        ruleCounts = counts;
        ScalingMethodResult Single(Species s, string key) => new(key, $"{s} only (0.75 / 1)",
            Map(c => Allometry.SingleSpecies(c.In(s).ObservedCl, SpeciesDescriptor.Of(s).BodyWeight, hbw, 0.75)),
            Map(c => Allometry.SingleSpecies(c.In(s).ObservedVss, SpeciesDescriptor.Of(s).BodyWeight, hbw, 1)));
        return
        [
            new("sa", "Simple allometry (fitted b)", Map(c => Allometry.Fit(bw, Cl(c)).At(hbw)), Map(c => Allometry.Fit(bw, Vss(c)).At(hbw))),
            new("sa-fixed", "Fixed exponents (0.75 / 1)", Map(c => Allometry.FitFixedExponent(bw, Cl(c), 0.75).At(hbw)), Map(c => Allometry.FitFixedExponent(bw, Vss(c), 1).At(hbw))),
            new("roe", "Rule of exponents (CL)", roe, null),
            Single(Species.Rat, "rat"),
            Single(Species.Dog, "dog"),
            new("unbound", "Unbound allometry (fu)",
                Map(c => c.In(Species.Human).Fu * Allometry.FitFixedExponent(bw, Cl(c).Zip(Fu(c), (x, f) => x / f).ToArray(), 0.75).At(hbw)),
                Map(c => c.In(Species.Human).Fu * Allometry.FitFixedExponent(bw, Vss(c).Zip(Fu(c), (x, f) => x / f).ToArray(), 1).At(hbw))),
        ];
    }

    /// <summary>The trivial baseline: the geometric mean of the training compounds' human CL and Vss, whatever the animal data.</summary>
    public static ScalingMethodResult TrainingMean(IReadOnlyList<VirtualCompound> train, int count)
    {
        var cl = Math.Exp(train.Average(c => Math.Log(c.In(Species.Human).Cl)));
        var vss = Math.Exp(train.Average(c => Math.Log(c.In(Species.Human).Vss)));
        return new ScalingMethodResult("mean", "Training mean", Enumerable.Repeat(cl, count).ToArray(), Enumerable.Repeat(vss, count).ToArray());
    }
}
