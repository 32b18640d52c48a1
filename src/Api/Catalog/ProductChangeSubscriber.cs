using Doorbuster.Catalog;

namespace Doorbuster.Api.Catalog;

/// <summary>
/// Subscribes this Api instance to product changes and renews the subscription well within its lifetime,
/// so that a hub that moved to another silo has this subscriber back within one renewal period.
/// </summary>
public sealed class ProductChangeSubscriber(IGrainFactory grains, ProductCache cache, ILogger<ProductChangeSubscriber> logger)
    : BackgroundService, IProductChangeObserver
{
    public static readonly TimeSpan RenewalPeriod = TimeSpan.FromSeconds(5);

    public Task ProductChangedAsync(string sku) => cache.InvalidateAsync(sku);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var self = grains.CreateObjectReference<IProductChangeObserver>(this);
        var hub = grains.GetGrain<ICatalogChangeHubGrain>(0);
        using var timer = new PeriodicTimer(RenewalPeriod);
        do
        {
            try
            {
                await hub.SubscribeAsync(self);
            }
            catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning(exception, "Could not subscribe to product changes; the near cache relies on its expiry until the next try");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        try
        {
            await grains.GetGrain<ICatalogChangeHubGrain>(0).UnsubscribeAsync(grains.CreateObjectReference<IProductChangeObserver>(this));
        }
        catch (Exception exception)
        {
            logger.LogDebug(exception, "Could not unsubscribe from product changes at shutdown; the subscription lapses by itself");
        }
    }
}
