using Doorbuster.ServiceDefaults.Redis;

namespace Doorbuster.Tests.Hosting;

/// <summary>The timeouts the process's Redis connection runs with: the operator's where the connection string sets them, ours elsewhere.</summary>
public sealed class RedisConnectionTests
{
    private static readonly int Default = (int)RedisConnection.DefaultTimeout.TotalMilliseconds;

    [Fact]
    public void SettingOnlyTheAsyncTimeoutKeepsOurSyncTimeout()
    {
        // Arrange
        const string connectionString = "redis:6379,asyncTimeout=3000";

        // Act
        var options = RedisConnection.ParseOptions(connectionString);

        // Assert
        Assert.Equal(3000, options.AsyncTimeout);
        Assert.Equal(Default, options.SyncTimeout);
    }

    [Theory]
    [InlineData("redis:6379,syncTimeout=4000")]
    [InlineData("redis:6379, SYNCTIMEOUT = 4000 ,abortConnect=false")]
    public void TheOperatorsSyncTimeoutIsKeptWhateverItsSpelling(string connectionString)
    {
        // Act
        var options = RedisConnection.ParseOptions(connectionString);

        // Assert
        Assert.Equal(4000, options.SyncTimeout);
        Assert.Equal(Default, options.AsyncTimeout);
    }

    [Fact]
    public void AConnectionStringWithoutTimeoutsGetsOurs()
    {
        // Act
        var options = RedisConnection.ParseOptions("redis:6379");

        // Assert
        Assert.Equal(Default, options.SyncTimeout);
        Assert.Equal(Default, options.AsyncTimeout);
        Assert.Equal((int)RedisConnection.DefaultConnectTimeout.TotalMilliseconds, options.ConnectTimeout);
    }
}
