namespace Doorbuster;

/// <summary>
/// A change could not be stored (Redis unreachable, timed out, or the write was refused), so it was
/// not acknowledged and the grain went back to what was persisted. Callers may retry.
/// </summary>
[GenerateSerializer, Alias("Doorbuster.StoreUnavailableException")]
public sealed class StoreUnavailableException : Exception
{
    public StoreUnavailableException()
    {
    }

    public StoreUnavailableException(string message)
        : base(message)
    {
    }

    public StoreUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
