using Doorbuster.LoadGen.Http;
using Doorbuster.LoadGen.Load;

namespace Doorbuster.LoadGen.Workloads;

/// <summary>A store on a busy day in one stream: 80% browsing, 15% cart building, 5% checkouts.</summary>
public sealed class MixWorkload(BrowseWorkload browse, CartWorkload cart, CheckoutWorkload checkout) : Workload
{
    public override Task<HttpOutcome> RunAsync(OperationContext operation, CancellationToken cancellationToken) =>
        operation.NextDouble() switch
        {
            < 0.80 => browse.RunAsync(operation, cancellationToken),
            < 0.95 => cart.RunAsync(operation, cancellationToken),
            _ => checkout.RunAsync(operation, cancellationToken),
        };
}
