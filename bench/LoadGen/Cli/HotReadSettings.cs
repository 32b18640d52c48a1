using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Doorbuster.LoadGen.Cli;

public sealed class HotReadSettings : LoadSettings
{
    [CommandOption("--sku <SKU>")]
    [Description("Read this existing sku instead of seeding one; then no admin key is needed.")]
    public string? Sku { get; init; }

    protected override ValidationResult ValidateScenario() =>
        Check(Sku is null || (Sku.Length is > 0 and <= 64 && Sku.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-')),
            "--sku must be 1-64 characters of [A-Za-z0-9_-].")
        ?? base.ValidateScenario();
}
