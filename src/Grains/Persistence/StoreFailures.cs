using Orleans.Storage;
using StackExchange.Redis;

namespace Doorbuster.Persistence;

/// <summary>
/// Turns a failed write into the <see cref="StoreUnavailableException"/> its caller is told: whether the
/// change certainly did not reach Redis, or whether it may have been applied although no answer came back.
/// </summary>
public static class StoreFailures
{
    public static StoreUnavailableException Classify(Exception exception)
    {
        if (exception is StoreUnavailableException known)
        {
            return known;
        }

        var mayHaveBeenApplied = MayHaveBeenApplied(exception);
        return new StoreUnavailableException(
            mayHaveBeenApplied,
            mayHaveBeenApplied
                ? "The change was sent to the store but its answer was lost: it may or may not have been applied. Retry with the same key."
                : "The change could not be stored; it was not applied.",
            exception);
    }

    /// <summary>
    /// True for a failure to reach the store: a Redis client error, a timeout, or a connection that broke under
    /// a command — which StackExchange.Redis may hand over as the socket's own exception (a reset connection
    /// surfaced as <c>Pipelines.Sockets.Unofficial.ConnectionResetException</c> when the store was killed). A
    /// grain turns these into a <see cref="StoreUnavailableException"/>, which carries no inner exception: an
    /// exception Orleans has no codec for would turn the answer into a 500.
    /// </summary>
    public static bool IsOutage(Exception exception) =>
        exception is RedisException or TimeoutException or IOException or System.Net.Sockets.SocketException or ObjectDisposedException;

    /// <summary>
    /// True for an outage met by a call to another grain that its caller would read as "not applied": its store
    /// refused the change, or Orleans could not deliver the call or its answer (a silo gone, a rejection, a
    /// timeout). A grain that has already stored its own change must not pass such a failure on as it is.
    /// </summary>
    public static bool IsOutageOfACall(Exception exception) =>
        exception is StoreUnavailableException { MayHaveBeenApplied: false } or OrleansException or TimeoutException;

    /// <summary>
    /// Runs what follows a change the grain has already stored (carrying it out on other grains, reading its
    /// result back): an outage there reaches the caller as "may have been applied", with
    /// <paramref name="whatHappened"/>, and the same request again finishes the work. A bug stays a bug.
    /// </summary>
    public static async Task<T> AfterStoredChangeAsync<T>(Func<Task<T>> work, string whatHappened)
    {
        try
        {
            return await work();
        }
        catch (Exception exception) when (IsOutageOfACall(exception))
        {
            throw new StoreUnavailableException(mayHaveBeenApplied: true, $"{whatHappened}; send the same request again.", exception);
        }
    }

    /// <inheritdoc cref="AfterStoredChangeAsync{T}"/>
    public static Task AfterStoredChangeAsync(Func<Task> work, string whatHappened) =>
        AfterStoredChangeAsync(
            async () =>
            {
                await work();
                return true;
            },
            whatHappened);

    /// <summary>
    /// False only when the write provably never ran: it was never sent, or the store refused it (a script
    /// error or an etag check runs before anything is changed). A timeout or a lost connection after
    /// sending is unknown, and so is anything unexpected.
    /// </summary>
    private static bool MayHaveBeenApplied(Exception exception) => exception switch
    {
        RedisTimeoutException timeout => timeout.Commandstatus != CommandStatus.WaitingToBeSent,
        RedisConnectionException connection => connection.CommandStatus != CommandStatus.WaitingToBeSent,
        RedisServerException => false,
        InconsistentStateException => false,
        { InnerException: { } inner } => MayHaveBeenApplied(inner),
        _ => true,
    };
}
