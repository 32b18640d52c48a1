namespace Doorbuster.Catalog;

/// <summary>The stored state of one product. <see cref="Version"/> 0 means the product does not exist.</summary>
[GenerateSerializer, Alias("Doorbuster.Catalog.ProductState")]
public sealed class ProductState
{
    [Id(0)] public string Name { get; set; } = "";
    [Id(1)] public string Description { get; set; } = "";
    [Id(2)] public string Category { get; set; } = "";
    [Id(3)] public decimal Price { get; set; }
    [Id(4)] public string Currency { get; set; } = "USD";
    [Id(5)] public long Version { get; set; }

    /// <summary>The category before the last change of category, whose index must no longer list the product.</summary>
    [Id(6)] public string? PreviousCategory { get; set; }
}
