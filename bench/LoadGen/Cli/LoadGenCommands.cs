using Spectre.Console.Cli;

namespace Doorbuster.LoadGen.Cli;

/// <summary>The command line: one command per scenario, plus <c>compare</c> for bench/run-comparison.sh.</summary>
public static class LoadGenCommands
{
    public static void Register(IConfigurator config)
    {
        config.SetApplicationName("loadgen");
        config.AddCommand<ScenarioCommand<LoadSettings>>("browse")
            .WithDescription("Product pages by Zipf popularity over the catalog, 10% category listings.")
            .WithExample("browse", "--url", "http://127.0.0.1:8080", "--admin-key", "dev", "--skus", "10000", "--rate", "2000");
        config.AddCommand<ScenarioCommand<HotReadSettings>>("hot-read")
            .WithDescription("One sku's product page only.")
            .WithExample("hot-read", "--url", "http://127.0.0.1:8080", "--admin-key", "dev", "--connections", "128");
        config.AddCommand<ScenarioCommand<LoadSettings>>("cart")
            .WithDescription("Iterations of POST /api/carts then add one unit of a popular sku.")
            .WithExample("cart", "--url", "http://127.0.0.1:8080", "--admin-key", "dev", "--rate", "500");
        config.AddCommand<ScenarioCommand<CheckoutSettings>>("checkout")
            .WithDescription("Checkouts of prepared one-line carts of one hot sku; optional outstanding orders and payments.")
            .WithExample("checkout", "--url", "http://127.0.0.1:8080", "--admin-key", "dev", "--rate", "1000", "--outstanding", "100000", "--pay", "0.5");
        config.AddCommand<ScenarioCommand<FlashSaleSettings>>("flash-sale")
            .WithDescription("N buyers check out M units of one sku at once: exactly M win, the rest get 409.")
            .WithExample("flash-sale", "--url", "http://127.0.0.1:8080", "--admin-key", "dev", "--buyers", "5000", "--units", "100");
        config.AddCommand<ScenarioCommand<FlashQueueSettings>>("flash-queue")
            .WithDescription("A flash sale with a waiting room: shoppers arrive open loop (some before the start), poll their ticket, check out when admitted.")
            .WithExample("flash-queue", "--url", "http://127.0.0.1:8080", "--admin-key", "dev", "--shoppers", "50000", "--units", "1000");
        config.AddCommand<ScenarioCommand<PoolSettings>>("mix")
            .WithDescription("80% browse, 15% cart, 5% checkout in one stream.")
            .WithExample("mix", "--url", "http://127.0.0.1:8080", "--admin-key", "dev", "--rate", "2000", "--duration", "60s");
        config.AddCommand<ScenarioCommand<OverloadSettings>>("overload")
            .WithDescription("Measure the mix peak, then offer 0.5x to 10x of it open loop: goodput, 429 and 503 shares, admitted latency.")
            .WithExample("overload", "--url", "http://127.0.0.1:8080", "--admin-key", "dev", "--step-duration", "15s");
        config.AddCommand<CompareCommand>("compare")
            .WithDescription("Median the JSON reports of several rounds and systems into one Markdown comparison table.")
            .WithExample("compare", "bench/results/raw", "--reference", "baseline", "--out", "bench/results/comparison.md");
    }
}
