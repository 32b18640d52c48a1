using System.Diagnostics;
using Spectre.Console;

namespace Doorbuster.LoadGen.Reporting;

/// <summary>Runs a setup step over many items with bounded parallelism and shows how far it got.</summary>
public sealed class SetupProgress
{
    public async Task RunAsync(
        string title, int count, int parallelism, Func<int, CancellationToken, Task> body, CancellationToken cancellationToken)
    {
        var done = 0;
        var stopwatch = Stopwatch.StartNew();
        var options = new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = cancellationToken };
        var work = Parallel.ForEachAsync(Enumerable.Range(0, count), options, async (index, ct) =>
        {
            await body(index, ct);
            Interlocked.Increment(ref done);
        });

        if (ConsoleMode.Interactive)
        {
            await AnsiConsole.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
                .StartAsync(async context =>
                {
                    var task = context.AddTask(Markup.Escape(title), maxValue: Math.Max(count, 1));
                    while (!work.IsCompleted)
                    {
                        task.Value = Volatile.Read(ref done);
                        await Task.WhenAny(work, Task.Delay(200, CancellationToken.None));
                    }

                    task.Value = Volatile.Read(ref done);
                });
        }
        else
        {
            ConsoleMode.Line($"{Markup.Escape(title)} ...");
            while (!work.IsCompleted)
            {
                await Task.WhenAny(work, Task.Delay(ConsoleMode.PlainInterval, CancellationToken.None));
                if (!work.IsCompleted)
                {
                    ConsoleMode.Line($"  {Volatile.Read(ref done):N0} / {count:N0} after {stopwatch.Elapsed.TotalSeconds:F0}s");
                }
            }
        }

        await work;
        ConsoleMode.Line($"{Markup.Escape(title)}: {count:N0} done in {stopwatch.Elapsed.TotalSeconds:F1}s");
    }
}
