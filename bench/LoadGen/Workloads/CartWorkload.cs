using Doorbuster.LoadGen.Http;
using Doorbuster.LoadGen.Load;
using Doorbuster.LoadGen.Setup;

namespace Doorbuster.LoadGen.Workloads;

/// <summary>One iteration: a new cart from the server, then one unit of a sku drawn by popularity.</summary>
public sealed class CartWorkload(ShopApi api, Catalog catalog) : Workload
{
    public override async Task<HttpOutcome> RunAsync(OperationContext operation, CancellationToken cancellationToken)
    {
        var (created, cartId) = await api.CreateCartAsync(operation, cancellationToken);
        if (cartId is null)
        {
            return created;
        }

        return await api.AddItemAsync(cartId, catalog.SampleSku(operation.NextDouble()), 1, operation, cancellationToken);
    }
}
