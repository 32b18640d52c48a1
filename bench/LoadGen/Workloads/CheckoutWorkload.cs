using Doorbuster.LoadGen.Http;
using Doorbuster.LoadGen.Load;
using Doorbuster.LoadGen.Setup;

namespace Doorbuster.LoadGen.Workloads;

/// <summary>
/// Checks out a prepared one-line cart with a fresh <c>Idempotency-Key</c>, and pays the order with probability
/// <paramref name="payShare"/>. A checkout shed with 429 was certainly not applied, so its cart goes back to the
/// pool; after a 503 or a timeout it may have been, and the cart is not reused.
/// </summary>
public sealed class CheckoutWorkload(ShopApi api, CartPool pool, double payShare, bool stopWhenEmpty) : Workload
{
    private long _orders;
    private long _paid;

    public override bool IsExhausted => stopWhenEmpty && pool.IsEmpty;

    public long Orders => Interlocked.Read(ref _orders);

    public long Paid => Interlocked.Read(ref _paid);

    public override async Task<HttpOutcome> RunAsync(OperationContext operation, CancellationToken cancellationToken)
    {
        if (!pool.TryTake(out var cart))
        {
            return HttpOutcome.Skipped;
        }

        var (checkout, orderId) = await api.CheckoutAsync(cart.CartId, Guid.NewGuid().ToString("N"), operation, cancellationToken);
        if (orderId is null)
        {
            if (checkout is { Failure: Failure.None, Status: 429 })
            {
                pool.Return(cart);
            }

            return checkout;
        }

        Interlocked.Increment(ref _orders);
        if (payShare <= 0 || operation.NextDouble() >= payShare)
        {
            return checkout;
        }

        var pay = await api.PayAsync(orderId, operation, cancellationToken);
        if (pay.IsSuccess)
        {
            Interlocked.Increment(ref _paid);
        }

        return pay;
    }
}
