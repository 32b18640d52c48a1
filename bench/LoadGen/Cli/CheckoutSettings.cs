using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Doorbuster.LoadGen.Cli;

public sealed class CheckoutSettings : PoolSettings
{
    [CommandOption("--outstanding <N>")]
    [Description("Unpaid orders to create on the hot sku before the measured phase (their reservations stay outstanding). Default 0.")]
    public int? Outstanding { get; init; }

    [CommandOption("--pay <FRACTION>")]
    [Description("Fraction of the created orders to pay right after checkout, 0-1. Default 0.")]
    public double? Pay { get; init; }

    [CommandOption("--carts-file <PATH>")]
    [Description("Prepare the carts (--pool of them, after --outstanding orders), write their ids to PATH one per line, and stop without measuring: the pool for an outside generator such as wrk (bench/wrk/checkout.lua).")]
    public string? CartsFile { get; init; }

    protected override ValidationResult ValidateScenario() =>
        Check(CartsFile is null || Pool is not null, "--carts-file needs --pool: how many carts to prepare.")
        ?? Check(Outstanding is null or >= 0 and <= 10_000_000, "--outstanding must be between 0 and 10,000,000.")
        ?? Check(Pay is null or >= 0 and <= 1, "--pay must be between 0 and 1.")
        ?? base.ValidateScenario();
}
