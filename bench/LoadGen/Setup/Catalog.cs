using System.Globalization;

namespace Doorbuster.LoadGen.Setup;

/// <summary>
/// The generated catalog of a run: skus <c>{prefix}-00001</c>.., spread round-robin over run-specific categories,
/// with a Zipf popularity whose ranks are shuffled by the seed, so the hot skus are not simply the first page of
/// every listing.
/// </summary>
public sealed class Catalog
{
    public const int PageSize = 20;

    private readonly int[] _skuByRank;
    private readonly ZipfSampler _popularity;

    private Catalog(string prefix, int size, double zipf, int seed)
    {
        var width = Math.Max(5, size.ToString(CultureInfo.InvariantCulture).Length);
        Skus = [.. Enumerable.Range(1, size).Select(i => $"{prefix}-{i.ToString(CultureInfo.InvariantCulture).PadLeft(width, '0')}")];
        var categories = Math.Clamp(size / 50, 1, 100);
        Categories = [.. Enumerable.Range(0, categories).Select(i => $"{prefix}-c{i:D2}")];
        _skuByRank = [.. Enumerable.Range(0, size)];
        new Random(seed).Shuffle(_skuByRank);
        _popularity = new ZipfSampler(size, zipf);
    }

    public IReadOnlyList<string> Skus { get; }

    public IReadOnlyList<string> Categories { get; }

    /// <summary>The most popular sku.</summary>
    public string Hottest => Skus[_skuByRank[0]];

    public static Catalog Create(string prefix, int size, double zipf, int seed) => new(prefix, size, zipf, seed);

    public string CategoryOf(int skuIndex) => Categories[skuIndex % Categories.Count];

    public int PagesOf(int categoryIndex)
    {
        var products = Skus.Count / Categories.Count + (categoryIndex < Skus.Count % Categories.Count ? 1 : 0);
        return Math.Max(1, (products + PageSize - 1) / PageSize);
    }

    /// <summary>A sku drawn by popularity from a uniform number in [0, 1).</summary>
    public string SampleSku(double uniform) => Skus[_skuByRank[_popularity.Sample(uniform)]];
}
