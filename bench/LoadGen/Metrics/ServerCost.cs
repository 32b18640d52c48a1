using System.Globalization;
using Doorbuster.LoadGen.Load;

namespace Doorbuster.LoadGen.Metrics;

/// <summary>A process of the system under test, named by its tier (<c>api</c>, <c>silo</c>, <c>redis</c>, ...).</summary>
public sealed record ServerProcess(string Tier, int Pid)
{
    /// <summary>Parses <c>--cpu-pids</c>: comma-separated <c>pid</c> or <c>tier=pid</c> (a bare pid is tier <c>server</c>).</summary>
    public static IReadOnlyList<ServerProcess> ParseList(string? text) =>
        [.. (text ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(Parse)];

    private static ServerProcess Parse(string entry)
    {
        var separator = entry.IndexOf('=', StringComparison.Ordinal);
        var tier = separator < 0 ? "server" : entry[..separator];
        var pid = int.Parse(separator < 0 ? entry : entry[(separator + 1)..], NumberStyles.None, CultureInfo.InvariantCulture);
        return new ServerProcess(tier, pid);
    }
}

/// <summary>What the system under test spent in a phase's measured window: CPU seconds per tier, and Redis commands.</summary>
public sealed record ServerCostSample(IReadOnlyDictionary<string, double> CpuSecondsByTier, long? RedisCommands)
{
    public double CpuSeconds => CpuSecondsByTier.Values.Sum();
}

/// <summary>
/// Reads the cost of the system under test when a phase's measured window opens and when it closes: the CPU time
/// of its processes from Linux's <c>/proc/{pid}/stat</c> (user + system time of all threads, in clock ticks of
/// 1/100 s), and Redis' <c>total_commands_processed</c>. Divided by the operations, they are the cost per operation
/// of each tier, which <c>docs/capacity.md</c> scales up.
/// </summary>
public static class ServerCost
{
    private const double TicksPerSecond = 100;

    public static async Task<ServerCostSample?> MeasureAsync(
        IReadOnlyList<ServerProcess> processes, RedisCommandCounter? redis, LoadPhase phase, Task driver)
    {
        if ((processes.Count == 0 || !OperatingSystem.IsLinux()) && redis is null)
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

        var cpuAtStart = ReadCpuTicks(processes);
        var commandsAtStart = redis is null ? null : await redis.ReadAsync();
        await driver;
        var cpuAtEnd = ReadCpuTicks(processes);
        var commandsAtEnd = redis is null ? null : await redis.ReadAsync();

        var cpu = cpuAtStart is null || cpuAtEnd is null
            ? new Dictionary<string, double>()
            : cpuAtEnd.ToDictionary(tier => tier.Key, tier => Math.Round((tier.Value - cpuAtStart[tier.Key]) / TicksPerSecond, 2));
        return new ServerCostSample(cpu, commandsAtEnd - commandsAtStart);
    }

    /// <summary>Clock ticks per tier; <c>null</c> when a process is gone or this is not Linux.</summary>
    private static Dictionary<string, long>? ReadCpuTicks(IReadOnlyList<ServerProcess> processes)
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        var ticks = new Dictionary<string, long>();
        foreach (var process in processes)
        {
            try
            {
                var stat = File.ReadAllText($"/proc/{process.Pid}/stat");
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                var used = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
                ticks[process.Tier] = ticks.GetValueOrDefault(process.Tier) + used;
            }
            catch (IOException)
            {
                return null;
            }
        }

        return ticks;
    }
}
