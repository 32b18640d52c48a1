using Doorbuster.LoadGen.Http;
using Doorbuster.LoadGen.Load;
using Doorbuster.LoadGen.Setup;

namespace Doorbuster.LoadGen.Workloads;

/// <summary>Shoppers looking around: product pages by popularity, and now and then a page of a category listing.</summary>
public sealed class BrowseWorkload(ShopApi api, Catalog catalog, double listingShare = 0.1) : Workload
{
    public override Task<HttpOutcome> RunAsync(OperationContext operation, CancellationToken cancellationToken)
    {
        if (operation.NextDouble() >= listingShare)
        {
            return api.GetProductAsync(catalog.SampleSku(operation.NextDouble()), operation, cancellationToken);
        }

        var category = operation.Next(catalog.Categories.Count);
        var page = 1 + operation.Next(catalog.PagesOf(category));
        return api.ListProductsAsync(catalog.Categories[category], page, Catalog.PageSize, operation, cancellationToken);
    }
}
