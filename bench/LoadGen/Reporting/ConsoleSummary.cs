using Spectre.Console;

namespace Doorbuster.LoadGen.Reporting;

/// <summary>The end-of-run summary on the console: a table per phase, the overload steps, the checks.</summary>
public static class ConsoleSummary
{
    public static void Print(RunReport report)
    {
        foreach (var phase in report.Phases)
        {
            var table = new Table().Border(TableBorder.Rounded).Title(Markup.Escape(ReportFormat.PhaseTitle(phase)))
                .Caption(Markup.Escape(ReportFormat.PhaseFooter(phase)));
            foreach (var column in ReportFormat.KindColumns)
            {
                table.AddColumn(new TableColumn(column).RightAligned());
            }

            foreach (var kind in phase.Requests.Prepend(phase.Operations))
            {
                table.AddRow([.. ReportFormat.KindRow(kind).Select(Markup.Escape)]);
            }

            AnsiConsole.Write(table);
        }

        if (report.OverloadSteps is { Count: > 0 } steps)
        {
            var table = new Table().Border(TableBorder.Rounded).Title("overload steps");
            foreach (var column in ReportFormat.StepColumns)
            {
                table.AddColumn(new TableColumn(column).RightAligned());
            }

            foreach (var step in steps)
            {
                table.AddRow([.. ReportFormat.StepRow(step).Select(Markup.Escape)]);
            }

            AnsiConsole.Write(table);
        }

        var checks = new Table().Border(TableBorder.Rounded).Title("checks").AddColumns("check", "result", "detail");
        foreach (var check in report.Checks)
        {
            checks.AddRow(Markup.Escape(check.Name), check.Passed ? "[green]pass[/]" : "[red]FAIL[/]", Markup.Escape(check.Detail));
        }

        AnsiConsole.Write(checks);
        foreach (var violation in report.Invariant?.Violations.Take(20) ?? [])
        {
            ConsoleMode.Line($"[red]invariant[/] {Markup.Escape(violation.Sku)}: {Markup.Escape(violation.Problem)}");
        }
    }
}
