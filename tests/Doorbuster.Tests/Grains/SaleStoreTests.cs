using Doorbuster.Catalog;
using Doorbuster.Diagnostics;
using Doorbuster.Persistence;
using Doorbuster.Sales;
using Doorbuster.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using StackExchange.Redis;

namespace Doorbuster.Tests.Grains;

/// <summary>
/// A sale's writes whose replicas do not acknowledge them: the shopper is told to try again, so what such a write
/// took must not count against them later. Two stores over the same Redis: the silo's own, which waits for no
/// replica, and one that waits for more replicas than any test topology has, as while the replicas lag.
/// </summary>
[Collection(ClusterCollection.Name)]
[Trait(TestStore.Topology, TestStore.AnyTopology)]
public sealed class SaleStoreTests(ClusterFixture fixture)
{
    private static readonly TimeSpan ValidFor = TimeSpan.FromMinutes(5);

    [Fact]
    public async Task AJoinNoReplicaAcknowledgedGivesTheClientsTheirTicketsBackAndSaysItWasNotApplied()
    {
        // Arrange: a sale that gives each client one ticket.
        var (saleId, startsAt) = await SaleAsync(ticketsPerClient: 1);
        var lagging = StoreWaitingForReplicasThatAreNotThere();

        // Act: a join whose replica never acknowledges it; the shopper, told to try again, joins once the replicas are back.
        var failed = await Record.ExceptionAsync(() => lagging.JoinAsync(saleId, 1, startsAt, startsAt, 7, ["shopper", "other-shopper"]));
        var retried = await Store.JoinAsync(saleId, 1, startsAt, startsAt, 7, ["shopper"]);

        // Assert: the failure said "not applied", and the retry got a place (0 would be "no more tickets for you").
        Assert.False(Assert.IsType<StoreUnavailableException>(failed).MayHaveBeenApplied, failed.Message);
        Assert.Equal(JoinOutcome.Joined, retried.Outcome);
        Assert.NotEqual(0, Assert.Single(retried.Places));
    }

    [Fact]
    public async Task AdmissionStepsNoReplicaAcknowledgedDoNotAddUpToABurstAndCountFromWhenTheyAreTold()
    {
        // Arrange: a started sale with 100 places handed out, none admitted.
        var (saleId, startsAt) = await SaleAsync(ticketsPerClient: 100);
        await Store.JoinAsync(saleId, 100, startsAt, startsAt, 7, [.. Enumerable.Range(0, 100).Select(i => $"shopper-{i}")]);
        var lagging = StoreWaitingForReplicasThatAreNotThere();

        // Act: three steps of 10 whose answers are lost (the sale published none of them), then one that is answered.
        for (var step = 1; step <= 3; step++)
        {
            var at = startsAt.AddSeconds(step);
            await Assert.ThrowsAsync<StoreUnavailableException>(() => lagging.AdmitAsync(saleId, published: 0, step: 10, at, startsAt, 7));
        }

        var told = startsAt.AddSeconds(4);
        var (_, admitted) = await Store.AdmitAsync(saleId, published: 0, step: 10, told, startsAt, 7);
        var stored = await Store.ReadAsync(saleId);

        // Assert: one step's admissions, not four; stored as admitted when the sale could tell them.
        Assert.Equal(10, admitted);
        Assert.Equal(10, stored!.Admitted);
        Assert.Equal(new Admission(10, told), stored.Admissions[^1]);
    }

    private SaleStore Store => fixture.SiloServices.GetRequiredService<SaleStore>();

    /// <summary>A store whose every write waits for three replicas for 100 ms: more than the test topologies have.</summary>
    private SaleStore StoreWaitingForReplicasThatAreNotThere()
    {
        var cluster = fixture.SiloServices.GetRequiredService<IOptions<ClusterOptions>>();
        var replicas = new ReplicaAcknowledgement(
            ConfigurationOptions.Parse(fixture.Store.ConnectionString),
            cluster.Value.ServiceId,
            Options.Create(new DurabilityOptions { ReplicasToAcknowledge = 3, ReplicaTimeout = TimeSpan.FromMilliseconds(100) }),
            fixture.SiloServices.GetRequiredService<GrainMetrics>(),
            NullLogger<ReplicaAcknowledgement>.Instance);
        return new SaleStore(fixture.SiloServices.GetRequiredService<IConnectionMultiplexer>(), replicas, cluster);
    }

    /// <summary>A sale stored straight in Redis, with no grain to step it, that started a minute ago.</summary>
    private async Task<(string SaleId, DateTimeOffset StartsAt)> SaleAsync(int ticketsPerClient)
    {
        var sku = $"STORE-{Guid.NewGuid():N}"[..20];
        await fixture.Grains.GetGrain<IProductGrain>(sku).UpsertAsync(new ProductDetails("On sale", "", "sales", 1.00m, "USD"));
        var saleId = $"store-{Guid.NewGuid():N}";
        var startsAt = DateTimeOffset.FromUnixTimeMilliseconds(fixture.Clocks.Now.AddMinutes(-1).ToUnixTimeMilliseconds());
        Assert.True(await Store.DefineAsync(saleId, new SaleDefinition([sku], startsAt, 10, ValidFor, ticketsPerClient), SaleTickets.NewKey()));
        return (saleId, startsAt);
    }
}
