namespace Doorbuster.Baseline.Redis;

/// <summary>
/// The Lua scripts (embedded resources under <c>Redis/Scripts</c>), read once. StackExchange.Redis sends a
/// script with SCRIPT LOAD the first time per connection and as EVALSHA from then on.
/// </summary>
public static class LuaScripts
{
    public static readonly string UpsertProduct = Load("upsert-product.lua");
    public static readonly string Restock = Load("restock.lua");
    public static readonly string CartUpdate = Load("cart-update.lua");
    public static readonly string Checkout = Load("checkout.lua");
    public static readonly string OrderTransition = Load("order-transition.lua");

    private static string Load(string name)
    {
        var resource = "Doorbuster.Baseline.Scripts." + name;
        using var stream = typeof(LuaScripts).Assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"The embedded script {resource} is missing.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
