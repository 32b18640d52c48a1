using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Doorbuster.LoadGen.Load;

/// <summary>
/// Sleeps a thread until a <see cref="Stopwatch"/> timestamp with sub-millisecond precision where the OS allows:
/// on Linux through <c>nanosleep</c> (typically within 0.1 ms), elsewhere through whole-millisecond sleeps.
/// Timers and <c>Task.Delay</c> wake a millisecond or two late, which at thousands of requests per second would
/// count client lateness as server latency.
/// </summary>
internal static partial class PreciseSleep
{
    public static void Until(long timestamp)
    {
        var remaining = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), timestamp);
        if (remaining <= TimeSpan.Zero)
        {
            return;
        }

        if (OperatingSystem.IsLinux())
        {
            var request = new TimeSpec { Seconds = (nint)(remaining.Ticks / TimeSpan.TicksPerSecond), Nanoseconds = (nint)(remaining.Ticks % TimeSpan.TicksPerSecond * 100) };
            _ = NanoSleep(ref request, IntPtr.Zero);
        }
        else
        {
            Thread.Sleep(Math.Max(1, (int)remaining.TotalMilliseconds));
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public nint Seconds;
        public nint Nanoseconds;
    }

    [LibraryImport("libc", EntryPoint = "nanosleep")]
    private static partial int NanoSleep(ref TimeSpec request, IntPtr remaining);
}
