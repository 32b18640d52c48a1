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
    /// Runs one round trip that reads the store: whatever it throws is an outage that changed nothing. Besides its
    /// own exceptions, StackExchange.Redis hands a broken connection's over as they are — a socket's reset, an
    /// aborted connection's cancellation, a completed pipe's <see cref="InvalidOperationException"/> ("Writing is not
    /// allowed after writer was completed", met in the fault soak while Redis restarted) — so no list of types can
    /// name them all; one it missed escaped a grain as itself and reached a shopper as a 500. Only the round trip
    /// belongs in <paramref name="read"/>: parsing what it returned stays outside, where a bug stays a bug.
    /// </summary>
    /// <remarks>
    /// The <see cref="StoreUnavailableException"/> carries no inner exception (an exception Orleans has no codec
    /// for would fail the whole answer): the cause's type and message are in its message.
    /// </remarks>
    public static async Task<T> ReadAsync<T>(Func<Task<T>> read, string whatFailed)
    {
        try
        {
            return await read();
        }
        catch (Exception exception) when (exception is not StoreUnavailableException)
        {
            throw new StoreUnavailableException(mayHaveBeenApplied: false, $"{whatFailed}; nothing was changed.", exception);
        }
    }

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
