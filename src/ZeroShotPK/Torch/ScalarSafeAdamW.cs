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
public sealed class ScalarSafeAdamW : IDisposable
{
    private readonly Parameter[] parameters;
    private readonly Tensor[] m, v;
    private readonly long[] steps;
    private readonly double beta1Value, beta2Value, epsValue, weightDecay;
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
        epsValue = epsilon;
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

    /// <summary>First bytes of a state file: the format's name and version.</summary>
    private const string Header = "ZSPK-ADAMW-1";

    /// <summary>
    /// Writes the state (settings, each parameter's step count, shape and both moments, as float64) to
    /// <paramref name="path"/>. Moments of float32 parameters round-trip exactly. Callers that need atomicity write to a
    /// temporary path and rename (as <c>Checkpoint.Save</c> does).
    /// </summary>
    public void Save(string path)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        using var stream = File.Create(path);
        using var w = new BinaryWriter(stream);
        w.Write(Header);
        w.Write(beta1Value); w.Write(beta2Value); w.Write(epsValue); w.Write(weightDecay);
        w.Write(parameters.Length);
        for (int k = 0; k < parameters.Length; k++)
        {
            w.Write(steps[k]);
            w.Write(m[k].dim());
            foreach (var size in m[k].shape) w.Write(size);
            foreach (var moment in new[] { m[k], v[k] })
            {
                using var host = moment.to(ScalarType.Float64, CPU);
                foreach (var x in host.data<double>().ToArray()) w.Write(x);
            }
        }
    }

    /// <summary>Replaces the state by the one in <paramref name="path"/>, written by <see cref="Save"/> for the same parameters and settings.</summary>
    /// <exception cref="InvalidDataException">
    /// The file is not such a state file (for example one written by TorchSharp's own optimizer), is truncated, or was
    /// written for other parameters or settings; the message names the file and what differs. The state is unchanged.
    /// </exception>
    public void Load(string path)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        using var stream = File.OpenRead(path);
        using var r = new BinaryReader(stream);
        string header;
        try { header = r.ReadString(); }
        catch (Exception e) when (e is EndOfStreamException or IOException or FormatException) { header = ""; }
        if (header != Header)
        {
            string what = header is "Adam" or "AdamW"
                ? $"it was written by TorchSharp's {header} (checkpoints of ZeroShotPK before the Scalar-safe optimizer), whose state this code does not read"
                : "it does not start with the expected header";
            throw new InvalidDataException($"{path}: not a ZeroShotPK optimizer-state file ('{Header}'): {what}. Start a new run (weights can still be used for prediction).");
        }
        try
        {
            void Expect(string name, double expected)
            {
                double found = r.ReadDouble();
                if (found != expected) throw new InvalidDataException($"{path}: optimizer state has {name} {found}, this optimizer uses {expected}.");
            }
            Expect("beta1", beta1Value); Expect("beta2", beta2Value); Expect("epsilon", epsValue); Expect("weight decay", weightDecay);
            int count = r.ReadInt32();
            if (count != parameters.Length) throw new InvalidDataException($"{path}: optimizer state for {count} parameters, this model has {parameters.Length}.");
            var newSteps = new long[count];
            var moments = new double[count][][];
            for (int k = 0; k < count; k++)
            {
                newSteps[k] = r.ReadInt64();
                long dims = r.ReadInt64();
                if (dims != m[k].dim()) throw new InvalidDataException($"{path}: parameter {k} has {dims} dimensions in the optimizer state, {m[k].dim()} in the model.");
                var shape = new long[dims];
                for (int d = 0; d < dims; d++) shape[d] = r.ReadInt64();
                if (!shape.SequenceEqual(m[k].shape))
                    throw new InvalidDataException($"{path}: parameter {k} has shape [{string.Join(", ", shape)}] in the optimizer state, [{string.Join(", ", m[k].shape)}] in the model.");
                long n = m[k].numel();
                moments[k] = new double[2][];
                for (int j = 0; j < 2; j++)
                {
                    moments[k][j] = new double[n];
                    for (long i = 0; i < n; i++) moments[k][j][i] = r.ReadDouble();
                }
            }
            if (stream.Position != stream.Length) throw new InvalidDataException($"{path}: {stream.Length - stream.Position} unexpected bytes after the optimizer state.");
            using var noGrad = no_grad();
            for (int k = 0; k < count; k++)
            {
                steps[k] = newSteps[k];
                using var mHost = tensor(moments[k][0], m[k].shape, ScalarType.Float64);
                using var vHost = tensor(moments[k][1], v[k].shape, ScalarType.Float64);
                m[k].copy_(mHost);
                v[k].copy_(vHost);
            }
        }
        catch (EndOfStreamException)
        {
            throw new InvalidDataException($"{path}: optimizer state ends early (truncated file).");
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
