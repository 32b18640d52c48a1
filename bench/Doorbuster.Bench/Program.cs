extern alias silo;

using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Doorbuster.Bench;
using Doorbuster.Hosting;
using Doorbuster.Inventory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using silo::Doorbuster.Silo.Hosting;

// Hot-sku benchmark: many concurrent shoppers reserve and confirm units of ONE sku, with the grain state in a
// real Redis. Compares the group-committing InventoryGrain with a one-write-per-call baseline.
// Usage: Doorbuster.Bench <redis connection string> [seconds=10] [concurrency=256]
var redis = args.ElementAtOrDefault(0) ?? throw new ArgumentException("Pass a Redis connection string, e.g. 127.0.0.1:6390");
var seconds = int.Parse(args.ElementAtOrDefault(1) ?? "10");
var concurrency = int.Parse(args.ElementAtOrDefault(2) ?? "256");

var builder = Host.CreateApplicationBuilder();
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.UseOrleans(silo =>
{
    silo.UseLocalhostClustering(FreePort(), FreePort());
    silo.AddDoorbusterRedisStorage(redis);
    silo.UseInMemoryReminderService();
    silo.AddDoorbusterGrains();
});
using var host = builder.Build();
await host.StartAsync();
var grains = host.Services.GetRequiredService<IGrainFactory>();
var run = Guid.NewGuid().ToString("N")[..8];

var grouped = grains.GetGrain<IInventoryGrain>($"bench-group-{run}");
await grouped.RestockAsync(1_000_000);
await MeasureAsync("group commit (InventoryGrain)", async (order, expiry) =>
{
    await grouped.ReserveAsync(order, 1, expiry);
    await grouped.ConfirmAsync(order);
});

var naive = grains.GetGrain<INaiveInventoryGrain>($"bench-naive-{run}");
await naive.RestockAsync(1_000_000);
await MeasureAsync("one write per call (baseline)", async (order, expiry) =>
{
    await naive.ReserveAsync(order, 1, expiry);
    await naive.ConfirmAsync(order);
});

var stock = await grouped.GetAsync();
Console.WriteLine($"invariant after the run: available {stock.Available} + reserved {stock.Reserved} + sold {stock.Sold} = {stock.Available + stock.Reserved + stock.Sold} of {stock.TotalRestocked}");
await host.StopAsync();

async Task MeasureAsync(string name, Func<string, DateTimeOffset, Task> purchase)
{
    var deadline = Stopwatch.StartNew();
    var latencies = new List<double>[concurrency];
    var shoppers = Enumerable.Range(0, concurrency).Select(async shopper =>
    {
        var mine = latencies[shopper] = [];
        for (var i = 0; deadline.Elapsed.TotalSeconds < seconds; i++)
        {
            var started = Stopwatch.GetTimestamp();
            await purchase($"{shopper}-{i}", DateTimeOffset.UtcNow.AddMinutes(10));
            mine.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
    });
    await Task.WhenAll(shoppers);
    var all = latencies.SelectMany(l => l).Order().ToArray();
    Console.WriteLine(
        $"{name,-32} {all.Length / deadline.Elapsed.TotalSeconds,8:F0} purchases/s ({2 * all.Length / deadline.Elapsed.TotalSeconds:F0} stock movements/s), " +
        $"purchase latency p50 {all[all.Length / 2]:F1} ms, p99 {all[(int)(all.Length * 0.99)]:F1} ms, {concurrency} shoppers, {seconds} s");
}

static int FreePort()
{
    using var listener = new TcpListener(IPAddress.Loopback, 0);
    listener.Start();
    return ((IPEndPoint)listener.LocalEndpoint).Port;
}
