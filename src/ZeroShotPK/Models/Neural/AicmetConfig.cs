using System.Text.Json;
using System.Text.Json.Serialization;

namespace ZeroShotPK.Models.Neural;

/// <summary>
/// Size of the AICMET network. Two configurations are named: <see cref="AicmetConfig.Small"/> (the shipped CPU model) and
/// <see cref="AicmetConfig.Paper"/> (the paper's 4-layer GRU of width 256). Any other is read from JSON with <see cref="AicmetConfig.Load"/>.
/// </summary>
public sealed record AicmetArchitecture
{
    /// <summary>
    /// Network family: <c>gru-mlp</c> (the first model: GRU encoder, attention pooling, MLP decoder; the shipped
    /// aicmet-small) or <c>transformer</c> (the authors' design: GRU + self-attention encoder, attention pooling, a
    /// transformer decoder whose query times attend to the latents, the dose and the revealed samples, read out
    /// through a one-compartment dose backbone; see <see cref="AicmetTransformerNetwork"/>).
    /// </summary>
    public string Kind { get; init; } = GruMlp;
    /// <summary>Name of the first network family.</summary>
    public const string GruMlp = "gru-mlp";
    /// <summary>Name of the authors' network family.</summary>
    public const string Transformer = "transformer";
    /// <summary>Name of the functional flow-matching family (PFF, see <see cref="PffNetwork"/>).</summary>
    public const string Pff = "pff";
    /// <summary>Whether the family reads the dose list and encodes with self-attention (transformer and PFF).</summary>
    internal bool IsAttentionFamily => Kind is Transformer or Pff;
    /// <summary>PFF: midpoint steps integrating the flow from the reference to a sample (authors: 100 Euler steps); 1..200.</summary>
    public int FlowSteps { get; init; } = 12;
    /// <summary>PFF: length scale of the Gaussian-process reference (RBF kernel, unit variance) over normalised time; 0.01..10.</summary>
    public double ReferenceLength { get; init; } = 0.25;
    /// <summary>Self-attention layers over each individual's GRU outputs (transformer kind; authors: 1); 0..8.</summary>
    public int AttentionLayers { get; init; } = 1;
    /// <summary>Attention heads (transformer kind); must divide <see cref="EncoderWidth"/>.</summary>
    public int Heads { get; init; } = 4;
    /// <summary>Width of the token embedding and of the GRU (paper: 256); 8..1024.</summary>
    public int EncoderWidth { get; init; } = 64;
    /// <summary>Number of stacked GRU layers in the individual encoder (paper: 4); 1..8.</summary>
    public int EncoderLayers { get; init; } = 1;
    /// <summary>Dimension of the L2-normalised individual summary (paper: 128).</summary>
    public int SummaryDim { get; init; } = 64;
    /// <summary>Dimension of the study latent z_s (paper: 64).</summary>
    public int StudyLatentDim { get; init; } = 32;
    /// <summary>Dimension of the individual latent z_i (paper: 128).</summary>
    public int IndividualLatentDim { get; init; } = 32;
    /// <summary>Width of the hidden layers of the latent heads and the decoder.</summary>
    public int DecoderWidth { get; init; } = 128;
    /// <summary>Number of hidden layers of the decoder MLP; 1..8.</summary>
    public int DecoderLayers { get; init; } = 3;
    /// <summary>Dropout probability in the decoder during training; 0..0.5.</summary>
    public double Dropout { get; init; } = 0.0;

    internal void Validate(string where)
    {
        static void Check(bool ok, string where, string what)
        {
            if (!ok) throw new ArgumentException($"{where}: {what}");
        }
        Check(EncoderWidth is >= 8 and <= 1024, where, $"EncoderWidth must be in 8..1024, got {EncoderWidth}.");
        Check(EncoderLayers is >= 1 and <= 8, where, $"EncoderLayers must be in 1..8, got {EncoderLayers}.");
        Check(SummaryDim is >= 4 and <= 1024, where, $"SummaryDim must be in 4..1024, got {SummaryDim}.");
        Check(StudyLatentDim is >= 1 and <= 1024, where, $"StudyLatentDim must be in 1..1024, got {StudyLatentDim}.");
        Check(IndividualLatentDim is >= 1 and <= 1024, where, $"IndividualLatentDim must be in 1..1024, got {IndividualLatentDim}.");
        Check(DecoderWidth is >= 8 and <= 2048, where, $"DecoderWidth must be in 8..2048, got {DecoderWidth}.");
        Check(DecoderLayers is >= 1 and <= 8, where, $"DecoderLayers must be in 1..8, got {DecoderLayers}.");
        Check(Dropout is >= 0 and <= 0.5, where, $"Dropout must be in 0..0.5, got {Dropout}.");
        Check(Kind is GruMlp or Transformer or Pff, where, $"Kind must be '{GruMlp}', '{Transformer}' or '{Pff}', got '{Kind}'.");
        Check(FlowSteps is >= 1 and <= 200, where, $"FlowSteps must be in 1..200, got {FlowSteps}.");
        Check(ReferenceLength is >= 0.01 and <= 10, where, $"ReferenceLength must be in 0.01..10, got {ReferenceLength}.");
        Check(AttentionLayers is >= 0 and <= 8, where, $"AttentionLayers must be in 0..8, got {AttentionLayers}.");
        Check(!IsAttentionFamily || (Heads is >= 1 and <= 32 && EncoderWidth % Heads == 0), where, $"Heads must be in 1..32 and divide EncoderWidth {EncoderWidth}, got {Heads}.");
    }
}

/// <summary>Optimisation settings of pretraining (AdamW with warm-up and cosine decay).</summary>
public sealed record AicmetTraining
{
    /// <summary>Studies per step (paper: 64).</summary>
    public int BatchSize { get; init; } = 64;
    /// <summary>Total optimisation steps of a run (overridable by <c>--steps</c>).</summary>
    public int Steps { get; init; } = 4000;
    /// <summary>Peak learning rate after warm-up.</summary>
    public double LearningRate { get; init; } = 1e-3;
    /// <summary>Learning rate at the end of the cosine decay.</summary>
    public double MinLearningRate { get; init; } = 5e-5;
    /// <summary>Linear warm-up steps.</summary>
    public int WarmupSteps { get; init; } = 100;
    /// <summary>AdamW weight decay (paper: 1e-4).</summary>
    public double WeightDecay { get; init; } = 1e-4;
    /// <summary>Gradient clipping by global norm (paper: 0.5).</summary>
    public double GradientClip { get; init; } = 1.0;
    /// <summary>Weight of the KL terms of the two latents.</summary>
    public double KlWeight { get; init; } = 1.0;
    /// <summary>
    /// Score the revealed samples too (the authors' reconstruction head), not only the unrevealed ones: teaches the
    /// decoder the early part of the curve it is conditioned on. Off for the first model (aicmet-small).
    /// </summary>
    public bool ScoreKnownSamples { get; init; }
    /// <summary>Most target individuals per training study.</summary>
    public int MaxTargets { get; init; } = 4;
    /// <summary>Largest number of known (revealed) samples of a target individual during training.</summary>
    public int MaxKnownSamples { get; init; } = 6;
    /// <summary>Probability that a training study's context is emptied (teaches the no-context ablation).</summary>
    public double NoContextProbability { get; init; } = 0.1;
    /// <summary>Probability that a target reveals no samples (teaches generating new individuals).</summary>
    public double NoKnownProbability { get; init; } = 0.1;
    /// <summary>Write a checkpoint every this many steps.</summary>
    public int CheckpointEvery { get; init; } = 200;
    /// <summary>Compute the validation loss every this many steps.</summary>
    public int ValidationEvery { get; init; } = 100;
    /// <summary>Studies in the fixed held-out validation set.</summary>
    public int ValidationStudies { get; init; } = 128;

    internal void Validate(string where)
    {
        static void Check(bool ok, string where, string what)
        {
            if (!ok) throw new ArgumentException($"{where}: {what}");
        }
        Check(BatchSize is >= 1 and <= 4096, where, $"BatchSize must be in 1..4096, got {BatchSize}.");
        Check(Steps >= 1, where, $"Steps must be >= 1, got {Steps}.");
        Check(LearningRate > 0 && MinLearningRate >= 0 && MinLearningRate <= LearningRate, where,
            $"need 0 <= MinLearningRate <= LearningRate and LearningRate > 0, got {MinLearningRate} and {LearningRate}.");
        Check(WarmupSteps >= 0, where, $"WarmupSteps must be >= 0, got {WarmupSteps}.");
        Check(WeightDecay >= 0, where, $"WeightDecay must be >= 0, got {WeightDecay}.");
        Check(GradientClip > 0, where, $"GradientClip must be > 0, got {GradientClip}.");
        Check(KlWeight >= 0, where, $"KlWeight must be >= 0, got {KlWeight}.");
        Check(MaxTargets >= 1, where, $"MaxTargets must be >= 1, got {MaxTargets}.");
        Check(MaxKnownSamples >= 1, where, $"MaxKnownSamples must be >= 1, got {MaxKnownSamples}.");
        Check(NoContextProbability is >= 0 and <= 1, where, $"NoContextProbability must be in 0..1, got {NoContextProbability}.");
        Check(NoKnownProbability is >= 0 and <= 1, where, $"NoKnownProbability must be in 0..1, got {NoKnownProbability}.");
        Check(CheckpointEvery >= 1, where, $"CheckpointEvery must be >= 1, got {CheckpointEvery}.");
        Check(ValidationEvery >= 1, where, $"ValidationEvery must be >= 1, got {ValidationEvery}.");
        Check(ValidationStudies >= 1, where, $"ValidationStudies must be >= 1, got {ValidationStudies}.");
    }
}

/// <summary>
/// A complete AICMET configuration as stored in JSON and in every checkpoint manifest: a name, the
/// architecture (must match the code when a checkpoint is loaded) and the training settings.
/// </summary>
public sealed record AicmetConfig
{
    /// <summary>Configuration name ("small", "paper" or a file's own name).</summary>
    public string Name { get; init; } = "small";
    /// <summary>Network size.</summary>
    public AicmetArchitecture Architecture { get; init; } = new();
    /// <summary>Optimisation settings.</summary>
    public AicmetTraining Training { get; init; } = new();

    /// <summary>The shipped CPU configuration: one GRU layer of width 64, latents of 32, decoder 3 x 128.</summary>
    public static AicmetConfig Small { get; } = new();

    /// <summary>The paper's size: 4-layer GRU of width 256, 128-d summaries, z_s 64-d, z_i 128-d, decoder 4 x 256, dropout 0.1, lr 1e-4.</summary>
    public static AicmetConfig Paper { get; } = new()
    {
        Name = "paper",
        Architecture = new AicmetArchitecture
        {
            EncoderWidth = 256, EncoderLayers = 4, SummaryDim = 128, StudyLatentDim = 64, IndividualLatentDim = 128,
            DecoderWidth = 256, DecoderLayers = 4, Dropout = 0.1,
        },
        Training = new AicmetTraining { LearningRate = 1e-4, MinLearningRate = 5e-5, GradientClip = 0.5, Steps = 2000 },
    };

    /// <summary>
    /// The authors' AICMET on our 2-core CPU budget: transformer kind, GRU 1 x 64 + one self-attention layer,
    /// latents 32/32, decoder 2 cross-attention blocks of width 64 (FFN 128), 4 heads; revealed samples scored.
    /// </summary>
    public static AicmetConfig TransformerSmall { get; } = new()
    {
        Name = "transformer-small",
        Architecture = new AicmetArchitecture
        {
            Kind = AicmetArchitecture.Transformer, EncoderWidth = 64, EncoderLayers = 1, AttentionLayers = 1, Heads = 4,
            SummaryDim = 64, StudyLatentDim = 32, IndividualLatentDim = 32, DecoderWidth = 128, DecoderLayers = 2, Dropout = 0,
        },
        Training = new AicmetTraining { LearningRate = 1e-3, MinLearningRate = 5e-5, GradientClip = 1.0, Steps = 8000, ScoreKnownSamples = true },
    };

    /// <summary>
    /// The authors' sizes (their run configuration): GRU 4 x 256 + self-attention, 128-d summaries, z_s 64, z_i 128,
    /// transformer decoder of 4 blocks with hidden 512, dropout 0.1; AdamW 1e-4 to 5e-5, clip 0.5, batch 64.
    /// </summary>
    public static AicmetConfig TransformerPaper { get; } = new()
    {
        Name = "transformer-paper",
        Architecture = new AicmetArchitecture
        {
            Kind = AicmetArchitecture.Transformer, EncoderWidth = 256, EncoderLayers = 4, AttentionLayers = 1, Heads = 4,
            SummaryDim = 128, StudyLatentDim = 64, IndividualLatentDim = 128, DecoderWidth = 512, DecoderLayers = 4, Dropout = 0.1,
        },
        Training = new AicmetTraining { LearningRate = 1e-4, MinLearningRate = 5e-5, GradientClip = 0.5, Steps = 2000, ScoreKnownSamples = true },
    };

    /// <summary>
    /// PFF on our 2-core CPU budget: the transformer-small encoder (so it can start from the shipped AICMET encoder with
    /// <c>--init-from</c>), a flow decoder of 3 cross-attention blocks of width 64 (FFN 128), a GP reference of length 0.25,
    /// 12 midpoint steps; revealed samples scored.
    /// </summary>
    public static AicmetConfig PffSmall { get; } = new()
    {
        Name = "pff-small",
        Architecture = new AicmetArchitecture
        {
            Kind = AicmetArchitecture.Pff, EncoderWidth = 64, EncoderLayers = 1, AttentionLayers = 1, Heads = 4,
            SummaryDim = 64, StudyLatentDim = 32, IndividualLatentDim = 32, DecoderWidth = 128, DecoderLayers = 3, Dropout = 0,
            FlowSteps = 12, ReferenceLength = 0.25,
        },
        Training = new AicmetTraining
        {
            LearningRate = 5e-4, MinLearningRate = 3e-5, GradientClip = 1.0, Steps = 11000, ScoreKnownSamples = true, ValidationEvery = 1000, CheckpointEvery = 1000,
            ValidationStudies = 64,
            KlWeight = 0,
        },
    };

    internal static JsonSerializerOptions Json { get; } = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    /// <summary>Resolves <c>small</c>, <c>paper</c> or a JSON file path.</summary>
    /// <exception cref="ArgumentException">Unknown name, missing file, or invalid values (message names the file and field).</exception>
    public static AicmetConfig Resolve(string nameOrPath) => nameOrPath.Trim().ToLowerInvariant() switch
    {
        "small" => Small,
        "paper" => Paper,
        "transformer-small" => TransformerSmall,
        "transformer-paper" => TransformerPaper,
        "pff-small" => PffSmall,
        _ => File.Exists(nameOrPath) ? Load(nameOrPath)
            : throw new ArgumentException($"--config: expected small, paper, transformer-small, transformer-paper, pff-small or an existing JSON file, got '{nameOrPath}'."),
    };

    /// <summary>Reads and validates a JSON configuration file.</summary>
    /// <exception cref="ArgumentException">Malformed JSON (with line and column), unknown fields or values out of range.</exception>
    public static AicmetConfig Load(string path)
    {
        AicmetConfig? config;
        try
        {
            config = JsonSerializer.Deserialize<AicmetConfig>(File.ReadAllText(path), Json);
        }
        catch (JsonException ex)
        {
            throw new ArgumentException($"{path}: invalid AICMET config at line {(ex.LineNumber ?? 0) + 1}, column {(ex.BytePositionInLine ?? 0) + 1}: {ex.Message}");
        }
        if (config is null) throw new ArgumentException($"{path}: empty AICMET config.");
        config.Validate(path);
        return config;
    }

    /// <summary>Checks every field's range.</summary>
    /// <exception cref="ArgumentException">A value is out of range; the message names <paramref name="where"/> and the field.</exception>
    public void Validate(string where = "config")
    {
        Architecture.Validate(where);
        Training.Validate(where);
    }

    /// <summary>The configuration as indented JSON (camelCase, the format <see cref="AicmetConfig.Load"/> reads).</summary>
    public string ToJson() => JsonSerializer.Serialize(this, Json);
}
