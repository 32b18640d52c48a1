using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Doorbuster.LoadGen.Cli;

public sealed class CompareSettings : CommandSettings
{
    [CommandArgument(0, "<DIR>")]
    [Description("Folder searched (recursively) for the JSON reports of the runs to compare.")]
    public string Directory { get; init; } = "";

    [CommandOption("--reference <LABEL>")]
    [Description("The label the ratios are relative to. Default baseline.")]
    public string Reference { get; init; } = "baseline";

    [CommandOption("--out <FILE>")]
    [Description("Markdown file to write; without it the table goes to the console.")]
    public string? Out { get; init; }

    [CommandOption("--title <TEXT>")]
    [Description("Heading of the Markdown file.")]
    public string Title { get; init; } = "Doorbuster against the Redis-direct baseline";

    [CommandOption("--note <TEXT>")]
    [Description("A paragraph under the heading, e.g. the machine and the parameters.")]
    public string? Note { get; init; }

    public override ValidationResult Validate() =>
        System.IO.Directory.Exists(Directory) ? ValidationResult.Success() : ValidationResult.Error($"No folder {Directory}.");
}
