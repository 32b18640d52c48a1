using StackExchange.Redis;

namespace Doorbuster.ServiceDefaults;

/// <summary>
/// One Redis connection per process for the grain storage providers and the readiness check.
/// It connects on first use and keeps retrying in the background when Redis is down at start-up.
/// </summary>
public sealed class SharedRedisConnection(string connectionString) : IAsyncDisposable
{
    private readonly Lazy<Task<IConnectionMultiplexer>> _connection = new(async () =>
    {
        var options = ConfigurationOptions.Parse(connectionString);
        options.AbortOnConnectFail = false;
        return await ConnectionMultiplexer.ConnectAsync(options);
    });

    public Task<IConnectionMultiplexer> GetAsync() => _connection.Value;

    public async ValueTask DisposeAsync()
    {
        if (_connection.IsValueCreated)
        {
            var connection = await _connection.Value;
            await connection.DisposeAsync();
        }
    }
}
