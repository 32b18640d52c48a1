using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Doorbuster.LoadGen.Cli;

public sealed class OverloadSettings : PoolSettings
{
    [CommandOption("--peak <OPS_PER_S>")]
    [Description("The peak to step from; without it a closed-loop run of --peak-duration measures it.")]
    public double? Peak { get; init; }

    [CommandOption("--peak-duration <DURATION>")]
    [Description("Length of the closed-loop peak measurement. Default 5s (smoke: 2s).")]
    [TypeConverter(typeof(DurationConverter))]
    public TimeSpan? PeakDuration { get; init; }

    [CommandOption("--step-duration <DURATION>")]
    [Description("Measured time of each open-loop step. Default 10s (smoke: 1s).")]
    [TypeConverter(typeof(DurationConverter))]
    public TimeSpan? StepDuration { get; init; }

    [CommandOption("--steps <MULTIPLIERS>")]
    [Description("Comma-separated multiples of the peak. Default 0.5,1,2,5,10.")]
    public string? Steps { get; init; }

    protected override ValidationResult ValidateScenario() =>
        Check(Peak is null or > 0, "--peak must be positive.")
        ?? Check(Rate is null, "overload chooses its own rates; give --peak instead of --rate.")
        ?? Check(Steps is null || RunOptions.ParseSteps(Steps) is not null, "--steps must be positive numbers separated by commas.")
        ?? base.ValidateScenario();
}
