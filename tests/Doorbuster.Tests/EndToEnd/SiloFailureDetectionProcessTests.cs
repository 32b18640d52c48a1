using System.Diagnostics;
using System.Globalization;
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
        // Arrange: carts spread over three silos (the Api places new grains at random), some of them, as the
        // victim's own activation gauge says, on the silo about to be killed.
        var (silos, apis) = await _cluster.StartAsync(silos: 3, apis: 1);
        using var http = AdminClient(apis[0]);
        (await http.PutAsJsonAsync("/api/products/DETECT-1", new { name = "Detect", category = "detect", price = 1.00m })).EnsureSuccessStatusCode();
        (await http.PostAsJsonAsync("/api/inventory/DETECT-1/restock", new { quantity = 1_000 })).EnsureSuccessStatusCode();
        var carts = new List<string>();
        for (var i = 0; i < 60; i++)
        {
            carts.Add(await ApiFactory.CartWithAsync(http, "DETECT-1", 1));
        }

        var victim = silos[2];
        var cartsOnTheVictim = await CartActivationsAsync(victim);
        Assert.True(cartsOnTheVictim > 0, $"no cart lived on {victim.Name}: the test would measure nothing");

        // Act: SIGKILL that silo, then read every cart until each has answered.
        await victim.KillAsync();
        var clock = Stopwatch.StartNew();
        var reads = await Task.WhenAll(carts.Select(cart => UntilServedAsync(http, cart, clock)));

        // Assert: whether a cart of the killed silo answered 503 first or its read waited for the new activation
        // (Orleans forwards a request once the silo is declared dead) does not matter; when it was served does.
        var slowest = reads.MaxBy(read => read.ServedAt)!;
        var interrupted = reads.Count(read => read.Answers.Any(answer => answer.Status != HttpStatusCode.OK));
        output.WriteLine($"{cartsOnTheVictim} of {carts.Count} carts lived on {victim.Name}, {interrupted} answered something else than 200 first; the last was served {slowest.ServedAt.TotalSeconds:F2} s after the kill");
        Assert.True(
            slowest.ServedAt < ServedElsewhereWithin,
            $"cart {slowest.CartId} was served again only {slowest.ServedAt.TotalSeconds:F2} s after the kill; its answers: {string.Join(", ", slowest.Answers)}; "
            + $"the longest pause between two reads of one cart in this test process: {reads.Max(read => read.LongestPause).TotalSeconds:F2} s "
            + $"(the reader waits 0.1 s, so more means this process was stalled){Environment.NewLine}"
            + string.Join(Environment.NewLine, silos.Where(silo => silo != victim).Select(silo => $"{silo.Name}:{Environment.NewLine}{silo.RecentLog}")));
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

    /// <summary>One answer to a read of a cart after the kill: when it came and its status (null: none within 10 s).</summary>
    private sealed record Answer(TimeSpan At, HttpStatusCode? Status)
    {
        public override string ToString() => $"{(Status is { } status ? ((int)status).ToString(CultureInfo.InvariantCulture) : "no answer")} at {At.TotalSeconds:F2} s";
    }

    private sealed record Read(string CartId, TimeSpan ServedAt, IReadOnlyList<Answer> Answers, TimeSpan LongestPause);

    /// <summary>Reads a cart until it answers 200; every answer on the way, and the longest pause between two reads.</summary>
    private static async Task<Read> UntilServedAsync(HttpClient http, string cartId, Stopwatch clock)
    {
        var answers = new List<Answer>();
        var longestPause = TimeSpan.Zero;
        while (clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            if (answers.Count > 0 && clock.Elapsed - answers[^1].At > longestPause)
            {
                longestPause = clock.Elapsed - answers[^1].At;
            }

            HttpStatusCode? status;
            try
            {
                using var response = await http.GetAsync($"/api/carts/{cartId}");
                status = response.StatusCode;
            }
            catch (TaskCanceledException)
            {
                status = null;
            }

            answers.Add(new Answer(clock.Elapsed, status));
            if (status == HttpStatusCode.OK)
            {
                return new Read(cartId, clock.Elapsed, answers, longestPause);
            }

            // 429: sixty readers from one address outrun its admission bucket; not the silo's doing.
            Assert.True(
                status is null or HttpStatusCode.ServiceUnavailable or HttpStatusCode.TooManyRequests,
                $"cart {cartId} answered {(int?)status} after the kill; its answers: {string.Join(", ", answers)}");
            await Task.Delay(100);
        }

        throw new TimeoutException($"cart {cartId} was not served within 60 s of the kill; its answers: {string.Join(", ", answers)}");
    }

    /// <summary>How many cart activations a silo reports in its own Prometheus exposition.</summary>
    private static async Task<double> CartActivationsAsync(DoorbusterProcess silo)
    {
        using var http = new HttpClient();
        var exposition = await http.GetStringAsync(new Uri(silo.HttpAddress, "/metrics"));
        return exposition.Split('\n')
            .Where(line => line.StartsWith("orleans_catalog_activations{", StringComparison.Ordinal) && line.Contains("cart", StringComparison.OrdinalIgnoreCase))
            .Sum(line => double.Parse(line[(line.LastIndexOf('}') + 2)..].Split(' ')[0], CultureInfo.InvariantCulture));
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
