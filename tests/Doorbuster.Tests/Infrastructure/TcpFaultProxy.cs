using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Doorbuster.Tests.Infrastructure;

/// <summary>
/// A TCP proxy on a free loopback port in front of a server, that can lose a reply the way a network
/// does: the request reaches the server and runs, and the connection dies before the answer comes back;
/// or hold a reply back, as a busy network or server does.
/// Point a process's Redis connection string at <see cref="ConnectionString"/> to put it behind the proxy.
/// </summary>
public sealed class TcpFaultProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly int _targetPort;
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<TcpClient> _open = [];
    private Arm? _armed;

    private TcpFaultProxy(int targetPort)
    {
        _targetPort = targetPort;
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _ = AcceptAsync();
    }

    public int Port { get; }

    public string ConnectionString => $"127.0.0.1:{Port},abortConnect=false";

    public static TcpFaultProxy Start(int targetPort) => new(targetPort);

    /// <summary>
    /// The next request that contains <paramref name="marker"/> still reaches the server, but its reply is
    /// swallowed and its connection cut. The task completes when that has happened.
    /// </summary>
    public Task CutTheReplyToAsync(string marker)
    {
        var arm = new Arm(Encoding.UTF8.GetBytes(marker));
        Volatile.Write(ref _armed, arm);
        return arm.Done.Task;
    }

    /// <summary>
    /// The reply to the next request that contains <paramref name="marker"/> (and every reply behind it on its
    /// connection) reaches the client <paramref name="delay"/> late. The task completes when that reply was passed on.
    /// </summary>
    public Task DelayTheReplyToAsync(string marker, TimeSpan delay)
    {
        var arm = new Arm(Encoding.UTF8.GetBytes(marker)) { Delay = delay };
        Volatile.Write(ref _armed, arm);
        return arm.Done.Task;
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _listener.Stop();
        lock (_open)
        {
            _open.ForEach(client => client.Dispose());
        }

        _stopping.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stopping.Token);
            }
            catch (Exception) when (_stopping.IsCancellationRequested)
            {
                return;
            }

            _ = RelayAsync(client);
        }
    }

    private async Task RelayAsync(TcpClient client)
    {
        using var server = new TcpClient();
        try
        {
            await server.ConnectAsync(IPAddress.Loopback, _targetPort, _stopping.Token);
        }
        catch (Exception)
        {
            client.Dispose();
            return;
        }

        lock (_open)
        {
            _open.Add(client);
            _open.Add(server);
        }

        var connection = new Connection();
        using (client)
        {
            await Task.WhenAny(
                PumpAsync(client.GetStream(), server.GetStream(), connection, towardsServer: true),
                PumpAsync(server.GetStream(), client.GetStream(), connection, towardsServer: false));
        }
    }

    private async Task PumpAsync(NetworkStream from, NetworkStream to, Connection connection, bool towardsServer)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                var read = await from.ReadAsync(buffer, _stopping.Token);
                if (read == 0)
                {
                    return;
                }

                if (towardsServer && Volatile.Read(ref _armed) is { } arm && buffer.AsSpan(0, read).IndexOf(arm.Marker) >= 0 && Interlocked.CompareExchange(ref _armed, null, arm) == arm)
                {
                    connection.ArmedOnNextReply = arm;
                }

                if (!towardsServer && connection.ArmedOnNextReply is { Delay: null } cut)
                {
                    // The server ran the request; its answer is lost with the connection.
                    cut.Done.TrySetResult();
                    return;
                }

                if (!towardsServer && connection.ArmedOnNextReply is { Delay: { } delay } held)
                {
                    connection.ArmedOnNextReply = null;
                    await Task.Delay(delay, _stopping.Token);
                    await to.WriteAsync(buffer.AsMemory(0, read), _stopping.Token);
                    held.Done.TrySetResult();
                    continue;
                }

                await to.WriteAsync(buffer.AsMemory(0, read), _stopping.Token);
            }
        }
        catch (Exception)
        {
            // A side closed: the relay ends.
        }
    }

    private sealed class Connection
    {
        public volatile Arm? ArmedOnNextReply;
    }

    private sealed record Arm(byte[] Marker)
    {
        /// <summary>Hold the reply back this long rather than cut it.</summary>
        public TimeSpan? Delay { get; init; }

        /// <summary>Done: the reply was cut, or passed on late.</summary>
        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
