namespace Doorbuster.Baseline.Orders;

/// <summary>
/// Every second, expires the pending orders whose payment window has closed, so that their units return to
/// stock even if nobody reads the order again. The expiry index is only read here; each order leaves it in
/// the same script that expires it, so a crash between the two loses nothing, and several instances
/// sweeping at once expire each order once.
/// </summary>
public sealed class OrderExpirySweeper(OrderStore orders, TimeProvider time, ILogger<OrderExpirySweeper> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    private const int BatchSize = 100;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        var failing = false;
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                var expired = await orders.ExpireDueAsync(BatchSize);
                if (expired > 0)
                {
                    logger.LogInformation("Expired {Count} unpaid orders", expired);
                }

                failing = false;
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                // Logged once per outage, not once a second.
                if (!failing)
                {
                    logger.LogWarning(exception, "Cannot expire due orders; retrying every {Interval}", Interval);
                }

                failing = true;
            }
        }
    }
}
