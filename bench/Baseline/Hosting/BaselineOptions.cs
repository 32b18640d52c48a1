namespace Doorbuster.Baseline.Hosting;

/// <summary>Settings of the baseline itself (configuration section <c>Baseline</c>).</summary>
public sealed class BaselineOptions
{
    public const string SectionName = "Baseline";

    /// <summary>The command-line switch that turns on <see cref="Bare"/>.</summary>
    public const string BareSwitch = "--bare";

    /// <summary>Prefix of every Redis key, so that the baseline can share a Redis with other things.</summary>
    public string KeyPrefix { get; set; } = "bl:";

    /// <summary>
    /// Bare mode: <c>GET /api/products/{sku}</c> answers a constant product without touching Redis, the
    /// floor that the hot read is compared against. Nothing else is served.
    /// </summary>
    public bool Bare { get; set; }

    /// <summary>
    /// How long a Redis command may take before the request is answered 503. Below the contract's two
    /// seconds, so that an outage is never a hang.
    /// </summary>
    public TimeSpan RedisTimeout { get; set; } = TimeSpan.FromMilliseconds(1500);
}
