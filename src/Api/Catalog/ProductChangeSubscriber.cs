using Doorbuster.Catalog;

namespace Doorbuster.Api.Catalog;

/// <summary>
/// Keeps this Api instance's near cache in step with product changes: the hub pushes each change at once, and once
/// a second this subscriber renews its subscription and catches up on what it may have missed (a push lost on the
/// way, or everything while the hub moved to another silo), so a change reaches this cache within about a second
/// even when its push does not.
/// </summary>
public sealed class ProductChangeSubscriber(IGrainFactory grains, ProductCache cache, ILogger<ProductChangeSubscriber> logger)
    : BackgroundService, IProductChangeObserver
{
    public static readonly TimeSpan CatchUpPeriod = TimeSpan.FromSeconds(1);

    private CatalogChangePosition? _position;

    public Task ProductChangedAsync(string sku) => cache.InvalidateAsync(sku);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var self = grains.CreateObjectReference<IProductChangeObserver>(this);
        var hub = grains.GetGrain<ICatalogChangeHubGrain>(0);
        using var timer = new PeriodicTimer(CatchUpPeriod);
        do
        {
            try
            {
                await CatchUpAsync(hub, self);
            }
            catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning(exception, "Could not catch up on product changes; the next try is in {Period}", CatchUpPeriod);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    private async Task CatchUpAsync(ICatalogChangeHubGrain hub, IProductChangeObserver self)
    {
        var changes = await hub.CatchUpAsync(self, _position);
        if (changes.ForgetEverything)
        {
            // A hub of another epoch, or too far behind: what changed meanwhile is not known, so nothing cached is trusted.
            await cache.ForgetEverythingAsync();
        }
        else
        {
            foreach (var sku in changes.Skus)
            {
                await cache.InvalidateAsync(sku);
            }
        }

        _position = changes.Position;
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
