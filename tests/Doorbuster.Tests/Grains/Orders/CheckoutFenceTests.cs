using Doorbuster.Carts;
using Doorbuster.Inventory;
using Doorbuster.Orders;
using Doorbuster.Tests.Infrastructure;

namespace Doorbuster.Tests.Grains.Orders;

/// <summary>
/// Holds are fenced by their checkout attempt. Each test plays one interleaving in which an attempt that lost
/// (an abandoned attempt still running in a second activation of the cart, or a hold whose release was lost)
/// acts after the attempt its order names; a second cluster over the same store gives the cart a real second
/// activation, as Orleans can briefly have while a silo fails or stops.
/// </summary>
[Collection(ClusterCollection.Name)]
[Trait(TestStore.Topology, TestStore.AnyTopology)]
public sealed class CheckoutFenceTests(ClusterFixture fixture)
{
    private const string Key = OrderTestData.Key;

    [Fact]
    public async Task ALateFailureOfAnAbandonedAttemptReleasesNothingOfTheOrderThatWon()
    {
        // Arrange: a second activation read the cart with lines A and B; the shopper then removed B and the
        // checkout placed an order for A alone. B sells out to someone else.
        var (a, b) = (await OrderTestData.CreateProductAsync(fixture.Grains, stock: 5), await OrderTestData.CreateProductAsync(fixture.Grains, stock: 1));
        var cartId = await OrderTestData.CartWithAsync(fixture.Grains, (a, 1), (b, 1));
        var second = await fixture.StartSecondActivationsAsync();
        var stale = await OrderTestData.SecondActivationOfAsync(second, cartId);
        var cart = fixture.Grains.GetGrain<ICartGrain>(cartId);
        await cart.SetQuantityAsync(b, 0, "USD");
        var placed = await cart.CheckoutAsync(Key);
        await fixture.Grains.GetGrain<IInventoryGrain>(b).ReserveAsync("someone-else", CheckoutAttempt.New(), 1, fixture.Clocks.Now.AddMinutes(10));

        // Act: the abandoned attempt goes on: it holds A, finds B short and undoes what it held; then the shopper pays.
        var late = await LateAsync(second, stale.CheckoutAsync(Key), a, b);
        var paid = await fixture.Grains.GetGrain<IOrderGrain>(placed.Order!.OrderId).PayAsync();

        // Assert: the late attempt is told about the order, and the paid line of A is sold.
        Assert.Equal((CheckoutOutcome.Created, CheckoutOutcome.Duplicate), (placed.Outcome, late.Outcome));
        Assert.Equal(placed.Order.OrderId, late.Order!.OrderId);
        Assert.Equal((OrderActionOutcome.Done, OrderStatus.Paid), (paid.Outcome, paid.Order!.Status));
        Assert.Equal(new StockLevel(a, 4, 0, 1, 5), await fixture.Grains.GetGrain<IInventoryGrain>(a).GetAsync());
        Assert.Equal(new StockLevel(b, 0, 1, 0, 1), await fixture.Grains.GetGrain<IInventoryGrain>(b).GetAsync());
    }

    [Fact]
    public async Task AnAttemptThatReadAnOlderCartCannotLowerTheHoldOfTheOrderThatWon()
    {
        // Arrange: a second activation read the cart with 2 units of A; the shopper set 3 and checked out.
        var a = await OrderTestData.CreateProductAsync(fixture.Grains, stock: 5);
        var cartId = await OrderTestData.CartWithAsync(fixture.Grains, (a, 2));
        var second = await fixture.StartSecondActivationsAsync();
        var stale = await OrderTestData.SecondActivationOfAsync(second, cartId);
        var cart = fixture.Grains.GetGrain<ICartGrain>(cartId);
        await cart.SetQuantityAsync(a, 3, "USD");
        var placed = await cart.CheckoutAsync(Key);

        // Act: the abandoned attempt holds 2 for the same order; then A sells out and the shopper pays.
        var late = await LateAsync(second, stale.CheckoutAsync(Key), a);
        var inventory = fixture.Grains.GetGrain<IInventoryGrain>(a);
        var rest = await inventory.ReserveAsync("someone-else", CheckoutAttempt.New(), 2, fixture.Clocks.Now.AddMinutes(10));
        var paid = await fixture.Grains.GetGrain<IOrderGrain>(placed.Order!.OrderId).PayAsync();

        // Assert: the order's line of 3 is sold in full, not short.
        Assert.Equal(CheckoutOutcome.Duplicate, late.Outcome);
        Assert.Equal(ReservationOutcome.Reserved, rest.Outcome);
        Assert.Equal(OrderActionOutcome.Done, paid.Outcome);
        Assert.Equal(new StockLevel(a, 0, 2, 3, 5), await inventory.GetAsync());
    }

    [Fact]
    public async Task AHoldOfAnAttemptThatLostIsReleasedAtExpiryEvenThoughItsOrderWasPaid()
    {
        // Arrange: an order for A, paid; an attempt of the same order that lost also held B, and its release was lost.
        var (a, b) = (await OrderTestData.CreateProductAsync(fixture.Grains, stock: 5), await OrderTestData.CreateProductAsync(fixture.Grains, stock: 5));
        var placed = await fixture.Grains.GetGrain<ICartGrain>(await OrderTestData.CartWithAsync(fixture.Grains, (a, 1))).CheckoutAsync(Key);
        var orderId = placed.Order!.OrderId;
        var inventoryB = fixture.Grains.GetGrain<IInventoryGrain>(b);
        await inventoryB.ReserveAsync(orderId, CheckoutAttempt.New(), 1, placed.Order.ExpiresAt);
        Assert.Equal(OrderActionOutcome.Done, (await fixture.Grains.GetGrain<IOrderGrain>(orderId).PayAsync()).Outcome);

        // Act: the hold of B expires; its inventory asks the order.
        fixture.Clocks.Advance(fixture.PaymentWindow + TimeSpan.FromSeconds(2));

        // Assert: the paid order names another attempt (and has no line of B): B goes back, nothing of it is sold.
        var stockB = await Eventually.ReturnsAsync(
            () => inventoryB.GetAsync(), s => s.Reserved == 0, TimeSpan.FromSeconds(10), $"the losing attempt's hold of {b} to go back");
        Assert.Equal(new StockLevel(b, 5, 0, 0, 5), stockB);
        Assert.Equal(new StockLevel(a, 4, 0, 1, 5), await fixture.Grains.GetGrain<IInventoryGrain>(a).GetAsync());
    }

    [Fact]
    public async Task AHoldOfAnAbandonedAttemptThatArrivesAfterThePaymentIsNeverSoldAgain()
    {
        // Arrange: a second activation read the cart; the checkout placed the order and the shopper paid.
        var a = await OrderTestData.CreateProductAsync(fixture.Grains, stock: 5);
        var cartId = await OrderTestData.CartWithAsync(fixture.Grains, (a, 1));
        var second = await fixture.StartSecondActivationsAsync();
        var stale = await OrderTestData.SecondActivationOfAsync(second, cartId);
        var placed = await fixture.Grains.GetGrain<ICartGrain>(cartId).CheckoutAsync(Key);
        var orderId = placed.Order!.OrderId;
        Assert.Equal(OrderActionOutcome.Done, (await fixture.Grains.GetGrain<IOrderGrain>(orderId).PayAsync()).Outcome);

        // Act: the abandoned attempt holds A again after the payment, and another one's hold arrives with its release lost.
        var late = await LateAsync(second, stale.CheckoutAsync(Key), a);
        var inventory = fixture.Grains.GetGrain<IInventoryGrain>(a);
        await inventory.ReserveAsync(orderId, CheckoutAttempt.New(), 1, placed.Order.ExpiresAt);
        fixture.Clocks.Advance(fixture.PaymentWindow + TimeSpan.FromSeconds(2));

        // Assert: the unit was sold once; every later hold went back.
        Assert.Equal((CheckoutOutcome.Duplicate, OrderStatus.Paid), (late.Outcome, late.Order!.Status));
        var stock = await Eventually.ReturnsAsync(
            () => inventory.GetAsync(), s => s.Reserved == 0, TimeSpan.FromSeconds(10), $"the late holds of {a} to go back");
        Assert.Equal(new StockLevel(a, 4, 0, 1, 5), stock);
    }

    [Fact]
    public async Task ARetryThatReachesASecondActivationOfItsCartIsAnsweredWithTheOrderTheFirstPlaced()
    {
        // Arrange: a second activation of the cart, which read it before the checkout.
        var sku = await OrderTestData.CreateProductAsync(fixture.Grains, stock: 5);
        var cartId = await OrderTestData.CartWithAsync(fixture.Grains, (sku, 2));
        var second = await fixture.StartSecondActivationsAsync();
        var stale = await OrderTestData.SecondActivationOfAsync(second, cartId);

        // Act: the first activation places the order; the client's retry reaches the second one.
        var placed = await fixture.Grains.GetGrain<ICartGrain>(cartId).CheckoutAsync(Key);
        var retried = await LateAsync(second, stale.CheckoutAsync(Key), sku);

        // Assert: the retry is told about the order, and holds nothing more.
        Assert.Equal((CheckoutOutcome.Created, CheckoutOutcome.Duplicate), (placed.Outcome, retried.Outcome));
        Assert.Equal(placed.Order!.OrderId, retried.Order!.OrderId);
        Assert.Equal(placed.Order.ExpiresAt, retried.Order.ExpiresAt);
        Assert.Equal(OrderStatus.PendingPayment, retried.Order.Status);
        Assert.Equal((3L, 2L), await OrderTestData.StockAsync(fixture.Grains, sku));
    }

    [Fact]
    public async Task ASecondActivationOfAnOrderThatSawNoOrderNeverReleasesALineThatWasPaid()
    {
        // Arrange: a second activation of the order made before the order existed; then the order is placed and paid.
        var sku = await OrderTestData.CreateProductAsync(fixture.Grains, stock: 5);
        var cartId = await OrderTestData.CartWithAsync(fixture.Grains, (sku, 1));
        var orderId = OrderIds.For(cartId, Key);
        await using var second = await fixture.StartSecondActivationsAsync();
        Assert.Null(await second.GrainFactory.GetGrain<IOrderGrain>(orderId).GetAsync());
        Assert.Equal(CheckoutOutcome.Created, (await fixture.Grains.GetGrain<ICartGrain>(cartId).CheckoutAsync(Key)).Outcome);
        Assert.Equal(OrderActionOutcome.Done, (await fixture.Grains.GetGrain<IOrderGrain>(orderId).PayAsync()).Outcome);
        var attempt = await OrderTestData.AttemptOfAsync(fixture, sku, orderId);

        // Act: an inventory whose line is still held (its confirmation was lost) asks, and reaches the second activation.
        var decision = await second.GrainFactory.GetGrain<IOrderGrain>(orderId).DecideExpiredHoldAsync(sku, attempt);

        // Assert: the paid line is confirmed, not released to be sold again.
        Assert.Equal(ReservationVerdict.Confirm, decision.Verdict);
        Assert.Equal(1, decision.Quantity);
    }

    /// <summary>
    /// Waits for what a second activation did, then ends the second cluster. Its calls reached second activations
    /// of the inventories too, which wrote the stock in Redis: the first cluster's inventories of
    /// <paramref name="skus"/> are replaced, so they continue from what Redis holds rather than fail their
    /// version check once.
    /// </summary>
    private async Task<T> LateAsync<T>(Orleans.TestingHost.TestCluster second, Task<T> late, params string[] skus)
    {
        try
        {
            return await late;
        }
        finally
        {
            await second.DisposeAsync();
            foreach (var sku in skus)
            {
                await Activations.DeactivateAsync(fixture.Grains, fixture.Grains.GetGrain<IInventoryGrain>(sku));
            }
        }
    }
}
