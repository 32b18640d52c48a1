using Doorbuster.Carts;
using Doorbuster.Catalog;
using Doorbuster.Inventory;
using Doorbuster.Orders;
using Doorbuster.Sales;
using Doorbuster.Tests.Infrastructure;

namespace Doorbuster.Tests.Grains;

/// <summary>
/// A sale's queue survives its activation: what was handed out, admitted or used is in Redis before anyone is
/// told, so a new activation (after a crash, or a second one beside the first) never hands out a place twice,
/// never takes an admission back, and never lets a used ticket through again. The sale runs on the cluster's
/// business clock, which these tests move (a second per probe) to let admissions happen.
/// </summary>
[Collection(ClusterCollection.Name)]
[Trait(TestStore.Topology, TestStore.AnyTopology)]
public sealed class SaleGrainTests(ClusterFixture fixture)
{
    [Fact]
    public async Task PlacesAdmissionsAndUsedTicketsOutliveTheActivationAndNoPlaceIsHandedOutTwice()
    {
        // Arrange: an open sale that admits quickly.
        var sku = await ProductAsync(stock: 10);
        var sale = fixture.Grains.GetGrain<ISaleGrain>($"durable-{Guid.NewGuid():N}");
        var defined = await sale.DefineAsync(new SaleDefinition([sku], fixture.Clocks.Now.AddSeconds(-1), 100, TimeSpan.FromMinutes(5), 100));
        Assert.Equal(SaleDefineOutcome.Defined, defined.Outcome);
        var first = await sale.JoinAsync(["a", "b", "c", "d", "e"]);
        Assert.Equal([1L, 2, 3, 4, 5], first.Places);
        var key = first.Sale!.TicketKey;
        var ticket = SaleTickets.Issue(key, sale.GetPrimaryKeyString(), first.Places[0]);
        var admitted = await AdmittedAsync(sale, s => s.AdmittedThrough >= 5, "five admissions");
        Assert.Equal(ClaimOutcome.Claimed, await sale.ClaimAsync(ticket, "order-1"));

        // Act: the activation goes; the next one starts from Redis.
        await Activations.DeactivateAsync(fixture.Grains, sale);
        var second = await sale.JoinAsync(["f", "g"]);

        // Assert
        Assert.Equal([6L, 7], second.Places);
        var after = await sale.GetAsync();
        Assert.True(after!.AdmittedThrough >= admitted!.AdmittedThrough, $"admitted through {after.AdmittedThrough} after the restart, {admitted.AdmittedThrough} before");
        Assert.Equal(key, after.TicketKey);
        Assert.Contains(1L, after.UsedPositions);
        Assert.Equal(ClaimOutcome.Used, await sale.ClaimAsync(ticket, "order-2"));
        Assert.Equal(ClaimOutcome.Claimed, await sale.ClaimAsync(ticket, "order-1"));
    }

    [Fact]
    public async Task JoinsInParallelBatchesGetDistinctPlacesAndAClientGetsNoMoreThanItsLimit()
    {
        var sku = await ProductAsync(stock: 1);
        var sale = fixture.Grains.GetGrain<ISaleGrain>($"parallel-{Guid.NewGuid():N}");
        await sale.DefineAsync(new SaleDefinition([sku], fixture.Clocks.Now.AddMinutes(5), 10, TimeSpan.FromMinutes(5), 3));

        var batches = await Task.WhenAll(Enumerable.Range(0, 20).Select(batch =>
            sale.JoinAsync([.. Enumerable.Range(0, 50).Select(i => $"client-{batch}-{i}"), "everyone"])));

        // Before the start every place is in the pre-queue: -1 ... -n, each once.
        var places = batches.SelectMany(batch => batch.Places).Where(place => place != 0).ToList();
        Assert.Equal(1_000 + 3, places.Count);
        Assert.Equal(Enumerable.Range(1, 1_003).Select(p => -(long)p).Order(), places.Order());
        Assert.Equal(20 - 3, batches.Count(batch => batch.Places[^1] == 0));
    }

    [Fact]
    public async Task AnAdmissionPastItsValidityOrNotYetDueLetsNoCheckoutThroughAndATicketOfAnotherSaleIsInvalid()
    {
        var sku = await ProductAsync(stock: 5);
        var sale = fixture.Grains.GetGrain<ISaleGrain>($"validity-{Guid.NewGuid():N}");
        var other = fixture.Grains.GetGrain<ISaleGrain>($"other-{Guid.NewGuid():N}");
        await sale.DefineAsync(new SaleDefinition([sku], fixture.Clocks.Now.AddSeconds(-1), 1, TimeSpan.FromSeconds(10), 100));
        await other.DefineAsync(new SaleDefinition([await ProductAsync(stock: 5)], fixture.Clocks.Now.AddSeconds(-1), 1, TimeSpan.FromSeconds(10), 100));
        var joined = await sale.JoinAsync(["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o", "p", "q", "r", "s", "t"]);
        var key = joined.Sale!.TicketKey;
        var first = SaleTickets.Issue(key, sale.GetPrimaryKeyString(), joined.Places[0]);
        var last = SaleTickets.Issue(key, sale.GetPrimaryKeyString(), joined.Places[^1]);

        Assert.Equal(ClaimOutcome.NotAdmitted, await sale.ClaimAsync(last, "order-last"));
        Assert.Equal(ClaimOutcome.Invalid, await other.ClaimAsync(first, "order-first"));
        await AdmittedAsync(sale, s => s.AdmittedThrough >= 1, "the first admission");
        var expired = await AdmittedAsync(sale, s => s.ExpiredThrough >= 1, "the first admission to expire");
        Assert.Null(expired!.AdmittedAt(1));
        Assert.Equal(ClaimOutcome.Expired, await sale.ClaimAsync(first, "order-first"));
        await sale.EndAsync();
    }

    [Fact]
    public async Task TheAdmissionRateMayChangeWhileTheSaleRunsButItsSkusAndStartMayNot()
    {
        var sku = await ProductAsync(stock: 5);
        var other = await ProductAsync(stock: 5);
        var sale = fixture.Grains.GetGrain<ISaleGrain>($"rate-{Guid.NewGuid():N}");
        var startsAt = fixture.Clocks.Now.AddSeconds(-1);
        await sale.DefineAsync(new SaleDefinition([sku], startsAt, 1, TimeSpan.FromMinutes(5), 100));
        await sale.JoinAsync([.. Enumerable.Range(0, 50).Select(i => $"shopper-{i}")]);

        var faster = await sale.DefineAsync(new SaleDefinition([sku], startsAt, 100, TimeSpan.FromMinutes(5), 100));
        var moved = await sale.DefineAsync(new SaleDefinition([sku], startsAt.AddMinutes(1), 100, TimeSpan.FromMinutes(5), 100));
        var widened = await sale.DefineAsync(new SaleDefinition([sku, other], startsAt, 100, TimeSpan.FromMinutes(5), 100));
        var admitted = await AdmittedAsync(sale, s => s.AdmittedThrough >= 50, "50 admissions at the new rate");

        Assert.Equal((SaleDefineOutcome.Defined, 100), (faster.Outcome, faster.Sale!.Definition.AdmitPerSecond));
        Assert.Equal(SaleDefineOutcome.Refused, moved.Outcome);
        Assert.Equal(SaleDefineOutcome.Refused, widened.Outcome);
        Assert.Equal([sku], admitted!.Definition.Skus);
        await sale.EndAsync();
    }

    [Fact]
    public async Task ASkuIsInOneSaleAtATimeSoASecondSaleCannotSwitchTheFirstOnesQueueOff()
    {
        // Arrange: a sale open on a sku, and a second sku.
        var sku = await ProductAsync(stock: 5);
        var second = await ProductAsync(stock: 5);
        var open = fixture.Grains.GetGrain<ISaleGrain>($"open-{Guid.NewGuid():N}");
        Assert.Equal(SaleDefineOutcome.Defined, (await open.DefineAsync(Definition([sku], fixture.Clocks.Now.AddSeconds(-1)))).Outcome);
        var tomorrow = fixture.Grains.GetGrain<ISaleGrain>($"tomorrow-{Guid.NewGuid():N}");
        var racing = Enumerable.Range(0, 4).Select(i => fixture.Grains.GetGrain<ISaleGrain>($"racing-{i}-{Guid.NewGuid():N}")).ToArray();
        var directory = fixture.Grains.GetGrain<ISaleDirectoryGrain>(ISaleDirectoryGrain.Key);

        // Act: tomorrow's sale of both skus; four sales of the second sku defined at once; then the open sale ends,
        // and tomorrow's sale is defined again with the first sku alone.
        var refused = await tomorrow.DefineAsync(Definition([second, sku], fixture.Clocks.Now.AddDays(1)));
        var gatedMeanwhile = await directory.GetActiveAsync();
        var raced = await Task.WhenAll(racing.Select(sale => sale.DefineAsync(Definition([second], fixture.Clocks.Now.AddDays(1)))));
        await open.EndAsync();
        var after = await tomorrow.DefineAsync(Definition([sku], fixture.Clocks.Now.AddDays(1)));

        // Assert: the open sale kept its sku, and nothing of tomorrow's sale was stored; one racer got the second sku.
        Assert.Equal(SaleDefineOutcome.Refused, refused.Outcome);
        Assert.Contains(open.GetPrimaryKeyString(), refused.Reason, StringComparison.Ordinal);
        Assert.Null(refused.Sale);
        Assert.Equal(open.GetPrimaryKeyString(), Assert.Single(gatedMeanwhile, gated => gated.Skus.Contains(sku)).SaleId);
        Assert.Equal(1, raced.Count(result => result.Outcome == SaleDefineOutcome.Defined));
        Assert.Equal(SaleDefineOutcome.Defined, after.Outcome);
        var gated = await directory.GetActiveAsync();
        Assert.Equal(tomorrow.GetPrimaryKeyString(), Assert.Single(gated, sale => sale.Skus.Contains(sku)).SaleId);
        Assert.Single(gated, sale => sale.Skus.Contains(second));
        foreach (var sale in racing.Append(tomorrow))
        {
            await sale.EndAsync();
        }
    }

    [Fact]
    public async Task ADefinitionRacingTheEndOfItsSaleLeavesNothingGated()
    {
        // Arrange: ten sales before their start.
        var sales = await Task.WhenAll(Enumerable.Range(0, 10).Select(async i =>
        {
            var sku = await ProductAsync(stock: 5);
            var sale = fixture.Grains.GetGrain<ISaleGrain>($"race-end-{i}-{Guid.NewGuid():N}");
            await sale.DefineAsync(Definition([sku], fixture.Clocks.Now.AddMinutes(1)));
            return (Sale: sale, Sku: sku);
        }));

        // Act: each sale's rate changed and the sale ended, sent at once.
        await Task.WhenAll(sales.SelectMany(s => new Task[]
        {
            s.Sale.DefineAsync(Definition([s.Sku], fixture.Clocks.Now.AddMinutes(1)) with { AdmitPerSecond = 20 }),
            s.Sale.EndAsync(),
        }));

        // Assert: whichever ran first, every sale ended and its sku is gated by nothing.
        var gated = await fixture.Grains.GetGrain<ISaleDirectoryGrain>(ISaleDirectoryGrain.Key).GetActiveAsync();
        foreach (var (sale, sku) in sales)
        {
            Assert.NotNull((await sale.GetAsync())!.EndedAt);
            Assert.DoesNotContain(gated, g => g.Skus.Contains(sku));
        }
    }

    [Fact]
    public async Task TwoDefinitionsOfOneSaleSentAtOnceLeaveTheDirectoryGatingWhatTheSaleIs()
    {
        // Arrange: twenty sales before their start, and two skus for each.
        var sales = await Task.WhenAll(Enumerable.Range(0, 20).Select(async i => (
            Sale: fixture.Grains.GetGrain<ISaleGrain>($"two-defs-{i}-{Guid.NewGuid():N}"),
            First: await ProductAsync(stock: 1),
            Second: await ProductAsync(stock: 1))));

        // Act: each sale defined with one sku and with the other, at once.
        await Task.WhenAll(sales.SelectMany(s => new Task[]
        {
            s.Sale.DefineAsync(Definition([s.First], fixture.Clocks.Now.AddMinutes(1))),
            s.Sale.DefineAsync(Definition([s.Second], fixture.Clocks.Now.AddMinutes(1))),
        }));

        // Assert: whichever came last, the directory gates the skus the sale has.
        var gated = await fixture.Grains.GetGrain<ISaleDirectoryGrain>(ISaleDirectoryGrain.Key).GetActiveAsync();
        foreach (var (sale, _, _) in sales)
        {
            var stored = (await sale.GetAsync())!.Definition.Skus;
            Assert.Equal(stored, Assert.Single(gated, g => g.SaleId == sale.GetPrimaryKeyString()).Skus);
            await sale.EndAsync();
        }
    }

    [Fact]
    public async Task AnEndOfASaleThatWasNeverStoredClearsWhatItsFailedDefinitionGated()
    {
        // Arrange: the directory gates a sku for a sale the store never took (its definition failed after the gate).
        var sku = await ProductAsync(stock: 1);
        var phantom = fixture.Grains.GetGrain<ISaleGrain>($"phantom-{Guid.NewGuid():N}");
        var directory = fixture.Grains.GetGrain<ISaleDirectoryGrain>(ISaleDirectoryGrain.Key);
        Assert.Null(await directory.GateAsync(new GatedSale(phantom.GetPrimaryKeyString(), [sku], fixture.Clocks.Now.AddMinutes(-1))));

        // Act: the operator ends it.
        var ended = await phantom.EndAsync();

        // Assert: there was no such sale, and its sku is free again.
        Assert.Null(ended);
        Assert.DoesNotContain(await directory.GetActiveAsync(), gated => gated.Skus.Contains(sku));
    }

    [Fact]
    public async Task ATicketWhoseCheckoutFailedBeforeItsOrderWasStoredIsGivenBackForTheNextCheckout()
    {
        // Arrange: an admitted ticket, and a second cluster whose inventory activation read the stock before it
        // changed, so its first hold fails its version check: a checkout that fails, certainly not applied.
        var sku = await ProductAsync(stock: 5);
        var sale = fixture.Grains.GetGrain<ISaleGrain>($"failed-{Guid.NewGuid():N}");
        await sale.DefineAsync(new SaleDefinition([sku], fixture.Clocks.Now.AddSeconds(-1), 100, TimeSpan.FromMinutes(5), 100));
        var joined = await sale.JoinAsync(["shopper"]);
        var ticket = SaleTickets.Issue(joined.Sale!.TicketKey, sale.GetPrimaryKeyString(), joined.Places[0]);
        await AdmittedAsync(sale, s => s.AdmittedThrough >= 1, "the shopper's admission");
        await using var second = await fixture.StartSecondActivationsAsync();
        await second.GrainFactory.GetGrain<IInventoryGrain>(sku).GetAsync();
        await fixture.Grains.GetGrain<IInventoryGrain>(sku).RestockAsync(1, idempotencyKey: null);
        var cart = second.GrainFactory.GetGrain<ICartGrain>($"cart-{Guid.NewGuid():N}");
        await cart.AddAsync(sku, 1, "USD");

        // Act: the checkout fails at its hold; the shopper tries again with a new key (allowed after "not applied").
        var failed = await Record.ExceptionAsync(() => cart.CheckoutAsync("first", ticket));
        var next = await cart.CheckoutAsync("second", ticket);

        // Assert: the failure said "not applied", and the ticket, used by no order, let the next checkout through.
        Assert.False(Assert.IsType<StoreUnavailableException>(failed).MayHaveBeenApplied, failed.Message);
        Assert.Equal(CheckoutOutcome.Created, next.Outcome);
        await sale.EndAsync();
    }

    [Fact]
    public async Task ADefinitionWhoseDirectoryUpdateFailedIsNotStoredAndItsRepeatGatesTheSkus()
    {
        // Arrange: a second cluster whose directory activation read the directory before another sale changed it,
        // so its next write fails its version check.
        var sale = $"defining-{Guid.NewGuid():N}";
        var other = fixture.Grains.GetGrain<ISaleGrain>($"other-{Guid.NewGuid():N}");
        await using var second = await fixture.StartSecondActivationsAsync();
        await second.GrainFactory.GetGrain<ISaleDirectoryGrain>(ISaleDirectoryGrain.Key).GetActiveAsync();
        await other.DefineAsync(new SaleDefinition([await ProductAsync(stock: 1)], fixture.Clocks.Now.AddHours(1), 10, TimeSpan.FromMinutes(5), 10));
        var definition = new SaleDefinition([await ProductAsync(stock: 1)], fixture.Clocks.Now.AddHours(1), 10, TimeSpan.FromMinutes(5), 10);
        var defining = second.GrainFactory.GetGrain<ISaleGrain>(sale);

        // Act: the directory, asked first, refuses to gate the sale's skus; the client repeats the definition.
        var failed = await Record.ExceptionAsync(() => defining.DefineAsync(definition));
        var stored = await defining.GetAsync();
        var repeated = await defining.DefineAsync(definition);

        // Assert: nothing was stored, so the failure said "not applied"; the repeat stored the sale and gated its skus.
        Assert.False(Assert.IsType<StoreUnavailableException>(failed).MayHaveBeenApplied, failed.Message);
        Assert.Null(stored);
        Assert.Equal(SaleDefineOutcome.Defined, repeated.Outcome);
        Assert.Contains(await second.GrainFactory.GetGrain<ISaleDirectoryGrain>(ISaleDirectoryGrain.Key).GetActiveAsync(), gated => gated.SaleId == sale);

        // Both sales end; the first cluster's directory and sales read Redis again, as the next tests expect.
        await defining.EndAsync();
        await second.GrainFactory.GetGrain<ISaleGrain>(other.GetPrimaryKeyString()).EndAsync();
        foreach (var stale in new IAddressable[] { fixture.Grains.GetGrain<ISaleDirectoryGrain>(ISaleDirectoryGrain.Key), other, fixture.Grains.GetGrain<ISaleGrain>(sale) })
        {
            await Activations.DeactivateAsync(fixture.Grains, stale);
        }
    }

    [Fact]
    public async Task AnEndWhoseDirectoryUpdateFailedSaysItMayHaveBeenAppliedAndItsRepeatFinishesIt()
    {
        // Arrange: a sale, and a second cluster whose directory activation read the directory before another
        // sale changed it, so its next write fails its version check.
        var sale = $"ending-{Guid.NewGuid():N}";
        var other = fixture.Grains.GetGrain<ISaleGrain>($"other-{Guid.NewGuid():N}");
        await fixture.Grains.GetGrain<ISaleGrain>(sale).DefineAsync(new SaleDefinition([await ProductAsync(stock: 1)], fixture.Clocks.Now.AddHours(1), 10, TimeSpan.FromMinutes(5), 10));
        await using var second = await fixture.StartSecondActivationsAsync();
        await second.GrainFactory.GetGrain<ISaleDirectoryGrain>(ISaleDirectoryGrain.Key).GetActiveAsync();
        await other.DefineAsync(new SaleDefinition([await ProductAsync(stock: 1)], fixture.Clocks.Now.AddHours(1), 10, TimeSpan.FromMinutes(5), 10));
        var ending = second.GrainFactory.GetGrain<ISaleGrain>(sale);

        // Act: the end is stored, then the directory refuses to drop the sale; the client repeats the end.
        var failed = await Record.ExceptionAsync(() => ending.EndAsync());
        var ended = await ending.GetAsync();
        var repeated = await ending.EndAsync();

        // Assert: the sale had ended, so the failure said "may have been applied"; the repeat took it out of the directory.
        Assert.True(Assert.IsType<StoreUnavailableException>(failed).MayHaveBeenApplied, failed.Message);
        Assert.NotNull(ended!.EndedAt);
        Assert.NotNull(repeated!.EndedAt);
        Assert.DoesNotContain(await second.GrainFactory.GetGrain<ISaleDirectoryGrain>(ISaleDirectoryGrain.Key).GetActiveAsync(), gated => gated.SaleId == sale);

        // The first cluster's directory and sales read Redis again, as the next tests expect.
        await second.GrainFactory.GetGrain<ISaleGrain>(other.GetPrimaryKeyString()).EndAsync();
        foreach (var stale in new IAddressable[] { fixture.Grains.GetGrain<ISaleDirectoryGrain>(ISaleDirectoryGrain.Key), other, fixture.Grains.GetGrain<ISaleGrain>(sale) })
        {
            await Activations.DeactivateAsync(fixture.Grains, stale);
        }
    }

    /// <summary>Moves the business clock a second at a time (the sale steps every half second of real time) until the sale is so.</summary>
    private Task<SaleSnapshot?> AdmittedAsync(ISaleGrain sale, Func<SaleSnapshot, bool> isDone, string awaited) =>
        Eventually.ReturnsAsync(
            async () =>
            {
                fixture.Clocks.Advance(TimeSpan.FromSeconds(1));
                await Task.Delay(SaleGrain.Step);
                return await sale.GetAsync();
            },
            s => isDone(s!),
            TimeSpan.FromSeconds(30),
            awaited);

    private static SaleDefinition Definition(string[] skus, DateTimeOffset startsAt) => new(skus, startsAt, 10, TimeSpan.FromMinutes(5), 10);

    private async Task<string> ProductAsync(int stock)
    {
        var sku = $"SALE-{Guid.NewGuid():N}"[..20];
        await fixture.Grains.GetGrain<IProductGrain>(sku).UpsertAsync(new ProductDetails("On sale", "", "sales", 1.00m, "USD"));
        await fixture.Grains.GetGrain<IInventoryGrain>(sku).RestockAsync(stock, idempotencyKey: null);
        return sku;
    }
}
