namespace Doorbuster.Client;

/// <summary>Where the Api is, and how patient the client is with it.</summary>
public sealed class DoorbusterClientOptions
{
    /// <summary>The Api's base address, e.g. <c>https://shop.example</c>, or <c>https://shop.example/doorbuster</c> for an Api published under a path.</summary>
    public Uri? BaseAddress { get; set; }

    /// <summary>The admin key (<c>X-Api-Key</c>) for the operator operations; sent over http and https alike.</summary>
    public string? AdminKey { get; set; }

    /// <summary>Retries of a request shed (429) or unavailable (503), or whose connection failed, where a retry is safe.</summary>
    public int MaxRetries { get; set; } = 4;

    /// <summary>The longest the client waits before a retry, whatever <c>Retry-After</c> says.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long one attempt may take (the Api answers within 2 seconds, or 503).</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(5);
}
