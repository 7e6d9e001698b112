using ZeroShotPK.Data;

namespace ZeroShotPK.Models.Neural;

/// <summary>
/// One in-context problem: a study's context individuals (fully observed) and target individuals of which only
/// the first <see cref="Known"/> samples are revealed. Without <see cref="QueryTimes"/> the targets are queried at
/// their own observation times (training and validation: the unrevealed ones are scored).
/// </summary>
public sealed class AicmetTask
{
    /// <summary>Creates a task.</summary>
    /// <exception cref="ArgumentException">No target, lengths differ, or a known count exceeds the target's samples.</exception>
    public AicmetTask(IReadOnlyList<Individual> context, IReadOnlyList<Individual> targets, IReadOnlyList<int> known,
        IReadOnlyList<IReadOnlyList<double>>? queryTimes = null)
    {
        if (targets.Count == 0) throw new ArgumentException("an AICMET task needs at least one target individual.", nameof(targets));
        if (known.Count != targets.Count) throw new ArgumentException($"known needs one count per target ({targets.Count}), got {known.Count}.", nameof(known));
        for (int i = 0; i < targets.Count; i++)
            if (known[i] < 0 || known[i] > targets[i].Observations.Count)
                throw new ArgumentException($"target '{targets[i].Id}': known count {known[i]} outside 0..{targets[i].Observations.Count}.", nameof(known));
        if (queryTimes is not null && queryTimes.Count != targets.Count)
            throw new ArgumentException($"queryTimes needs one list per target ({targets.Count}), got {queryTimes.Count}.", nameof(queryTimes));
        Context = context; Targets = targets; Known = known; QueryTimes = queryTimes;
    }

    /// <summary>Fully observed individuals of the study (may be empty).</summary>
    public IReadOnlyList<Individual> Context { get; }
    /// <summary>Individuals to predict.</summary>
    public IReadOnlyList<Individual> Targets { get; }
    /// <summary>Per target, how many of its first samples are revealed.</summary>
    public IReadOnlyList<int> Known { get; }
    /// <summary>Per target, the query times; null means the target's own observation times.</summary>
    public IReadOnlyList<IReadOnlyList<double>>? QueryTimes { get; }
}
