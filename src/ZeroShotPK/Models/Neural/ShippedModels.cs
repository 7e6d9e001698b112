namespace ZeroShotPK.Models.Neural;

/// <summary>
/// The checkpoints that ship in the repository's <c>data/checkpoints/</c>, found without a path: from the
/// <c>ZSPK_DATA</c> environment variable (a data folder), else by walking up from the working directory and from the
/// assembly's folder (the build output lies inside the repository) to the first <c>data/checkpoints/NAME</c>.
/// </summary>
public static class ShippedModels
{
    /// <summary>The default AICMET model: the authors' transformer family, trained on our CPU.</summary>
    public const string Default = "aicmet-transformer";
    /// <summary>The first AICMET model (GRU encoder, MLP decoder), kept for comparison as method <c>aicmet-small</c>.</summary>
    public const string Small = "aicmet-small";
    /// <summary>The functional flow-matching model (PFF), method <c>pff</c>.</summary>
    public const string Pff = "pff";

    /// <summary>The folder of shipped checkpoint <paramref name="name"/>, or null when no data folder holds it.</summary>
    public static string? Find(string name)
    {
        var env = Environment.GetEnvironmentVariable("ZSPK_DATA");
        if (!string.IsNullOrEmpty(env))
        {
            var p = Path.Combine(env, "checkpoints", name);
            return Checkpoint.Exists(p) ? Path.GetFullPath(p) : null;
        }
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var p = Path.Combine(dir.FullName, "data", "checkpoints", name);
                if (Checkpoint.Exists(p)) return p;
            }
        }
        return null;
    }

    /// <summary>The folder of shipped checkpoint <paramref name="name"/>.</summary>
    /// <exception cref="FileNotFoundException">No data folder holds it (the message says where it looked).</exception>
    public static string Require(string name) => Find(name) ?? throw new FileNotFoundException(
        $"shipped checkpoint '{name}' not found: looked for data/checkpoints/{name}/manifest.json above the working directory and the zspk binary" +
        " (set ZSPK_DATA to the repository's data folder, or pass --checkpoint).");
}
