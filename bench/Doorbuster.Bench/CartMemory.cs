using System.Diagnostics;
using Doorbuster.Carts;
using Microsoft.Extensions.DependencyInjection;

namespace Doorbuster.Bench;

/// <summary>
/// What an active cart costs the silo: managed memory per three-line cart (full GCs before and after activating
/// many), and the latency of a brand-new cart's first add (activation, state read, write) against an add to an
/// active cart (write only), sequentially so that the numbers are per call.
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
            await grains.GetGrain<ICartGrain>($"warm-{run}-{i}").AddAsync(skus[0], 1, "USD");
        }

        var newCart = Stopwatch.StartNew();
        for (var i = 0; i < 1_000; i++)
        {
            await grains.GetGrain<ICartGrain>($"new-{run}-{i}").AddAsync(skus[0], 1, "USD");
        }

        newCart.Stop();
        var activeCart = Stopwatch.StartNew();
        for (var i = 0; i < 1_000; i++)
        {
            await grains.GetGrain<ICartGrain>($"new-{run}-{i}").AddAsync(skus[1], 1, "USD");
        }

        activeCart.Stop();
        Console.WriteLine($"first add to a brand-new cart: {newCart.Elapsed.TotalMilliseconds / 1_000:F3} ms; add to an active cart: {activeCart.Elapsed.TotalMilliseconds / 1_000:F3} ms (sequential, 1,000 each)");

        var before = GC.GetTotalMemory(forceFullCollection: true);
        for (var start = 0; start < carts; start += 500)
        {
            await Task.WhenAll(Enumerable.Range(start, Math.Min(500, carts - start)).Select(async i =>
            {
                var cart = grains.GetGrain<ICartGrain>($"mem-{run}-{i}");
                foreach (var sku in skus)
                {
                    await cart.AddAsync(sku, 1 + (i % 3), "USD");
                }
            }));
        }

        var after = GC.GetTotalMemory(forceFullCollection: true);
        Console.WriteLine($"{carts:N0} active three-line carts: {(after - before) / 1024.0 / 1024.0:F1} MiB managed, {(after - before) / (double)carts / 1024.0:F2} KiB per cart");
        await host.StopAsync();
    }
}
