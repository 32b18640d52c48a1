using System.Diagnostics;
using Doorbuster.Bench;
using Doorbuster.Inventory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

// Grain-level benchmarks on one silo with its state in a real Redis-protocol store.
//   inventory (default): many concurrent shoppers reserve and confirm units of ONE sku through the InventoryGrain,
//     first with few outstanding reservations and then with many (unpaid holds of other orders), to show that a
//     write costs what its batch changed.
//   cart-memory: the managed memory one active three-line cart, product and inventory cost, and what a brand-new
//     cart's first add costs against an add to an active cart; then what collecting the idle carts at once costs.
// Usage: Doorbuster.Bench <redis connection string> [seconds=10] [concurrency=256] [outstanding=100000]
//        Doorbuster.Bench <redis connection string> cart-memory [carts=20000]
var redis = args.ElementAtOrDefault(0) ?? throw new ArgumentException("Pass a Redis connection string, e.g. 127.0.0.1:6390");
if (args.ElementAtOrDefault(1) == "cart-memory")
{
    await CartMemory.RunAsync(redis, int.Parse(args.ElementAtOrDefault(2) ?? "20000"));
    return;
}

var seconds = int.Parse(args.ElementAtOrDefault(1) ?? "10");
var concurrency = int.Parse(args.ElementAtOrDefault(2) ?? "256");
var outstanding = int.Parse(args.ElementAtOrDefault(3) ?? "100000");

using var host = await BenchSilo.StartAsync(redis);
var grains = host.Services.GetRequiredService<IGrainFactory>();
var sku = $"bench-{Guid.NewGuid():N}"[..16];
var inventory = grains.GetGrain<IInventoryGrain>(sku);
await inventory.RestockAsync(100_000_000, idempotencyKey: null);
var expiry = DateTimeOffset.UtcNow.AddHours(2);

await HoldAsync(1_000, "few");
await MeasureAsync("warm-up (not compared)", TimeSpan.FromSeconds(3));
var few = await MeasureAsync("1,000 outstanding reservations");
await HoldAsync(outstanding - 1_000, "many");
var many = await MeasureAsync($"{outstanding:N0} outstanding reservations");
Console.WriteLine($"throughput with {outstanding:N0} outstanding / with 1,000: {many / few:F2}");

var stock = await inventory.GetAsync();
Console.WriteLine($"invariant after the run: available {stock.Available} + reserved {stock.Reserved} + sold {stock.Sold} = {stock.Available + stock.Reserved + stock.Sold} of {stock.TotalRestocked}");
await host.StopAsync();

async Task HoldAsync(int count, string prefix)
{
    for (var start = 0; start < count; start += 2_000)
    {
        await Task.WhenAll(Enumerable.Range(start, Math.Min(2_000, count - start)).Select(i => inventory.ReserveAsync($"{prefix}-{i}", CheckoutAttempt.New(), 1, expiry)));
    }
}

async Task<double> MeasureAsync(string name, TimeSpan? length = null)
{
    var run = Guid.NewGuid().ToString("N")[..6];
    var measured = (length ?? TimeSpan.FromSeconds(seconds)).TotalSeconds;
    var clock = Stopwatch.StartNew();
    var latencies = new List<double>[concurrency];
    var shoppers = Enumerable.Range(0, concurrency).Select(async shopper =>
    {
        var mine = latencies[shopper] = [];
        for (var i = 0; clock.Elapsed.TotalSeconds < measured; i++)
        {
            var started = Stopwatch.GetTimestamp();
            var order = $"{run}-{shopper}-{i}";
            var attempt = CheckoutAttempt.New();
            await inventory.ReserveAsync(order, attempt, 1, expiry);
            await inventory.ConfirmAsync(order, attempt, 1);
            mine.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
    });
    await Task.WhenAll(shoppers);
    var all = latencies.SelectMany(l => l).Order().ToArray();
    var rate = all.Length / clock.Elapsed.TotalSeconds;
    Console.WriteLine(
        $"{name,-36} {rate,8:F0} purchases/s ({2 * rate:F0} stock movements/s), " +
        $"purchase latency p50 {all[all.Length / 2]:F1} ms, p99 {all[(int)(all.Length * 0.99)]:F1} ms, {concurrency} shoppers, {measured:F0} s");
    return rate;
}
