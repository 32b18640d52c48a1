namespace Doorbuster.Tests.Infrastructure;

/// <summary>
/// Waits for a condition that the system reaches by itself (an expiry, a failover), with a deadline and a
/// message that says what was awaited. Used only where no signal exists to wait on instead.
/// </summary>
public static class Eventually
{
    public static async Task<T> ReturnsAsync<T>(Func<Task<T>> probe, Func<T, bool> isDone, TimeSpan timeout, string awaited)
    {
        var deadline = DateTime.UtcNow + timeout;
        Exception? lastError = null;
        T? last = default;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                last = await probe();
                if (isDone(last))
                {
                    return last;
                }
            }
            catch (Exception exception)
            {
                lastError = exception;
            }

            await Task.Delay(250);
        }

        throw new TimeoutException($"Timed out after {timeout} waiting for {awaited}; last value: {last}", lastError);
    }
}
