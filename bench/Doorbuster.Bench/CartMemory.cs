using System.Buffers.Text;
using System.Diagnostics;
using System.Security.Cryptography;
using Doorbuster.Carts;
using Doorbuster.Catalog;
using Doorbuster.Inventory;
using Microsoft.Extensions.DependencyInjection;

namespace Doorbuster.Bench;

/// <summary>
/// What an activation costs the silo: managed memory per three-line cart, per product and per inventory (full GCs
/// before and after activating many; the numbers behind each grain type's collection age), and the latency of a
/// brand-new cart's first add (activation and one write: an id of the current format reads nothing) against an
/// add to an active cart (write only), sequentially so that the numbers are per call; then what collecting the idle
/// carts costs.
/// </summary>
internal static class CartMemory
{
    public static async Task RunAsync(string redis, int carts)
    {
        using var host = await BenchSilo.StartAsync(redis);
        var grains = host.Services.GetRequiredService<IGrainFactory>();
        var run = Guid.NewGuid().ToString("N")[..8];
        string[] skus = ["ELEC-0001", "TOYS-0002", "HOME-0003"];

        // Warm up Orleans and Redis so the first measured activation is not the first of the process.
        for (var i = 0; i < 200; i++)
        {
            await grains.GetGrain<ICartGrain>(NewCartId()).AddAsync(skus[0], 1, "USD");
        }

        var newCarts = Enumerable.Range(0, 1_000).Select(_ => NewCartId()).ToArray();
        var newCart = Stopwatch.StartNew();
        for (var i = 0; i < 1_000; i++)
        {
            await grains.GetGrain<ICartGrain>(newCarts[i]).AddAsync(skus[0], 1, "USD");
        }

        newCart.Stop();
        var activeCart = Stopwatch.StartNew();
        for (var i = 0; i < 1_000; i++)
        {
            await grains.GetGrain<ICartGrain>(newCarts[i]).AddAsync(skus[1], 1, "USD");
        }

        activeCart.Stop();
        Console.WriteLine($"first add to a brand-new cart: {newCart.Elapsed.TotalMilliseconds / 1_000:F3} ms; add to an active cart: {activeCart.Elapsed.TotalMilliseconds / 1_000:F3} ms (sequential, 1,000 each)");

        await MeasureAsync("active three-line carts", carts, async _ =>
        {
            var cart = grains.GetGrain<ICartGrain>(NewCartId());
            foreach (var sku in skus)
            {
                await cart.AddAsync(sku, 1, "USD");
            }
        });
        await MeasureCollectionAsync(grains);
        await MeasureAsync("active products (with their catalog index entries)", carts, i =>
            grains.GetGrain<IProductGrain>($"mem-{run}-{i}").UpsertAsync(new ProductDetails($"Product {i}", "A product of the memory benchmark.", "memory", 9.99m, "USD")));
        await MeasureAsync("active inventories (restocked, no holds)", carts, i =>
            grains.GetGrain<IInventoryGrain>($"mem-{run}-{i}").RestockAsync(10, idempotencyKey: null));
        await host.StopAsync();
    }

    /// <summary>The managed memory that <paramref name="count"/> activations made by <paramref name="activate"/> hold, after full GCs.</summary>
    private static async Task MeasureAsync(string what, int count, Func<int, Task> activate)
    {
        var before = GC.GetTotalMemory(forceFullCollection: true);
        for (var start = 0; start < count; start += 500)
        {
            await Task.WhenAll(Enumerable.Range(start, Math.Min(500, count - start)).Select(activate));
        }

        var after = GC.GetTotalMemory(forceFullCollection: true);
        Console.WriteLine($"{count:N0} {what}: {(after - before) / 1024.0 / 1024.0:F1} MiB managed, {(after - before) / (double)count / 1024.0:F2} KiB each");
    }

    /// <summary>
    /// What collecting idle activations costs: every activation of the silo (the carts above, and what the warm-up
    /// made) deactivated at once, as Orleans' collector does with the activations of one collection quantum.
    /// </summary>
    private static async Task MeasureCollectionAsync(IGrainFactory grains)
    {
        var management = grains.GetGrain<IManagementGrain>(0);
        var before = await management.GetTotalActivationCount();
        var cpu = Environment.CpuUsage.TotalTime;
        var clock = Stopwatch.StartNew();
        await management.ForceActivationCollection(TimeSpan.Zero);
        clock.Stop();
        var used = Environment.CpuUsage.TotalTime - cpu;
        var collected = before - await management.GetTotalActivationCount();
        Console.WriteLine($"collecting {collected:N0} idle activations at once: {clock.Elapsed.TotalMilliseconds:N0} ms, " +
            $"{used.TotalMilliseconds:N0} ms of CPU, {used.TotalMicroseconds / Math.Max(1, collected):F0} us of CPU each");
    }

    /// <summary>An id of the format the Api issues (its signature is the Api's business, not the grain's).</summary>
    private static string NewCartId() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(CartIdLayout.CurrentLength / 4 * 3));
}
