using System.Collections.Concurrent;
using Doorbuster.LoadGen.Http;
using Doorbuster.LoadGen.Reporting;

namespace Doorbuster.LoadGen.Setup;

/// <summary>A cart the server issued, holding one unit of <see cref="Sku"/>, ready to check out.</summary>
public readonly record struct PreparedCart(string CartId, string Sku);

/// <summary>
/// One-line carts prepared before a measured phase, so that the phase times the checkout alone. Taken once; a cart
/// whose checkout was shed with 429 (certainly not applied) can be put back.
/// </summary>
public sealed class CartPool
{
    private readonly ConcurrentQueue<PreparedCart> _carts = new();

    public int Remaining => _carts.Count;

    public bool IsEmpty => _carts.IsEmpty;

    public bool TryTake(out PreparedCart cart) => _carts.TryDequeue(out cart);

    public void Return(PreparedCart cart) => _carts.Enqueue(cart);

    /// <summary>Creates one cart per entry of <paramref name="skus"/>, adds one unit of that sku to it, and pools it.</summary>
    public async Task FillAsync(
        ShopApi api, IReadOnlyList<string> skus, SetupProgress progress, int parallelism, CancellationToken cancellationToken)
    {
        var carts = new PreparedCart[skus.Count];
        await progress.RunAsync($"Preparing {skus.Count:N0} one-line carts", skus.Count, parallelism, async (index, ct) =>
        {
            carts[index] = await CreateOneLineCartAsync(api, skus[index], ct);
        }, cancellationToken);
        foreach (var cart in carts)
        {
            _carts.Enqueue(cart);
        }
    }

    public static async Task<PreparedCart> CreateOneLineCartAsync(ShopApi api, string sku, CancellationToken cancellationToken)
    {
        var (created, cartId) = await api.CreateCartAsync(operation: null, cancellationToken);
        if (cartId is null)
        {
            throw new SetupException($"POST /api/carts answered {created}; expected 201 with a cartId.");
        }

        var added = await api.AddItemAsync(cartId, sku, 1, operation: null, cancellationToken);
        if (!added.IsSuccess)
        {
            throw new SetupException($"POST /api/carts/{{id}}/items with {sku} answered {added}.");
        }

        return new PreparedCart(cartId, sku);
    }
}
