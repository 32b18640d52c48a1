using StackExchange.Redis;

namespace Doorbuster.ServiceDefaults;

/// <summary>
/// One Redis connection per process for the grain storage providers and the readiness check.
/// It connects on first use and keeps retrying in the background when Redis is down at start-up.
/// </summary>
public sealed class SharedRedisConnection : IAsyncDisposable
{
    private readonly Lazy<Task<IConnectionMultiplexer>> _connection;
    private readonly List<Action<IConnectionMultiplexer>> _onConnected = [];
    private IConnectionMultiplexer? _connected;

    public SharedRedisConnection(string connectionString)
    {
        _connection = new(async () =>
        {
            var options = ConfigurationOptions.Parse(connectionString);
            options.AbortOnConnectFail = false;
            var connection = await ConnectionMultiplexer.ConnectAsync(options);
            lock (_onConnected)
            {
                _connected = connection;
                _onConnected.ForEach(callback => callback(connection));
            }

            return connection;
        });
    }

    public Task<IConnectionMultiplexer> GetAsync() => _connection.Value;

    /// <summary>Runs <paramref name="callback"/> with the connection once it exists (tracing hooks in here).</summary>
    public void WhenConnected(Action<IConnectionMultiplexer> callback)
    {
        lock (_onConnected)
        {
            if (_connected is null)
            {
                _onConnected.Add(callback);
                return;
            }
        }

        callback(_connected);
    }

    public async ValueTask DisposeAsync()
    {
        if (_connection.IsValueCreated)
        {
            var connection = await _connection.Value;
            await connection.DisposeAsync();
        }
    }
}
