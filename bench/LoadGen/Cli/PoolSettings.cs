using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Doorbuster.LoadGen.Cli;

/// <summary>Options of the scenarios that check out prepared carts (mix, overload).</summary>
public class PoolSettings : LoadSettings
{
    [CommandOption("--pool <N>")]
    [Description("Prepared one-line carts to check out. Default: enough for the offered rate in open loop; in closed loop, checkout measures its rate on probes of carts first and prepares four times what that rate needs, mix prepares 10,000 (smoke: 1,000).")]
    public int? Pool { get; init; }

    protected override ValidationResult ValidateScenario() =>
        Check(Pool is null or > 0 and <= 10_000_000, "--pool must be between 1 and 10,000,000.") ?? base.ValidateScenario();
}
