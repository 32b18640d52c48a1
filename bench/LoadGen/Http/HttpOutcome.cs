namespace Doorbuster.LoadGen.Http;

/// <summary>The end of one request: a status code, or a <see cref="Failure"/>; the body only when the caller asked for it.</summary>
public readonly record struct HttpOutcome(int Status, Failure Failure, byte[]? Body, TimeSpan? RetryAfter, string? Error = null)
{
    public bool IsSuccess => Failure == Failure.None && Status is >= 200 and < 300;

    public bool IsShed => Failure == Failure.None && Status is 429 or 503;

    public static HttpOutcome Skipped { get; } = new(0, Failure.Skipped, null, null);

    public override string ToString() => Failure == Failure.None ? Status.ToString(System.Globalization.CultureInfo.InvariantCulture) : $"{Failure} {Error}".Trim();
}
