using System.Globalization;
using Doorbuster.LoadGen.Load;

namespace Doorbuster.LoadGen.Metrics;

/// <summary>
/// The CPU time that the processes of the system under test spend during a phase's measured window, read from
/// Linux's <c>/proc/{pid}/stat</c> (user + system time of all threads, in clock ticks of 1/100 s) when the window
/// opens and when it closes. Divided by the operations, it is the server's CPU cost per operation.
/// </summary>
public static class ServerCpu
{
    private const double TicksPerSecond = 100;

    public static async Task<double?> MeasureAsync(IReadOnlyList<int> pids, LoadPhase phase, Task driver)
    {
        if (pids.Count == 0 || !OperatingSystem.IsLinux())
        {
            return null;
        }

        while (!phase.Started && !driver.IsCompleted)
        {
            await Task.Delay(10);
        }

        var untilMeasured = System.Diagnostics.Stopwatch.GetElapsedTime(System.Diagnostics.Stopwatch.GetTimestamp(), phase.MeasureStart);
        if (untilMeasured > TimeSpan.Zero)
        {
            await Task.WhenAny(Task.Delay(untilMeasured), driver);
        }

        var start = Read(pids);
        await driver;
        var end = Read(pids);
        return start is null || end is null ? null : Math.Round((end.Value - start.Value) / TicksPerSecond, 2);
    }

    private static long? Read(IReadOnlyList<int> pids)
    {
        long total = 0;
        foreach (var pid in pids)
        {
            try
            {
                var stat = File.ReadAllText($"/proc/{pid}/stat");
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                total += long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            }
            catch (IOException)
            {
                return null;
            }
        }

        return total;
    }
}
