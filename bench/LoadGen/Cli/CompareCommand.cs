using Doorbuster.LoadGen.Reporting;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Doorbuster.LoadGen.Cli;

/// <summary>Reads run reports and writes the comparison table (the last step of bench/run-comparison.sh).</summary>
public sealed class CompareCommand : Command<CompareSettings>
{
    public override int Execute(CommandContext context, CompareSettings settings, CancellationToken cancellationToken)
    {
        var reports = System.IO.Directory.EnumerateFiles(settings.Directory, "*.json", SearchOption.AllDirectories)
            .Order(StringComparer.Ordinal)
            .Select(ReportFiles.Read)
            .OfType<RunReport>()
            .ToList();
        if (reports.Count == 0)
        {
            AnsiConsole.MarkupLine($"[red]No reports under {Markup.Escape(settings.Directory)}.[/]");
            return 1;
        }

        var markdown = Comparison.Render(reports, settings.Reference, settings.Title, settings.Note);
        if (settings.Out is { } path)
        {
            System.IO.Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            File.WriteAllText(path, markdown);
            AnsiConsole.MarkupLine($"Comparison of {reports.Count} runs: {Markup.Escape(path)}");
        }

        Console.WriteLine(markdown);
        return 0;
    }
}
