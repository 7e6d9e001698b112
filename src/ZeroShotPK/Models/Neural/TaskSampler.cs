using ZeroShotPK.Data;

namespace ZeroShotPK.Models.Neural;

/// <summary>
/// Splits a synthetic study into an in-context training problem: some individuals become targets that reveal
/// their first k samples (k in 1..MaxKnownSamples, sometimes 0) and must predict the rest; a random subset of the
/// others is the context (sometimes none, to teach the no-context ablation).
/// </summary>
public static class TaskSampler
{
    /// <summary>Draws the split of <paramref name="study"/> with <paramref name="rng"/>.</summary>
    /// <exception cref="ArgumentException">The study has no individual with at least two observations.</exception>
    public static AicmetTask Sample(Study study, AicmetTraining options, Random rng)
    {
        var usable = study.Individuals.Where(i => i.Observations.Count > 0).ToArray();
        var targetable = usable.Where(i => i.Observations.Count >= 2).ToArray();
        if (targetable.Length == 0)
            throw new ArgumentException($"study '{study.Name}': no individual has two or more observations, so none can be a target.");
        rng.Shuffle(targetable);
        int n = usable.Length;
        int maxTargets = Math.Min(options.MaxTargets, Math.Max(1, n - 1));
        int nTargets = Math.Min(targetable.Length, 1 + rng.Next(maxTargets));
        var targets = targetable.Take(nTargets).ToArray();
        var rest = usable.Where(i => !targets.Contains(i)).ToArray();
        rng.Shuffle(rest);
        int nContext = rest.Length == 0 || rng.NextDouble() < options.NoContextProbability ? 0 : 1 + rng.Next(rest.Length);
        var known = new int[nTargets];
        for (int j = 0; j < nTargets; j++)
        {
            int count = targets[j].Observations.Count;
            known[j] = rng.NextDouble() < options.NoKnownProbability ? 0 : Math.Min(count - 1, 1 + rng.Next(options.MaxKnownSamples));
        }
        // Without a context the revealed samples alone set the concentration scale, so at least one must be revealed.
        if (nContext == 0)
            for (int j = 0; j < nTargets; j++) known[j] = Math.Max(1, known[j]);
        var task = new AicmetTask(rest.Take(nContext).ToArray(), targets, known);
        if (nContext == 0 && !AicmetTensorizer.HasConcentrationScale(task))
            task = new AicmetTask(rest, targets, known);
        return task;
    }
}
