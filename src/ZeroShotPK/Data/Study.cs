namespace ZeroShotPK.Data;

/// <summary>Units a study's numbers are in; used for labels and conversions, never guessed.</summary>
/// <param name="Time">Time unit, e.g. "h".</param>
/// <param name="Amount">Dose amount unit, e.g. "mg".</param>
/// <param name="Concentration">Concentration unit, e.g. "mg/L".</param>
public sealed record Units(string Time = "h", string Amount = "mg", string Concentration = "mg/L");

/// <summary>A set of individuals given the same compound: the unit of context for in-context prediction.</summary>
public sealed class Study
{
    /// <summary>Creates a study; individual ids must be unique.</summary>
    /// <exception cref="ArgumentException">Duplicate individual ids.</exception>
    public Study(string name, IEnumerable<Individual> individuals, Units? units = null)
    {
        Name = name;
        Individuals = individuals.ToArray();
        Units = units ?? new Units();
        var dup = Individuals.GroupBy(i => i.Id).FirstOrDefault(g => g.Count() > 1);
        if (dup is not null) throw new ArgumentException($"study '{name}': individual id '{dup.Key}' appears more than once.", nameof(individuals));
    }

    /// <summary>Study name (the STUDY column, or the file name).</summary>
    public string Name { get; }

    /// <summary>Individuals in file order.</summary>
    public IReadOnlyList<Individual> Individuals { get; }

    /// <summary>Units of time, amount and concentration.</summary>
    public Units Units { get; }

    /// <summary>The individual with this id.</summary>
    /// <exception cref="KeyNotFoundException">No such id; the message lists the ids present.</exception>
    public Individual this[string id] => Individuals.FirstOrDefault(i => i.Id == id)
        ?? throw new KeyNotFoundException($"study '{Name}' has no individual '{id}' (ids: {string.Join(", ", Individuals.Select(i => i.Id))}).");

    /// <summary>The study without the individual <paramref name="id"/> (leave-one-out context).</summary>
    public Study Without(string id) => new(Name, Individuals.Where(i => i.Id != id), Units);

    /// <inheritdoc />
    public override string ToString() => $"Study {Name}: {Individuals.Count} individuals";
}
