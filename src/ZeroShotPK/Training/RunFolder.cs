using ZeroShotPK.Models;

namespace ZeroShotPK.Training;

/// <summary>
/// The one start-or-resume check of every training run's folder (--out, --resume): what each trainer does before its
/// model-specific checks (same configuration, same prior) and before it writes anything.
/// </summary>
public static class RunFolder
{
    /// <summary>
    /// For a resume: reads the folder's manifest (kind and format checked), requires the same seed, a step plan not below
    /// the steps done and kept optimizer state, and verifies every file the manifest lists; returns it. For a new run:
    /// refuses a folder that already holds a checkpoint and returns null.
    /// </summary>
    /// <param name="directory">The run folder.</param>
    /// <param name="resume">--resume was given.</param>
    /// <param name="seed">The run's --seed.</param>
    /// <param name="steps">The run's --steps (null: the command's default, or the checkpoint's plan on a resume).</param>
    /// <param name="stepsOptional">The command runs without --steps (then a resume finishes the checkpoint's plan).</param>
    /// <param name="what">What the folder should hold, for messages ("checkpoint", "forecaster checkpoint").</param>
    /// <exception cref="InvalidOperationException">Any of these rules broken (one sentence naming the folder and what to do).</exception>
    /// <exception cref="InvalidDataException">A listed file differs from the one the manifest recorded.</exception>
    /// <exception cref="FileNotFoundException">A listed file is missing.</exception>
    public static T? Open<T>(string directory, bool resume, long seed, int? steps, bool stepsOptional, string what) where T : ModelManifest, IModelManifestKind
    {
        var manifestPath = Path.Combine(directory, ModelManifests.ManifestFile);
        if (!resume)
        {
            if (File.Exists(manifestPath))
                throw new InvalidOperationException($"{directory} already holds a checkpoint; pass --resume to continue it, --force to start over, or choose another --out.");
            return null;
        }
        if (!File.Exists(manifestPath))
            throw new InvalidOperationException($"--resume: {directory} holds no {what} (no {ModelManifests.ManifestFile}); expected the --out folder of the run to continue, or drop --resume to start a new run.");
        var m = ModelManifests.Read<T>(manifestPath);
        if (m.Seed != seed)
            throw new InvalidOperationException($"{directory}: --resume with seed {seed}, but the checkpoint was trained with seed {m.Seed}.");
        if (steps is { } planned && planned < m.Step)
            throw new InvalidOperationException($"{directory}: --resume --steps {planned} is below the checkpoint's step {m.Step}; expected --steps >= {m.Step}" +
                                                (stepsOptional ? $" (or no --steps to finish its plan of {m.TotalSteps})." : "."));
        if (m.OptimizerFile is null)
            throw new InvalidOperationException($"{directory}: a shipped checkpoint (no optimizer state) cannot be resumed; start a new run in another --out.");
        ModelManifests.Verify(directory, manifestPath, m);
        return m;
    }
}
