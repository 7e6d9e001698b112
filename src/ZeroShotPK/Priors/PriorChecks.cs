using System.Globalization;

namespace ZeroShotPK.Priors;

/// <summary>
/// A prior record refused a value at construction. <see cref="Field"/> is the field inside the record (empty when the
/// record as a whole is wrong) and <see cref="Problem"/> what was wrong with it, so that a file reader can put the
/// record's own path in front (<see cref="PriorFile"/> turns it into "file: field $.Dosing.MaxDoses = ...").
/// </summary>
public sealed class PriorFieldException : ArgumentException
{
    internal PriorFieldException(string record, string field, string problem) : base(null, field)
    {
        Record = record;
        Field = field;
        Problem = problem;
    }

    /// <summary>The record type that refused the value, e.g. <c>DosingPrior</c>.</summary>
    public string Record { get; }

    /// <summary>The field inside the record, e.g. <c>MaxDoses</c> or <c>CompartmentProbabilities[3]</c>; empty for the record itself.</summary>
    public string Field { get; }

    /// <summary>What is wrong, as it follows the field's name: " = 0: expected an integer in [1, 100]" or " is missing (null)".</summary>
    public string Problem { get; }

    /// <summary>One sentence naming the record, the field and what was expected.</summary>
    public override string Message => Field.Length == 0 ? $"{Record}{Problem}." : $"{Record}: field {Field}{Problem}.";

    /// <summary>The field's path under <paramref name="prefix"/> (the record's own path, e.g. "Dosing.Routes").</summary>
    public string PathUnder(string prefix) =>
        prefix.Length == 0 ? Field : Field.Length == 0 ? prefix : Field.StartsWith('[') ? prefix + Field : prefix + "." + Field;
}

/// <summary>The range checks the prior records run in their constructors; each returns the value it accepted.</summary>
internal static class PriorChecks
{
    internal static string Text(double value) => value.ToString(CultureInfo.InvariantCulture);

    internal static PriorFieldException Refused(string record, string field, double value, string expected) =>
        new(record, field, $" = {Text(value)}: expected {expected}");

    internal static double Require(double value, bool accepted, string record, string field, string expected) =>
        accepted ? value : throw Refused(record, field, value, expected);

    internal static int Require(int value, bool accepted, string record, string field, string expected) =>
        accepted ? value : throw Refused(record, field, value, expected);

    internal static T Present<T>(T? value, string record, string field) where T : class =>
        value ?? throw new PriorFieldException(record, field, " is missing (null)");

    internal static double Positive(double value, string record, string field) =>
        Require(value, value > 0 && !double.IsInfinity(value), record, field, "a finite number > 0");

    internal static double NonNegative(double value, string record, string field) =>
        Require(value, value >= 0 && !double.IsInfinity(value), record, field, "a finite number >= 0");

    internal static double Probability(double value, string record, string field) =>
        Require(value, value >= 0 && value <= 1, record, field, "a probability in [0, 1]");

    internal static double LogSd(double value, double max, string record, string field) =>
        Require(value, value >= 0 && value <= max, record, field, $"a log-scale sd in [0, {Text(max)}]");

    internal static int Integer(int value, int min, int max, string record, string field) =>
        Require(value, value >= min && value <= max, record, field, $"an integer in [{min}, {max}]");

    /// <summary>An upper bound of a pair: at least <paramref name="min"/> (named <paramref name="minName"/>), at most <paramref name="max"/>.</summary>
    internal static int AtLeast(int value, int min, string minName, int max, string record, string field) =>
        Require(value, value >= min && value <= max, record, field, $"an integer in [{minName} = {min}, {max}]");

    /// <summary>A copy of <paramref name="values"/> nobody else holds, so the record stays as validated.</summary>
    internal static IReadOnlyList<double> Frozen(IEnumerable<double> values) => Array.AsReadOnly(values.ToArray());
}

/// <summary>
/// The part of a prior file reader that both JSON formats share: builds a record under its JSON path, so that a value the
/// record refuses is reported as "file: field $.path = ...", and refuses a missing section.
/// </summary>
/// <param name="sourceName">The file's name in messages.</param>
internal class PriorFieldReader(string sourceName)
{
    /// <summary>Builds a record, turning its <see cref="PriorFieldException"/> into a FormatException naming the file and path.</summary>
    public T At<T>(string path, Func<T> build)
    {
        try { return build(); }
        catch (PriorFieldException e) { throw new FormatException($"{sourceName}: field $.{e.PathUnder(path)}{e.Problem}.", e); }
    }

    /// <summary>The section at <paramref name="path"/>, or a FormatException when the file gives null.</summary>
    public T Need<T>(string path, T? value) where T : class =>
        value ?? throw new FormatException($"{sourceName}: field $.{path} is missing (null).");
}
