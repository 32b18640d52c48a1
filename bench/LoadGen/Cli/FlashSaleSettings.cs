using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Doorbuster.LoadGen.Cli;

public sealed class FlashSaleSettings : LoadSettings
{
    [CommandOption("--buyers <N>")]
    [Description("Buyers, each with a one-line cart, who check out at once. Default 1000 (smoke: 100).")]
    public int? Buyers { get; init; }

    [CommandOption("--units <N>")]
    [Description("Units of the flash-sale sku. Default 100 (smoke: 20).")]
    public int? Units { get; init; }

    [CommandOption("--pay <FRACTION>")]
    [Description("Fraction of the winning orders to pay after the burst, 0-1. Default 0.")]
    public double? Pay { get; init; }

    protected override ValidationResult ValidateScenario() =>
        Check(Buyers is null or > 0 and <= 1_000_000, "--buyers must be between 1 and 1,000,000.")
        ?? Check(Units is null or > 0 and <= 10_000_000, "--units must be between 1 and 10,000,000.")
        ?? Check(Pay is null or >= 0 and <= 1, "--pay must be between 0 and 1.")
        ?? base.ValidateScenario();
}
