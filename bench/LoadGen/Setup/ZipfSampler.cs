namespace Doorbuster.LoadGen.Setup;

/// <summary>
/// Ranks 0..n-1 drawn with probability proportional to 1 / (rank + 1)^s: s = 0 is uniform, s = 1 is the classic
/// "a few items get most of the traffic". Inverse transform over a precomputed cumulative distribution.
/// </summary>
public sealed class ZipfSampler
{
    private readonly double[] _cumulative;

    public ZipfSampler(int count, double exponent)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        _cumulative = new double[count];
        var sum = 0.0;
        for (var rank = 0; rank < count; rank++)
        {
            sum += 1.0 / Math.Pow(rank + 1, exponent);
            _cumulative[rank] = sum;
        }

        for (var rank = 0; rank < count; rank++)
        {
            _cumulative[rank] /= sum;
        }
    }

    public int Count => _cumulative.Length;

    /// <summary>The rank for a uniform number in [0, 1).</summary>
    public int Sample(double uniform)
    {
        var index = Array.BinarySearch(_cumulative, uniform);
        return Math.Min(index >= 0 ? index : ~index, _cumulative.Length - 1);
    }

    public double Probability(int rank) => rank == 0 ? _cumulative[0] : _cumulative[rank] - _cumulative[rank - 1];
}
