using Doorbuster.Persistence;

namespace Doorbuster.Tests.Persistence;

/// <summary>
/// What a grain says when a read of the store fails: "unavailable, nothing changed", whatever the Redis client
/// threw — including the broken connection's own exceptions it hands over as they are, one of which once
/// escaped a grain as itself and reached a shopper as a 500 in the fault soak.
/// </summary>
public sealed class StoreFailuresTests
{
    public static TheoryData<Exception> WhatABrokenConnectionThrows() =>
    [
        new InvalidOperationException("Writing is not allowed after writer was completed."),
        new OperationCanceledException("The connection was aborted"),
        new IOException("Connection reset by peer"),
        new ObjectDisposedException("SocketConnection"),
    ];

    [Theory]
    [MemberData(nameof(WhatABrokenConnectionThrows))]
    public async Task AReadThatFailsInAnyWayIsAnOutageThatChangedNothingAndNamesItsCause(Exception cause)
    {
        // Act
        var failure = await Record.ExceptionAsync(() => StoreFailures.ReadAsync<int>(() => throw cause, "Cart c could not be read"));

        // Assert: one type the Api answers with 503 (and Orleans can carry), the cause folded into its message.
        var unavailable = Assert.IsType<StoreUnavailableException>(failure);
        Assert.False(unavailable.MayHaveBeenApplied);
        Assert.Null(unavailable.InnerException);
        Assert.Contains("Cart c could not be read; nothing was changed.", unavailable.Message, StringComparison.Ordinal);
        Assert.Contains($"{cause.GetType().Name}: {cause.Message}", unavailable.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AReadThatAlreadySaysWhatFailedIsPassedOnAsItIs()
    {
        // Arrange: a read that calls another read, which already said what failed.
        var notExecuted = new StoreUnavailableException(mayHaveBeenApplied: false, "Reading the stock of s was not executed.");

        // Act
        var failure = await Record.ExceptionAsync(() => StoreFailures.ReadAsync<int>(() => throw notExecuted, "The stock of s could not be read"));
        var read = await StoreFailures.ReadAsync(() => Task.FromResult(42), "unused");

        // Assert
        Assert.Same(notExecuted, failure);
        Assert.Equal(42, read);
    }
}
