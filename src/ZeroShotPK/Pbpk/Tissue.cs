namespace ZeroShotPK.Pbpk;

/// <summary>Tissue compartments of the whole-body model (blood pools are separate states).</summary>
public enum Tissue
{
    /// <summary>Lungs: receive the whole cardiac output from venous blood.</summary>
    Lung,
    /// <summary>Heart.</summary>
    Heart,
    /// <summary>Brain.</summary>
    Brain,
    /// <summary>Skeletal muscle.</summary>
    Muscle,
    /// <summary>Adipose tissue.</summary>
    Adipose,
    /// <summary>Skin.</summary>
    Skin,
    /// <summary>Bone (skeleton with marrow).</summary>
    Bone,
    /// <summary>Kidneys (renal clearance).</summary>
    Kidney,
    /// <summary>Liver (hepatic clearance; receives hepatic artery plus portal flow).</summary>
    Liver,
    /// <summary>Gut wall (portal; oral absorption enters here).</summary>
    Gut,
    /// <summary>Spleen (portal).</summary>
    Spleen,
    /// <summary>Pancreas (portal).</summary>
    Pancreas,
    /// <summary>Rest of body: what the named tissues leave of body weight and cardiac output.</summary>
    Rest,
}

/// <summary>Groupings of <see cref="Tissue"/> used by the model and the constraint rules.</summary>
public static class Tissues
{
    /// <summary>All tissues in enum order.</summary>
    public static IReadOnlyList<Tissue> All { get; } = Enum.GetValues<Tissue>();

    /// <summary>Number of tissues.</summary>
    public const int Count = 13;

    /// <summary>Tissues that drain into the liver through the portal vein.</summary>
    public static IReadOnlyList<Tissue> Portal { get; } = [Tissue.Gut, Tissue.Spleen, Tissue.Pancreas];

    /// <summary>Tissues that drain into venous blood (every tissue except lung and the portal ones).</summary>
    public static IReadOnlyList<Tissue> DrainToVein { get; } =
        [Tissue.Heart, Tissue.Brain, Tissue.Muscle, Tissue.Adipose, Tissue.Skin, Tissue.Bone, Tissue.Kidney, Tissue.Liver, Tissue.Rest];

    /// <summary>True for gut, spleen and pancreas.</summary>
    public static bool IsPortal(Tissue t) => t is Tissue.Gut or Tissue.Spleen or Tissue.Pancreas;
}

/// <summary>Species with physiology tables in data/pbpk/physiology.csv.</summary>
public enum Species
{
    /// <summary>Adult human (ICRP 89 reference male).</summary>
    Human,
    /// <summary>Rat (Brown et al. 1997, 250 g).</summary>
    Rat,
    /// <summary>Mouse (Brown et al. 1997, 25 g).</summary>
    Mouse,
    /// <summary>Dog (Davies &amp; Morris 1993, 10 kg).</summary>
    Dog,
    /// <summary>Rhesus monkey (Davies &amp; Morris 1993, 5 kg).</summary>
    Monkey,
}

/// <summary>Parsing of <see cref="Species"/> names.</summary>
public static class SpeciesNames
{
    /// <summary>Parses human, rat, mouse, dog or monkey (case-insensitive).</summary>
    /// <exception cref="ArgumentException">Any other text; the message lists the accepted names.</exception>
    public static Species Parse(string text) =>
        Enum.TryParse<Species>(text.Trim(), ignoreCase: true, out var s) && Enum.IsDefined(s) && !int.TryParse(text, out _)
            ? s
            : throw new ArgumentException($"--species: expected human, rat, mouse, dog or monkey, got '{text}'.", nameof(text));
}
