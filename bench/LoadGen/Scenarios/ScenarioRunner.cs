using Doorbuster.LoadGen.Cli;
using Doorbuster.LoadGen.Http;
using Doorbuster.LoadGen.Metrics;
using Doorbuster.LoadGen.Reporting;
using Doorbuster.LoadGen.Setup;
using Spectre.Console;

namespace Doorbuster.LoadGen.Scenarios;

/// <summary>
/// Runs one scenario end to end: setup and phases, then the checks every run gets (the stock invariant, no 5xx,
/// progress in every phase), then the console summary and the report files.
/// Exit codes: 0 every check passed, 1 a check failed, 2 setup failed (nothing measured), 130 canceled.
/// </summary>
public static class ScenarioRunner
{
    public static async Task<int> RunAsync(RunOptions options, CancellationToken cancellationToken)
    {
        var startedAt = DateTimeOffset.UtcNow;
        ConsoleMode.Line($"[bold]{options.Scenario}[/] against {Markup.Escape(options.Url.ToString())}: run {options.RunId}, skus {Markup.Escape(options.Prefix)}-*");
        using var client = new LoadClient(options.Url, options.MaxConnections, options.Timeout, options.AdminKey, options.Clients);
        var api = new ShopApi(client);
        await using var redisCommands = await RedisCommandCounter.ConnectAsync(options.RedisStats);
        var context = new ScenarioContext(options, api, new StockLedger(), redisCommands);

        ScenarioResult result;
        try
        {
            result = await ScenarioCatalog.Create(options.Scenario, context).RunAsync(cancellationToken);
        }
        catch (SetupException e)
        {
            ConsoleMode.Line($"[red]Setup failed:[/] {Markup.Escape(e.Message)}");
            return 2;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            ConsoleMode.Line("[yellow]Canceled.[/]");
            return 130;
        }

        // A Ctrl+C during the load ends the phase early; what was measured still gets checked and reported.
        var invariant = options.CheckInvariant
            ? await InvariantChecker.CheckAsync(api, context.Ledger, context.Progress, context.SetupParallelism, CancellationToken.None)
            : null;
        var report = Finish(options, startedAt, result, invariant);
        ConsoleSummary.Print(report);
        if (options.ReportDirectory is { } directory)
        {
            foreach (var path in ReportFiles.Write(report, directory))
            {
                ConsoleMode.Line($"Report: {Markup.Escape(path)}");
            }
        }

        ConsoleMode.Line(report.Passed ? "[green]PASSED[/]" : "[red]FAILED[/]");
        return cancellationToken.IsCancellationRequested ? 130 : report.ExitCode;
    }

    private static RunReport Finish(RunOptions options, DateTimeOffset startedAt, ScenarioResult result, InvariantReport? invariant)
    {
        var checks = new List<CheckReport>(result.Checks);
        if (invariant is not null)
        {
            checks.Add(new CheckReport("stock-invariant", invariant.Violations.Count == 0,
                $"{invariant.Checked} skus checked, {invariant.Violations.Count} violations"));
        }

        var serverErrors = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var status in result.Phases.SelectMany(p => p.Requests).SelectMany(k => k.StatusCodes).Where(s => s.Key.StartsWith('5')))
        {
            serverErrors[status.Key] = serverErrors.GetValueOrDefault(status.Key) + status.Value;
        }

        // Overload measures 503 as the contract's answer for "cannot serve now"; any other 5xx is a bug everywhere.
        var failing = serverErrors.Where(s => !(result.ServiceUnavailableExpected && s.Key == "503")).ToList();
        checks.Add(new CheckReport("no-server-errors", failing.Count == 0,
            serverErrors.Count == 0 ? "no 5xx" : string.Join(", ", serverErrors.Select(s => $"{s.Key}×{s.Value}"))));

        var idle = result.Phases.Where(p => p.Requests.Sum(k => k.Success) == 0).Select(p => p.Name).ToList();
        checks.Add(new CheckReport("every-phase-served", idle.Count == 0,
            idle.Count == 0 ? "every phase got 2xx answers" : "no 2xx at all in: " + string.Join(", ", idle)));

        var passed = checks.All(c => c.Passed);
        return new RunReport(
            "Doorbuster.LoadGen",
            1,
            options.Scenario,
            options.Label,
            options.RunId,
            options.Url.ToString(),
            startedAt,
            DateTimeOffset.UtcNow,
            Parameters(options),
            result.Phases,
            result.FlashSale,
            result.OverloadSteps,
            invariant,
            serverErrors,
            checks,
            passed,
            passed ? 0 : 1);
    }

    private static RunParameters Parameters(RunOptions o)
    {
        var scenario = o.Scenario;
        return new RunParameters(
            scenario == "flash-sale" ? "burst" : o.Mode == Load.LoadMode.Open ? "open-loop" : "closed-loop",
            o.Rate,
            o.Connections,
            o.MaxInFlight,
            o.Duration.TotalSeconds,
            o.Warmup.TotalSeconds,
            o.Timeout.TotalSeconds,
            o.Skus,
            o.Zipf,
            o.Seed,
            o.Clients,
            o.Prefix,
            o.Smoke,
            o.Pool,
            scenario == "checkout" ? o.Outstanding : null,
            scenario is "checkout" or "flash-sale" ? o.Pay : null,
            scenario == "flash-sale" ? o.Buyers : null,
            scenario == "flash-sale" ? o.Units : null,
            o.HotSku,
            o.Peak,
            scenario == "overload" ? o.StepDuration.TotalSeconds : null);
    }
}
