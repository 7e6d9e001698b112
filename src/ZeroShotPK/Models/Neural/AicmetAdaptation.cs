using ZeroShotPK.Data;
using ZeroShotPK.Simulation;
using ZeroShotPK.Torch;
using static TorchSharp.torch;

namespace ZeroShotPK.Models.Neural;

/// <summary>
/// Test-time adaptation of a pretrained AICMET network to one study: a few AdamW steps on in-context tasks cut from the
/// study's context individuals alone (each becomes a target whose later samples are predicted from its first ones and
/// the others), starting from the checkpoint's weights every time. The held-out individual is never a training target
/// and its unrevealed samples are never seen.
/// </summary>
/// <param name="Steps">Gradient steps per prediction (0 turns adaptation off).</param>
/// <param name="LearningRate">AdamW learning rate (constant).</param>
/// <param name="TasksPerStep">In-context tasks per step, each cut from the context with its own random split.</param>
/// <param name="MaxIndividuals">Most context individuals one task draws from (a random subset of a larger study): the
/// pretraining studies have 5-12, and a task over a 120-individual context would cost 10x more for no new kind of signal.</param>
public sealed record AicmetAdaptation(int Steps = 20, double LearningRate = 1e-4, int TasksPerStep = 8, int MaxIndividuals = 16)
{
    /// <summary>Checks the ranges.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value out of range.</exception>
    public void Validate()
    {
        if (Steps is < 0 or > 10_000) throw new ArgumentOutOfRangeException(nameof(Steps), Steps, "adaptation steps must be in 0..10000.");
        if (!(LearningRate > 0 && LearningRate < 1)) throw new ArgumentOutOfRangeException(nameof(LearningRate), LearningRate, "adaptation learning rate must be in (0, 1).");
        if (TasksPerStep is < 1 or > 4096) throw new ArgumentOutOfRangeException(nameof(TasksPerStep), TasksPerStep, "tasks per step must be in 1..4096.");
        if (MaxIndividuals < 2) throw new ArgumentOutOfRangeException(nameof(MaxIndividuals), MaxIndividuals, "individuals per adaptation task must be >= 2.");
    }

    /// <summary>
    /// Adapts <paramref name="model"/> (already holding the checkpoint's weights, on its device) in place to
    /// <paramref name="context"/>; returns false and leaves it untouched when the context cannot make a task (fewer
    /// than two individuals, or none with two samples).
    /// </summary>
    internal bool Apply(AicmetModel model, IReadOnlyList<Individual> context, AicmetTraining training, Device device, int seed)
    {
        var usable = context.Where(i => i.Observations.Count > 0).ToArray();
        if (Steps == 0 || usable.Length < 2 || !usable.Any(i => i.Observations.Count >= 2)) return false;
        // Targets come from the context only; the split keeps a context beside each target (no empty-context tasks).
        var split = training with { NoContextProbability = 0, NoKnownProbability = 0, MaxTargets = 1 };
        var parameters = model.parameters().ToArray();
        using var optimizer = new ScalarSafeAdamW(parameters, LearningRate, weightDecay: 0);
        model.train();
        manual_seed(SeedMix.Mix(seed, SeedStream.AdaptationTorch));
        for (int step = 0; step < Steps; step++)
        {
            var tasks = new AicmetTask[TasksPerStep];
            for (int k = 0; k < TasksPerStep; k++)
            {
                var rng = StableRandom.For(seed, step, k);
                var pool = usable.Length <= MaxIndividuals ? usable : usable.OrderBy(_ => rng.Next()).Take(MaxIndividuals).ToArray();
                if (!pool.Any(i => i.Observations.Count >= 2)) pool = [.. pool.Skip(1), usable.First(i => i.Observations.Count >= 2)];
                tasks[k] = TaskSampler.Sample(new Study("context", pool), split, rng);
            }
            using var scope = NewDisposeScope();
            using var batch = AicmetTensorizer.Build(tasks, device, training.ScoreKnownSamples);
            optimizer.ZeroGrad();
            var loss = model.Loss(batch, training.KlWeight);
            if (!double.IsFinite(loss.Loss.item<float>())) break;
            loss.Loss.backward();
            nn.utils.clip_grad_norm_(parameters, training.GradientClip);
            optimizer.Step();
        }
        model.eval();
        return true;
    }
}
