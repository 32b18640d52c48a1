namespace Doorbuster.Catalog;

/// <summary>The stored products of one catalog index, by sku.</summary>
[GenerateSerializer, Alias("Doorbuster.Catalog.CatalogIndexState")]
public sealed class CatalogIndexState
{
    [Id(0)] public Dictionary<string, ProductSnapshot> Products { get; set; } = new(StringComparer.Ordinal);
}
