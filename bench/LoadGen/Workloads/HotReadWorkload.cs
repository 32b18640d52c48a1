using Doorbuster.LoadGen.Http;
using Doorbuster.LoadGen.Load;

namespace Doorbuster.LoadGen.Workloads;

/// <summary>Everyone reads the same product page: the cache (or the actor) of one sku under fire.</summary>
public sealed class HotReadWorkload(ShopApi api, string sku) : Workload
{
    public override Task<HttpOutcome> RunAsync(OperationContext operation, CancellationToken cancellationToken) =>
        api.GetProductAsync(sku, operation, cancellationToken);
}
