using Doorbuster.LoadGen.Scenarios;
using Spectre.Console.Cli;

namespace Doorbuster.LoadGen.Cli;

/// <summary>Every scenario command: the command's name picks the scenario, the settings type its extra options.</summary>
public sealed class ScenarioCommand<TSettings> : AsyncCommand<TSettings>
    where TSettings : LoadSettings
{
    public override Task<int> ExecuteAsync(CommandContext context, TSettings settings, CancellationToken cancellationToken) =>
        ScenarioRunner.RunAsync(RunOptions.From(context.Name, settings), cancellationToken);
}
