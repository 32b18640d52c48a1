using Doorbuster.Sales;
using Doorbuster.Tests.Grains.Orders;
using Doorbuster.Tests.Infrastructure;
using Orleans.Runtime;
using Orleans.TestingHost;

namespace Doorbuster.Tests.Grains;

/// <summary>
/// A sale's silo killed while joins are in flight: every place a join was answered with stays its own, the
/// places handed out afterwards follow all of them (some may be skipped, none reused), and what was admitted or
/// used before the crash still is.
/// </summary>
[Collection(LongWindowClusterCollection.Name)]
public sealed class SaleCrashTests(LongWindowClusterFixture fixture, Xunit.Abstractions.ITestOutputHelper output)
{
    [Fact]
    public async Task ASaleWhoseSiloIsKilledMidJoinKeepsEveryPlaceAdmissionAndUseItAnsweredAndHandsNoPlaceOutTwice()
    {
        // Arrange: a running sale on a secondary silo, ten shoppers admitted, one ticket used.
        var sku = await OrderTestData.CreateProductAsync(fixture.Grains, stock: 10);
        var sale = fixture.Grains.GetGrain<ISaleGrain>($"crash-{Guid.NewGuid():N}");
        await sale.DefineAsync(new SaleDefinition([sku], fixture.Clocks.Now.AddSeconds(-1), 1_000, TimeSpan.FromHours(1), 1_000));
        var victim = await PlaceOnASecondarySiloAsync(sale);
        var first = await sale.JoinAsync([.. Enumerable.Range(0, 10).Select(i => $"early-{i}")]);
        var admitted = await Eventually.ReturnsAsync(
            async () =>
            {
                fixture.Clocks.Advance(TimeSpan.FromSeconds(1));
                await Task.Delay(SaleGrain.Step);
                return await sale.GetAsync();
            },
            s => s!.AdmittedThrough >= 10,
            TimeSpan.FromSeconds(30),
            "ten admissions");
        var ticket = SaleTickets.Issue(admitted!.TicketKey, sale.GetPrimaryKeyString(), first.Places[0]);
        Assert.Equal(ClaimOutcome.Claimed, await sale.ClaimAsync(ticket, "order-before-the-crash"));

        try
        {
            // Act: shoppers keep joining, in batches of five, while the sale's silo is killed.
            using var stop = new CancellationTokenSource();
            var joins = new System.Collections.Concurrent.ConcurrentBag<Join>();
            var joiners = Enumerable.Range(0, 8).Select(worker => Task.Run(async () =>
            {
                for (var batch = 0; !stop.IsCancellationRequested; batch++)
                {
                    var started = DateTime.UtcNow;
                    var places = await JoinOrNullAsync(sale, [.. Enumerable.Range(0, 5).Select(i => $"c-{worker}-{batch}-{i}")]);
                    joins.Add(new Join(started, DateTime.UtcNow, places));
                }
            })).ToList();
            await Task.Delay(TimeSpan.FromMilliseconds(300));
            var killStarted = DateTime.UtcNow;
            await fixture.Cluster.KillSiloAsync(victim);
            var killed = DateTime.UtcNow;
            await Eventually.ReturnsAsync(
                () => Task.FromResult(joins.Count(join => join.Started > killed && join.Places is not null)), count => count >= 20,
                TimeSpan.FromSeconds(60), "joins answered again after the crash");
            await stop.CancelAsync();
            await Task.WhenAll(joiners);

            // Assert: no place was handed out twice; every place after the crash follows every place before it.
            var answered = joins.Where(join => join.Places is not null).SelectMany(join => join.Places!).Concat(first.Places).ToList();
            var before = joins.Where(join => join.Ended < killStarted && join.Places is not null).SelectMany(join => join.Places!).ToList();
            var afterwards = joins.Where(join => join.Started > killed && join.Places is not null).SelectMany(join => join.Places!).ToList();
            output.WriteLine(
                $"{joins.Count} join batches: {before.Count / 5} answered before the kill, {joins.Count(join => join.Places is null)} failed with the silo, "
                + $"{afterwards.Count / 5} answered after it; places before up to {before.Max()}, after from {afterwards.Min()}; {answered.Count} places in all");
            Assert.True(before.Count > 0, "precondition: joins were answered before the kill");
            Assert.Equal(answered.Count, answered.Distinct().Count());
            Assert.True(afterwards.Min() > before.Max(), $"a place after the crash ({afterwards.Min()}) is not after every place before it (up to {before.Max()})");
            var snapshot = (await sale.GetAsync())!;
            Assert.True(snapshot.AdmittedThrough >= admitted!.AdmittedThrough, $"admitted through {snapshot.AdmittedThrough} after the crash, {admitted.AdmittedThrough} before");
            Assert.Contains(SaleTickets.PositionOf(first.Places[0], snapshot.Draw)!.Value, snapshot.UsedPositions);
            Assert.Equal(ClaimOutcome.Used, await sale.ClaimAsync(ticket, "another-order"));
        }
        finally
        {
            await fixture.RepairAsync();
        }
    }

    private sealed record Join(DateTime Started, DateTime Ended, long[]? Places);

    /// <summary>A join that either answered its places or failed with the silo (its places, if any, are skipped).</summary>
    private static async Task<long[]?> JoinOrNullAsync(ISaleGrain sale, string[] clients)
    {
        try
        {
            return (await sale.JoinAsync(clients)).Places;
        }
        catch (Exception exception) when (exception is not Xunit.Sdk.XunitException)
        {
            return null;
        }
    }

    /// <summary>Moves the sale's activation until it lives on a secondary silo (killing the primary would take the test cluster's seed).</summary>
    private async Task<SiloHandle> PlaceOnASecondarySiloAsync(ISaleGrain sale)
    {
        for (var attempt = 0; attempt < 20; attempt++)
        {
            await sale.GetAsync();
            var host = await fixture.Grains.GetGrain<IManagementGrain>(0).GetActivationAddress(sale);
            if (fixture.Cluster.SecondarySilos.SingleOrDefault(silo => silo.SiloAddress == host) is { } secondary)
            {
                return secondary;
            }

            await Activations.DeactivateAsync(fixture.Grains, sale);
        }

        throw new InvalidOperationException("The sale never activated on a secondary silo in 20 tries.");
    }
}
