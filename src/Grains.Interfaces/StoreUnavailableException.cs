namespace Doorbuster;

/// <summary>
/// A change could not be stored: Redis was unreachable, too slow, or refused the write. The exception
/// says whether the change was certainly not applied (<see cref="MayHaveBeenApplied"/> false: nothing
/// reached Redis) or whether its outcome is unknown (true: a write was sent and its answer lost). Either
/// way the grain goes back to what Redis holds before its next call, and the caller may retry: every
/// write of the contract is idempotent under its key.
/// </summary>
/// <remarks>
/// It crosses from a silo to the Api, so it never carries its cause as an inner exception (a Redis client
/// exception has no Orleans codec, and the whole answer would fail to serialize): the cause's type and
/// message are folded into <see cref="Exception.Message"/>, and the cause itself is logged where it happened.
/// </remarks>
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
        : base(WithCause(message, innerException))
    {
    }

    public StoreUnavailableException(bool mayHaveBeenApplied, string message, Exception? cause = null)
        : base(WithCause(message, cause))
    {
        MayHaveBeenApplied = mayHaveBeenApplied;
    }

    /// <summary>True when the change may have been stored although the caller was not told so.</summary>
    [Id(0)]
    public bool MayHaveBeenApplied { get; init; }

    private static string WithCause(string message, Exception? cause) =>
        cause is null ? message : $"{message} ({cause.GetType().Name}: {cause.Message})";
}
