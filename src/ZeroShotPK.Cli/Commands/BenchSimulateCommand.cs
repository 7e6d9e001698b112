using Spectre.Console.Cli;

namespace ZeroShotPK.Cli.Commands;

/// <summary>Placeholder until issue 4 lands.</summary>
internal sealed class BenchSimulateCommand : Command<BenchSimulateCommand.Settings>
{
    public sealed class Settings : CommandSettings { }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken) =>
        throw new NotImplementedException("zspk " + context.Name + ": not implemented yet (issue 4).");
}
