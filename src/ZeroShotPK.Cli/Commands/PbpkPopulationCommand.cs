using Spectre.Console.Cli;

namespace ZeroShotPK.Cli.Commands;

/// <summary>Placeholder until issue 8 lands.</summary>
internal sealed class PbpkPopulationCommand : Command<PbpkPopulationCommand.Settings>
{
    public sealed class Settings : CommandSettings { }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken) =>
        throw new NotImplementedException("zspk " + context.Name + ": not implemented yet (issue 8).");
}
