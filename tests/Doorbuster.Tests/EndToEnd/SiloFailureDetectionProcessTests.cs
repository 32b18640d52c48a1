using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Doorbuster.Tests.Infrastructure;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace Doorbuster.Tests.EndToEnd;

/// <summary>
/// The silos as deployed (the membership settings of src/Silo, none overridden): a SIGKILLed silo's grains
/// are served by the others within 5 s, and ten times the load the cluster can serve declares no healthy
/// silo dead.
/// </summary>
[Collection(MachineSaturatingCollection.Name)]
public sealed class SiloFailureDetectionProcessTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan ServedElsewhereWithin = TimeSpan.FromSeconds(5);
    private ProcessCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await ProcessCluster.StartStoreAsync();

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task TheCartsOfAKilledSiloAreServedByTheOthersWithinFiveSeconds()
    {
        // Arrange: carts spread over three silos (the Api places new grains at random).
        var (silos, apis) = await _cluster.StartAsync(silos: 3, apis: 1);
        using var http = AdminClient(apis[0]);
        (await http.PutAsJsonAsync("/api/products/DETECT-1", new { name = "Detect", category = "detect", price = 1.00m })).EnsureSuccessStatusCode();
        (await http.PostAsJsonAsync("/api/inventory/DETECT-1/restock", new { quantity = 1_000 })).EnsureSuccessStatusCode();
        var carts = new List<string>();
        for (var i = 0; i < 60; i++)
        {
            carts.Add(await ApiFactory.CartWithAsync(http, "DETECT-1", 1));
        }

        // Act: SIGKILL one silo, then read every cart until each has answered.
        await silos[2].KillAsync();
        var clock = Stopwatch.StartNew();
        var reads = await Task.WhenAll(carts.Select(cart => UntilServedAsync(http, cart, clock)));

        // Assert
        var slowest = reads.Max(read => read.ServedAt);
        var interrupted = reads.Count(read => read.Refusals > 0);
        output.WriteLine($"{interrupted} of {carts.Count} carts answered 503 first (they lived on the killed silo); the last was served {slowest.TotalSeconds:F2} s after the kill");
        Assert.True(interrupted > 0, "no cart lived on the killed silo: the test measured nothing");
        Assert.True(slowest < ServedElsewhereWithin, $"a cart of the killed silo was served again only {slowest.TotalSeconds:F2} s after the kill");
    }

    [Fact]
    public async Task TenTimesTheLoadTheClusterServesDeclaresNoSiloDead()
    {
        // Arrange
        var (silos, apis) = await _cluster.StartAsync(silos: 3, apis: 1);

        // Act: the load generator's overload: the closed-loop peak, then ten times it offered in an open loop, from
        // 1,000 shoppers (through the loopback proxy the Api trusts), or one client's rate bucket sheds its setup.
        var loadGen = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in (string[])[
            RepositoryLayout.BuiltAssembly("bench", "LoadGen"), "overload", "--url", apis[0].HttpAddress.ToString(), "--admin-key", ProcessCluster.AdminKey,
            "--clients", "1000", "--steps", "10", "--peak-duration", "5s", "--step-duration", "20s"])
        {
            loadGen.ArgumentList.Add(argument);
        }

        using var run = Process.Start(loadGen)!;
        var report = run.StandardOutput.ReadToEndAsync();
        var errors = run.StandardError.ReadToEndAsync();
        await run.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(3));
        output.WriteLine(await report);
        output.WriteLine(await errors);

        // Assert: the overload ran, every silo is alive and the membership table declares none dead.
        Assert.True(run.ExitCode == 0, $"the load generator failed with {run.ExitCode}: {await errors}");
        Assert.All(silos, silo => Assert.False(silo.HasExited, $"{silo.Name} exited under the overload:{Environment.NewLine}{silo.RecentLog}"));
        var statuses = await MembershipAsync();
        output.WriteLine($"membership: {string.Join(", ", statuses)}");
        Assert.Equal(3, statuses.Count);
        Assert.All(statuses, status => Assert.Equal("Active", status));
    }

    /// <summary>Reads a cart until it answers 200; when that was, and how many 503s came first.</summary>
    private static async Task<(TimeSpan ServedAt, int Refusals)> UntilServedAsync(HttpClient http, string cartId, Stopwatch clock)
    {
        var refusals = 0;
        while (clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            using var response = await http.GetAsync($"/api/carts/{cartId}");
            if (response.StatusCode == HttpStatusCode.OK)
            {
                return (clock.Elapsed, refusals);
            }

            // 429: sixty readers from one address outrun its admission bucket; not the silo's doing.
            Assert.True(
                response.StatusCode is HttpStatusCode.ServiceUnavailable or HttpStatusCode.TooManyRequests,
                $"cart {cartId} answered {(int)response.StatusCode} after the kill");
            refusals += response.StatusCode == HttpStatusCode.ServiceUnavailable ? 1 : 0;
            await Task.Delay(100);
        }

        throw new TimeoutException($"cart {cartId} was not served within 60 s of the kill");
    }

    /// <summary>The status of every silo in the cluster's membership table, as the silos wrote it to Redis.</summary>
    private async Task<List<string>> MembershipAsync()
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(_cluster.Store.ConnectionString);
        var key = redis.GetServers().SelectMany(server => server.Keys(pattern: $"*{_cluster.Environment["Orleans__ClusterId"]}*")).Single();
        var entries = await redis.GetDatabase().HashGetAllAsync(key);
        return entries
            .Where(entry => entry.Name != "Version")
            .Select(entry => JsonDocument.Parse(entry.Value.ToString()).RootElement.GetProperty("Status"))
            .Select(status => status.ValueKind == JsonValueKind.Number ? ((Orleans.Runtime.SiloStatus)status.GetInt32()).ToString() : status.GetString()!)
            .ToList();
    }

    private static HttpClient AdminClient(DoorbusterProcess api)
    {
        var http = new HttpClient { BaseAddress = api.HttpAddress, Timeout = TimeSpan.FromSeconds(10) };
        http.DefaultRequestHeaders.Add("X-Api-Key", ProcessCluster.AdminKey);
        return http;
    }
}
