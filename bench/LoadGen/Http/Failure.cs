namespace Doorbuster.LoadGen.Http;

/// <summary>How a request or operation ended when it did not end with an HTTP response.</summary>
public enum Failure
{
    None,

    /// <summary>No response within --timeout.</summary>
    Timeout,

    /// <summary>The connection failed (refused, reset, name resolution).</summary>
    NetworkError,

    /// <summary>The run was stopped (Ctrl+C) while the request was in flight.</summary>
    Canceled,

    /// <summary>A response that breaks the contract in a way the tool cannot go on from, e.g. a 201 without an id.</summary>
    InvalidResponse,

    /// <summary>The operation did not send anything, e.g. no prepared cart was left.</summary>
    Skipped,
}
