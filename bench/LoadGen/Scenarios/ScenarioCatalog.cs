namespace Doorbuster.LoadGen.Scenarios;

/// <summary>The scenario names of the command line and what each one runs.</summary>
public static class ScenarioCatalog
{
    public static Scenario Create(string name, ScenarioContext context) => name switch
    {
        "browse" => new BrowseScenario(context),
        "hot-read" => new HotReadScenario(context),
        "cart" => new CartScenario(context),
        "checkout" => new CheckoutScenario(context),
        "flash-sale" => new FlashSaleScenario(context),
        "flash-queue" => new FlashQueueScenario(context),
        "mix" => new MixScenario(context),
        "overload" => new OverloadScenario(context),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "Unknown scenario."),
    };
}
