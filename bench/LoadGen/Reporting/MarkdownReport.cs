using System.Globalization;
using System.Text;

namespace Doorbuster.LoadGen.Reporting;

/// <summary>The human-readable report: the run's parameters, a table per phase, overload steps, flash sale and checks.</summary>
public static class MarkdownReport
{
    public static string Render(RunReport report)
    {
        var p = report.Parameters;
        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture, $"# Load test `{report.Scenario}`{(report.Label is null ? "" : $" against {report.Label}")}: {(report.Passed ? "passed" : "FAILED")}");
        md.AppendLine();
        Table(md, ["parameter", "value"],
        [
            ["url", report.Url],
            ["run", $"{report.RunId}, {report.StartedAt:yyyy-MM-dd HH:mm:ss} to {report.FinishedAt:HH:mm:ss} UTC"],
            ["load", p.Mode switch
            {
                "open-loop" => $"open loop at {p.Rate}/s, at most {p.MaxInFlight} in flight",
                "closed-loop" => $"closed loop, {p.Connections} connections",
                _ => $"burst, at most {p.MaxInFlight} in flight",
            }],
            ["time", $"{p.WarmupSeconds} s warm-up, {p.DurationSeconds} s measured, {p.TimeoutSeconds} s request timeout"],
            ["catalog", $"{p.Skus} skus `{p.Prefix}-*`, zipf {p.Zipf}, seed {p.Seed}, {p.Clients} synthetic clients"],
            .. Optional("prepared carts", p.Pool),
            .. Optional("outstanding orders", p.Outstanding),
            .. Optional("pay share", p.Pay),
            .. Optional("buyers", p.Buyers),
            .. Optional("units", p.Units),
            .. Optional("hot sku", p.HotSku),
            .. Optional("peak (given)", p.Peak),
            .. Optional("step duration s", p.StepDurationSeconds),
        ]);

        foreach (var phase in report.Phases)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"## {ReportFormat.PhaseTitle(phase)}");
            md.AppendLine();
            Table(md, ReportFormat.KindColumns, [.. phase.Requests.Prepend(phase.Operations).Select(ReportFormat.KindRow)]);
            md.AppendLine(ReportFormat.PhaseFooter(phase)).AppendLine();
        }

        if (report.OverloadSteps is { Count: > 0 } steps)
        {
            md.AppendLine("## Overload steps").AppendLine();
            Table(md, ReportFormat.StepColumns, [.. steps.Select(ReportFormat.StepRow)]);
        }

        if (report.FlashSale is { } sale)
        {
            md.AppendLine("## Flash sale").AppendLine();
            Table(md, ["", "value"],
            [
                ["sku", sale.Sku],
                ["buyers / units", $"{sale.Buyers} / {sale.Units}"],
                ["201 won", sale.Wins.ToString(CultureInfo.InvariantCulture)],
                ["409 insufficient-stock", sale.InsufficientStock.ToString(CultureInfo.InvariantCulture)],
                ["other", sale.OtherOutcomes.Count == 0 ? "none" : string.Join(", ", sale.OtherOutcomes.Select(o => $"{o.Key}×{o.Value}"))],
                ["burst", $"{sale.BurstSeconds:F3} s"],
                ["stock after the sale", Stock(sale.StockAfterSale)],
                ["paid", sale.Paid.ToString(CultureInfo.InvariantCulture)],
                ["stock after paying", Stock(sale.StockAfterPay)],
            ]);
        }

        md.AppendLine("## Checks").AppendLine();
        Table(md, ["check", "result", "detail"], [.. report.Checks.Select(c => new[] { c.Name, c.Passed ? "pass" : "**FAIL**", c.Detail })]);
        if (report.ServerErrors.Count > 0)
        {
            md.AppendLine("5xx seen: " + string.Join(", ", report.ServerErrors.Select(s => $"{s.Key}×{s.Value}"))).AppendLine();
        }

        if (report.Invariant is { Violations.Count: > 0 } invariant)
        {
            md.AppendLine("## Stock invariant violations").AppendLine();
            Table(md, ["sku", "available", "reserved", "sold", "restocked", "problem"],
                [.. invariant.Violations.Take(100).Select(v => new[]
                {
                    v.Sku, $"{v.Available}", $"{v.Reserved}", $"{v.Sold}", v.ExpectedTotal.ToString(CultureInfo.InvariantCulture), v.Problem,
                })]);
        }

        return md.ToString();
    }

    private static IEnumerable<string[]> Optional<T>(string name, T? value) =>
        value is null ? [] : [[name, Convert.ToString(value, CultureInfo.InvariantCulture) ?? ""]];

    private static string Stock(StockReport? stock) =>
        stock is null ? "not read" : $"{stock.Available} available, {stock.Reserved} reserved, {stock.Sold} sold";

    public static void Table(StringBuilder md, IReadOnlyList<string> columns, IReadOnlyList<string[]> rows)
    {
        md.AppendLine("| " + string.Join(" | ", columns.Select(Cell)) + " |");
        md.AppendLine("|" + string.Concat(columns.Select(_ => " --- |")));
        foreach (var row in rows)
        {
            md.AppendLine("| " + string.Join(" | ", row.Select(Cell)) + " |");
        }

        md.AppendLine();
    }

    private static string Cell(string text) => text.Replace("|", "\\|", StringComparison.Ordinal);
}
