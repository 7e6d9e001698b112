using System.Globalization;
using System.Reflection;
using Spectre.Console.Cli;

namespace ZeroShotPK.Cli;

/// <summary>A command line zspk cannot run as written: an unknown option, a value of the wrong type, a stray argument.</summary>
internal sealed class UsageException(string message) : Exception(message);

/// <summary>
/// Marks an option required unless <see cref="Other"/> is given (evaluate needs --data or --benchmark). A command without
/// an option named <see cref="Other"/> always requires it. Options required on every command line use Spectre's
/// <c>IsRequired</c> instead, which also marks them in the help.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class RequiredUnlessAttribute(string other) : Attribute
{
    /// <summary>The option (e.g. <c>--benchmark</c>) that replaces this one.</summary>
    public string Other { get; } = other;
}

/// <summary>
/// Strict option parsing before Spectre.Console.Cli sees the arguments: every option must be one of the command's
/// own (a near miss is named, e.g. <c>--methd</c> suggests <c>--method</c>), every value must convert to the option's
/// type (the message names the option and the type expected), and no argument may stand without an option.
/// Spectre alone ignores unknown options unless told otherwise and reports a bad value as "Failed to convert 'abc'
/// to Nullable`1", without the option.
/// </summary>
internal static class CommandLineCheck
{
    private sealed record OptionInfo(string[] Names, Type ValueType, bool TakesValue, string Template, bool Required, string? RequiredUnless, OutputAttribute? Output)
    {
        /// <summary>How a message names the option: its long name and value, e.g. <c>--data &lt;FILE&gt;</c>.</summary>
        public string Usage => (Names.FirstOrDefault(n => n.StartsWith("--", StringComparison.Ordinal)) ?? Names[0]) + (Template.Length > 0 ? " " + Template : "");
    }

    // Concurrent: tests build the command tree (ZspkApp.Create) from parallel test classes.
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, Type> Commands = new(StringComparer.Ordinal);

    /// <summary>Registers <typeparamref name="TCommand"/> under <paramref name="path"/> (e.g. "data summary") for <see cref="Check"/>.</summary>
    public static void Register<TCommand>(string path) where TCommand : class, ICommand
    {
        for (var t = typeof(TCommand); t is not null; t = t.BaseType)
            if (t.IsGenericType && t.GetGenericTypeDefinition() == typeof(Command<>))
            {
                var settings = t.GetGenericArguments()[0];
                // Every command that writes an output has --force, and only those: one rule, checked when zspk starts.
                var options = OptionsOf(settings);
                if (options.Any(o => o.Output is { Mode: not OutputMode.Updated }) != options.Any(o => o.Names.Contains(OutputGuard.ForceOption)))
                    throw new InvalidOperationException($"'zspk {path}': an [Output] option needs {OutputGuard.ForceOption}, and {OutputGuard.ForceOption} an [Output] option.");
                Commands[path] = settings;
                return;
            }
        throw new InvalidOperationException($"{typeof(TCommand).Name} is not a Command<TSettings>.");
    }

    /// <summary>Adds <typeparamref name="TCommand"/> as <paramref name="name"/> to <paramref name="configurator"/> and registers it under <paramref name="path"/>.</summary>
    public static ICommandConfigurator Add<TCommand>(IConfigurator configurator, string path, string name) where TCommand : class, ICommand
    {
        Register<TCommand>(path);
        return configurator.AddCommand<TCommand>(name);
    }

    /// <summary>Adds <typeparamref name="TCommand"/> to a branch and registers it under <paramref name="path"/>.</summary>
    public static ICommandConfigurator Add<TCommand>(IConfigurator<CommandSettings> configurator, string path, string name)
        where TCommand : class, ICommandLimiter<CommandSettings>
    {
        Register<TCommand>(path);
        return configurator.AddCommand<TCommand>(name);
    }

    /// <summary>The registered command paths (for tests and help).</summary>
    public static IReadOnlyCollection<string> Paths => [.. Commands.Keys];

    /// <summary>Checks <paramref name="args"/> against the options of the command they name.</summary>
    /// <returns>The command's output paths (options marked <see cref="OutputAttribute"/>) and whether --force is given, for <see cref="OutputGuard.Claim"/>.</returns>
    /// <exception cref="UsageException">An unknown option, a value that does not convert, an argument without an option, missing required options (all named at once), or an output that is an input.</exception>
    public static OutputPlan Check(string[] args)
    {
        // Help and version requests, and lines that name no registered command, are Spectre's to answer.
        if (args.Any(a => a is "-h" or "--help" or "-?" or "-v" or "--version")) return OutputPlan.None;
        int start = 0;
        string? path = null;
        for (int n = Math.Min(args.Length, 3); n >= 1; n--)
        {
            var candidate = string.Join(' ', args.Take(n));
            if (Commands.ContainsKey(candidate)) { path = candidate; start = n; break; }
        }
        if (path is null) return OutputPlan.None;
        var options = OptionsOf(Commands[path]);
        var given = new List<(OptionInfo Option, string Name, string Value)>();
        var seen = new HashSet<OptionInfo>();
        var arguments = new List<string>();
        for (int i = start; i < args.Length; i++)
        {
            var token = args[i];
            if ((!token.StartsWith('-') || token == "-") && TakesArguments(Commands[path])) { arguments.Add(token); continue; } // e.g. merge's shard folders
            if (!token.StartsWith('-') || token == "-")
                throw new UsageException($"'zspk {path}': unexpected argument '{Clip(token)}'; every value follows an option (see 'zspk {path} --help').");
            string name = token;
            string? value = null;
            int eq = token.IndexOf('=');
            if (eq > 0) { name = token[..eq]; value = token[(eq + 1)..]; }
            var option = options.FirstOrDefault(o => o.Names.Contains(name, StringComparer.Ordinal));
            if (option is null)
            {
                var suggestion = Suggest(name, options.SelectMany(o => o.Names).Where(n => n.StartsWith("--", StringComparison.Ordinal)));
                throw new UsageException($"'zspk {path}': unknown option '{Clip(name)}'" +
                                         (suggestion is null ? "" : $"; did you mean '{suggestion}'?") +
                                         $" (see 'zspk {path} --help' for its options).");
            }
            seen.Add(option);
            if (!option.TakesValue)
            {
                if (value is not null && !bool.TryParse(value, out _))
                    throw new UsageException($"{name}: a flag takes no value, or true/false; got '{Clip(value)}'.");
                continue;
            }
            if (value is null)
            {
                // Values may start with '-' (--times -5:1:8) but not with "--": that is the next option.
                if (i + 1 >= args.Length || args[i + 1].StartsWith("--", StringComparison.Ordinal))
                    throw new UsageException($"{name}: expected a value {option.Template} after it.");
                value = args[++i];
            }
            CheckValue(name, value, option.ValueType);
            given.Add((option, name, value));
            // One bound for every command's --threads: fold workers and libtorch threads are real threads.
            if (option.Names.Contains("--threads") && int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var threads)
                && threads is < 1 or > ZeroShotPK.Torch.TorchDevice.MaxThreads)
                throw new UsageException($"--threads: expected 1 to {ZeroShotPK.Torch.TorchDevice.MaxThreads}, got {threads}.");
        }
        CheckRequired(path, options, seen);
        CheckOutputs(given, arguments);
        bool Flag(string name) => args.Skip(start).Any(a => a == name || a.StartsWith(name + "=", StringComparison.Ordinal) && bool.TryParse(a[(name.Length + 1)..], out var b) && b);
        var outputs = given.Where(g => g.Option.Output is not null).Select(g => new OutputClaim(g.Name, g.Value, Full(g.Value), g.Option.Template == "<DIR>",
            g.Option.Output!.Mode, g.Option.Output.Mode == OutputMode.Updated || g.Option.Output.ContinuedBy is { } c && Flag(c))).ToList();
        return new OutputPlan(outputs, Flag(OutputGuard.ForceOption));
    }

    private static string Full(string path) => Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));

    /// <summary>
    /// Every required option the line leaves out, named in one sentence (a user should not learn them one failed run at
    /// a time): those marked <c>IsRequired</c>, and those marked <see cref="RequiredUnlessAttribute"/> when the
    /// alternative is not given either (or the command has no such option).
    /// </summary>
    private static void CheckRequired(string path, List<OptionInfo> options, HashSet<OptionInfo> seen)
    {
        var missing = options.Where(o => !seen.Contains(o) && (o.Required || o.RequiredUnless is { } other && !seen.Any(s => s.Names.Contains(other))))
            .Select(o => o.RequiredUnless is { } alt && options.Any(x => x.Names.Contains(alt))
                ? $"{o.Usage} (or {options.First(x => x.Names.Contains(alt)).Usage})"
                : o.Usage)
            .ToList();
        if (missing.Count == 0) return;
        var list = missing.Count == 1 ? missing[0] : string.Join(", ", missing[..^1]) + " and " + missing[^1];
        throw new UsageException($"'zspk {path}': missing required option{(missing.Count == 1 ? "" : "s")} {list} (see 'zspk {path} --help').");
    }

    /// <summary>
    /// Checks every output before any work: a FILE is not a folder, a DIR is not a file, the path can exist (no file where a
    /// folder is needed), it is none of the other options' files or folders (the input is never the output), no input lies
    /// inside an output folder (replacing it would delete the input), and an output folder does not hold the working folder.
    /// </summary>
    private static void CheckOutputs(List<(OptionInfo Option, string Name, string Value)> given, List<string> arguments)
    {
        var outputs = given.Where(g => g.Option.Output is not null).ToList();
        foreach (var (option, name, value) in outputs)
        {
            if (string.IsNullOrWhiteSpace(value)) throw new UsageException($"{name}: expected a path, got an empty value.");
            string full;
            try { full = Path.GetFullPath(value); }
            catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
            {
                throw new UsageException($"{name} '{Clip(value)}': not a valid path.");
            }
            bool wantsFolder = option.Template == "<DIR>";
            // A folder changed in place (OutputGuard checks that it exists): nothing in it is deleted or replaced.
            if (option.Output!.Mode == OutputMode.Updated) continue;
            if (wantsFolder && File.Exists(full)) throw new UsageException($"{name} {value}: a file; expected a folder (or a path that does not exist yet).");
            if (!wantsFolder && Directory.Exists(full)) throw new UsageException($"{name} {value}: a folder; expected a file path such as {Path.Combine(value, "out.csv")}.");
            for (var dir = Path.GetDirectoryName(full); !string.IsNullOrEmpty(dir); dir = Path.GetDirectoryName(dir))
            {
                if (Directory.Exists(dir)) break;
                if (File.Exists(dir)) throw new UsageException($"{name} {value}: {dir} is a file, so nothing can be written below it; expected a folder there.");
            }
            foreach (var (_, otherName, other) in given.Where(g => g.Option.ValueType == typeof(string)))
            {
                if (otherName == name || string.IsNullOrWhiteSpace(other) || !(File.Exists(other) || Directory.Exists(other))) continue;
                string otherFull;
                try { otherFull = Path.GetFullPath(other); }
                catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException) { continue; }
                if (string.Equals(otherFull.TrimEnd('/'), full.TrimEnd('/'), StringComparison.Ordinal))
                    throw new UsageException($"{name} {value} is also {otherName}: the output would overwrite the input; expected another path.");
            }
            if (!wantsFolder) continue;
            var folder = Path.TrimEndingDirectorySeparator(full) + Path.DirectorySeparatorChar;
            bool Inside(string p) => (Path.TrimEndingDirectorySeparator(p) + Path.DirectorySeparatorChar).StartsWith(folder, StringComparison.Ordinal);
            if (Inside(Environment.CurrentDirectory))
                throw new UsageException($"{name} {value}: holds the working folder, which replacing it would delete; expected a folder elsewhere.");
            var inputs = given.Where(g => g.Option.Output is null && g.Option.ValueType == typeof(string)).Select(g => (Name: g.Name, g.Value))
                .Concat(arguments.Select(a => (Name: "the input", Value: a)));
            foreach (var (otherName, other) in inputs)
            {
                if (string.IsNullOrWhiteSpace(other) || !(File.Exists(other) || Directory.Exists(other))) continue;
                string otherFull;
                try { otherFull = Path.GetFullPath(other); }
                catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException) { continue; }
                if (Path.TrimEndingDirectorySeparator(otherFull) == Path.TrimEndingDirectorySeparator(full))
                    throw new UsageException($"{name} {value} is also {otherName}: the output would overwrite the input; expected another path.");
                if (Inside(otherFull))
                    throw new UsageException($"{name} {value} holds {otherName} {other}: writing the output folder would delete the input; expected another folder.");
            }
        }
        var twice = outputs.GroupBy(o => Full(o.Value)).FirstOrDefault(g => g.Count() > 1);
        if (twice is not null)
            throw new UsageException($"{twice.First().Name} and {twice.Skip(1).First().Name} name one path, {twice.First().Value}; expected a path each.");
    }

    private static void CheckValue(string name, string value, Type type)
    {
        var t = Nullable.GetUnderlyingType(type) ?? type;
        string? expected = null;
        if (t == typeof(int))
        {
            if (!int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out _))
                expected = "a whole number (at most 2147483647)";
        }
        else if (t == typeof(long))
        {
            if (!long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out _)) expected = "a whole number";
        }
        else if (t == typeof(double))
        {
            if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) || !double.IsFinite(d))
                expected = "a finite number such as 0.5 or 1e-3";
        }
        else if (t == typeof(bool))
        {
            if (!bool.TryParse(value, out _)) expected = "true or false";
        }
        if (expected is not null) throw new UsageException($"{name}: expected {expected}, got '{Clip(value)}'.");
    }

    private static bool TakesArguments(Type settings) =>
        settings.GetProperties(BindingFlags.Public | BindingFlags.Instance).Any(p => p.GetCustomAttribute<CommandArgumentAttribute>() is not null);

    private static List<OptionInfo> OptionsOf(Type settings)
    {
        var list = new List<OptionInfo>();
        // Base classes' options first, as the help lists them (GetProperties gives the derived type's first).
        static int Depth(Type? t) { int d = 0; for (; t is not null; t = t.BaseType) d++; return d; }
        foreach (var p in settings.GetProperties(BindingFlags.Public | BindingFlags.Instance).OrderBy(p => Depth(p.DeclaringType)))
        {
            var attr = p.GetCustomAttribute<CommandOptionAttribute>();
            if (attr is null) continue;
            var template = attr.LongNames.Select(n => "--" + n).Concat(attr.ShortNames.Select(n => "-" + n)).ToArray();
            bool takesValue = attr.ValueName is not null;
            list.Add(new OptionInfo(template, p.PropertyType, takesValue, attr.ValueName is null ? "" : $"<{attr.ValueName}>",
                attr.IsRequired, p.GetCustomAttribute<RequiredUnlessAttribute>()?.Other, p.GetCustomAttribute<OutputAttribute>()));
        }
        return list;
    }

    /// <summary>The closest of <paramref name="candidates"/> to <paramref name="name"/> by edit distance, when close enough (at most 2 edits, or a prefix).</summary>
    internal static string? Suggest(string name, IEnumerable<string> candidates)
    {
        string? best = null;
        int bestDistance = int.MaxValue;
        foreach (var c in candidates)
        {
            int d = Distance(name, c);
            if (d < bestDistance) { best = c; bestDistance = d; }
        }
        if (best is null) return null;
        return bestDistance <= Math.Max(2, name.Length / 4) || (name.Length > 3 && best.StartsWith(name, StringComparison.Ordinal)) ? best : null;
    }

    private static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (int j = 0; j <= b.Length; j++) d[0, j] = j;
        for (int i = 1; i <= a.Length; i++)
        for (int j = 1; j <= b.Length; j++)
            d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
        return d[a.Length, b.Length];
    }

    /// <summary>At most 60 characters of <paramref name="text"/> (a message never echoes a huge field).</summary>
    internal static string Clip(string text) => text.Length <= 60 ? text : text[..57] + "...";
}
