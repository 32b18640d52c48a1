using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Doorbuster.LoadGen.Cli;

public sealed class FlashQueueSettings : LoadSettings
{
    [CommandOption("--shoppers <N>")]
    [Description("Shoppers who arrive, open loop, over --arrival. Default 50000 (smoke: 500).")]
    public int? Shoppers { get; init; }

    [CommandOption("--units <N>")]
    [Description("Units of the sale's sku. Default 1000 (smoke: 20).")]
    public int? Units { get; init; }

    [CommandOption("--arrival <DURATION>")]
    [TypeConverter(typeof(DurationConverter))]
    [Description("How long the shoppers take to arrive, evenly spread. Default 10s (smoke: 2s).")]
    public TimeSpan? Arrival { get; init; }

    [CommandOption("--pre-start <FRACTION>")]
    [Description("Share of the shoppers who arrive before the sale starts (the pre-queue). Default 0.1.")]
    public double? PreStart { get; init; }

    [CommandOption("--admit-per-second <N>")]
    [Description("The sale's admission rate. Default 200 (smoke: 50).")]
    public int? AdmitPerSecond { get; init; }

    [CommandOption("--abandon <FRACTION>")]
    [Description("Share of the admitted shoppers who never check out. Default 0.1.")]
    public double? Abandon { get; init; }

    [CommandOption("--browse-rate <N>")]
    [Description("Product reads per second, open loop, before and during the sale, to compare their p99. Default 200 (smoke: 20).")]
    public double? BrowseRate { get; init; }

    protected override ValidationResult ValidateScenario() =>
        Check(Shoppers is null or > 0 and <= 1_000_000, "--shoppers must be between 1 and 1,000,000.")
        ?? Check(Units is null or > 0 and <= 1_000_000, "--units must be between 1 and 1,000,000.")
        ?? Check(Arrival is null || Arrival > TimeSpan.Zero, "--arrival must be positive.")
        ?? Check(PreStart is null or >= 0 and < 1, "--pre-start must be at least 0 and below 1.")
        ?? Check(AdmitPerSecond is null or > 0 and <= 100_000, "--admit-per-second must be between 1 and 100,000.")
        ?? Check(Abandon is null or >= 0 and < 1, "--abandon must be at least 0 and below 1.")
        ?? Check(BrowseRate is null or > 0, "--browse-rate must be positive.")
        ?? base.ValidateScenario();
}
