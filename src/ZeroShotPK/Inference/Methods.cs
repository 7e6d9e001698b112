using ZeroShotPK.Torch;
using ZeroShotPK.Models.Baselines;
using ZeroShotPK.Models.Neural;

namespace ZeroShotPK.Inference;

/// <summary>
/// The prediction methods by their table names: one place that turns a name into an <see cref="IPredictor"/>. A new
/// method gets a name in <see cref="All"/> and a case in <see cref="Create"/>; the contract tests then run over it. What
/// it offers beyond predictions it declares on <see cref="IPredictor"/>, never here.
/// </summary>
public static class Methods
{
    /// <summary>Every method name, in table order.</summary>
    public static IReadOnlyList<string> All { get; } = ["aicmet", "aicmet-nocontext", "aicmet-tta", "aicmet-small", "pff", "pff-tta", "nlme", "population", "node"];

    /// <summary>True for methods that need a trained checkpoint (--checkpoint, by default the shipped transformer model).</summary>
    public static bool NeedsCheckpoint(string name) => name is "aicmet" or "aicmet-nocontext" or "aicmet-tta";

    /// <summary>Test-time adaptation of method aicmet-tta: 20 AdamW steps of 8 context tasks at learning rate 1e-4.</summary>
    public static AicmetAdaptation Adaptation { get; } = new();

    /// <summary>
    /// Parses a comma-separated method list; "all" means every method that can run with what is given (the AICMET
    /// methods only with a checkpoint), in <see cref="All"/>'s order.
    /// </summary>
    /// <exception cref="ArgumentException">An unknown name.</exception>
    public static IReadOnlyList<string> Parse(string list, bool haveCheckpoint)
    {
        var names = list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(n => n.ToLowerInvariant()).ToList();
        if (names.Count == 0) throw new ArgumentException("--method: expected one or more of all, " + string.Join(", ", All) + ".");
        if (names.Contains("all"))
            return All.Where(n => (haveCheckpoint || !NeedsCheckpoint(n)) && (n != "aicmet-small" || ShippedModels.Find(ShippedModels.Small) is not null)
                && (n is not ("pff" or "pff-tta") || ShippedModels.Find(ShippedModels.Pff) is not null)).ToArray();
        var unknown = names.FirstOrDefault(n => !All.Contains(n));
        if (unknown is not null) throw new ArgumentException($"--method: unknown method '{unknown}' (expected all, {string.Join(", ", All)}).");
        return names.Distinct().ToArray();
    }

    /// <summary>
    /// Creates the predictors <paramref name="names"/>, in order; "nlme" and "population" share one
    /// <see cref="NlmePopulationFitter"/>, so a leave-one-out fold fits its context once for both (the first of the two
    /// to run pays for the fit: see <see cref="NlmePopulationFitter.FitSeconds"/>).
    /// </summary>
    /// <exception cref="ArgumentException">Unknown name, or a missing checkpoint.</exception>
    /// <param name="names">Method names (see <see cref="All"/>).</param>
    /// <param name="checkpoint">Trained model file for the AICMET methods.</param>
    /// <param name="samples">Predictive samples drawn by sampling methods.</param>
    /// <param name="estimation">Population estimation of the NLME methods.</param>
    /// <param name="node">Settings of the neural ODE ("node"); null for <see cref="NeuralOdeOptions"/>' defaults.</param>
    /// <param name="warmStart">Leave-one-out warm starts of the NLME fits (<see cref="NlmePopulationFitter.WarmStart"/>).</param>
    /// <param name="adaptation">Test-time adaptation of aicmet-tta; null for <see cref="Adaptation"/>.</param>
    /// <param name="device">Where the neural networks of the AICMET and PFF methods run.</param>
    public static IReadOnlyList<IPredictor> CreateMany(IReadOnlyList<string> names, string? checkpoint = null, int samples = 1000,
        NlmeEstimation estimation = NlmeEstimation.Focei, NeuralOdeOptions? node = null, bool warmStart = true, AicmetAdaptation? adaptation = null,
        DeviceChoice device = DeviceChoice.Cpu)
    {
        var fitter = new NlmePopulationFitter(estimation: estimation) { WarmStart = warmStart };
        return names.Select(n => n switch
        {
            "nlme" => new NlmePredictor(fitter, samples),
            "population" => new PopulationPredictor(fitter, samples),
            _ => Create(n, checkpoint, samples, estimation, node, adaptation, device),
        }).ToArray();
    }

    /// <summary>Flow draws per PFF prediction (its median and band are quantiles of their kernel mixture).</summary>
    public const int PffDraws = 32;

    /// <summary>
    /// The checkpoint method "pff" reads: <paramref name="checkpoint"/> when it is a PFF checkpoint (a run of
    /// <c>zspk pretrain --config pff-small</c>), else the shipped <c>data/checkpoints/pff</c> (so <c>--method all</c>
    /// with an AICMET checkpoint still runs the shipped PFF beside it).
    /// </summary>
    public static string PffCheckpoint(string? checkpoint) =>
        checkpoint is not null && Checkpoint.Exists(checkpoint) && Checkpoint.ReadManifest(checkpoint).Config.Architecture.Kind == AicmetArchitecture.Pff
            ? checkpoint
            : ShippedModels.Require(ShippedModels.Pff);

    /// <summary>Creates the predictor <paramref name="name"/>.</summary>
    /// <param name="name">Method name (see <see cref="All"/>).</param>
    /// <param name="checkpoint">Trained model file for the AICMET methods.</param>
    /// <param name="samples">Predictive samples drawn by sampling methods.</param>
    /// <param name="estimation">Population estimation of the NLME methods.</param>
    /// <param name="node">Settings of the neural ODE ("node"); null for <see cref="NeuralOdeOptions"/>' defaults.</param>
    /// <param name="adaptation">Test-time adaptation of aicmet-tta; null for <see cref="Adaptation"/>.</param>
    /// <param name="device">Where the neural networks of the AICMET and PFF methods run.</param>
    /// <exception cref="ArgumentException">Unknown name, or a missing checkpoint.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A neural ODE or adaptation setting outside its range.</exception>
    public static IPredictor Create(string name, string? checkpoint = null, int samples = 1000, NlmeEstimation estimation = NlmeEstimation.Focei,
        NeuralOdeOptions? node = null, AicmetAdaptation? adaptation = null, DeviceChoice device = DeviceChoice.Cpu)
    {
        if (NeedsCheckpoint(name) && string.IsNullOrEmpty(checkpoint))
            throw new ArgumentException($"method '{name}' needs --checkpoint (a pretrained AICMET model).");
        if (NeedsCheckpoint(name) && Checkpoint.Exists(checkpoint!) && Checkpoint.ReadManifest(checkpoint!).Config.Architecture.Kind == AicmetArchitecture.Pff)
            throw new ArgumentException($"method '{name}' needs an AICMET checkpoint, but '{checkpoint}' is a PFF checkpoint; use --method pff with it.");
        return name switch
        {
            "nlme" => new NlmePredictor(new NlmePopulationFitter(estimation: estimation), samples),
            "population" => new PopulationPredictor(new NlmePopulationFitter(estimation: estimation), samples),
            "aicmet" => new AicmetPredictor(checkpoint!, useContext: true, device: device),
            "aicmet-nocontext" => new AicmetPredictor(checkpoint!, useContext: false, device: device),
            "aicmet-tta" => new AicmetPredictor(checkpoint!, useContext: true, device: device, adaptation: adaptation ?? Adaptation),
            "aicmet-small" => new AicmetPredictor(ShippedModels.Require(ShippedModels.Small), useContext: true, device: device, name: "aicmet-small"),
            "pff" => new AicmetPredictor(PffCheckpoint(checkpoint), useContext: true, device: device, latentSamples: PffDraws, name: "pff"),
            // The same adaptation as aicmet-tta (its steps, tasks and learning rate), on PFF's flow-matching objective.
            "pff-tta" => new AicmetPredictor(PffCheckpoint(checkpoint), useContext: true, device: device, latentSamples: PffDraws,
                adaptation: adaptation ?? Adaptation, name: "pff-tta"),
            "node" => new NeuralOdePredictor(node),
            _ => throw new ArgumentException($"unknown method '{name}' (expected {string.Join(", ", All)})."),
        };
    }
}
