using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Doorbuster.Tests.Infrastructure;

/// <summary>
/// A request that holds an admission permit for as long as a test wants: it is sent over a raw connection
/// with <c>Expect: 100-continue</c>. The server answers "100 Continue" only once the endpoint starts reading
/// the body, that is, after admission let it in; the body then comes as leading whitespace (valid JSON) at
/// about 1 KB/s, above Kestrel's minimum body data rate, so the server neither answers nor gives up until
/// <see cref="CompleteAsync"/> sends the JSON itself.
/// </summary>
public sealed class HeldRequest : IAsyncDisposable
{
    private const string Continue = "HTTP/1.1 100 Continue\r\n\r\n";

    // Under the Api's 64 KiB body limit; at the trickle's rate, a hold of about a minute.
    private const int BodyLength = 60_000;
    private const int TrickleBytes = 128;

    private readonly TcpClient _connection;
    private readonly byte[] _json;
    private readonly CancellationTokenSource _stopTrickle = new();
    private Task _trickle = Task.CompletedTask;
    private int _sent;
    private bool _disposed;

    private HeldRequest(TcpClient connection, string json)
    {
        _connection = connection;
        _json = Encoding.UTF8.GetBytes(json);
    }

    /// <summary>Sends the head of a JSON request and waits until the server admitted it (asks for the body).</summary>
    public static async Task<HeldRequest> AdmitAsync(
        Uri server, string method, string path, string json, IReadOnlyDictionary<string, string>? headers = null)
    {
        var held = new HeldRequest(new TcpClient(), json);
        try
        {
            await held.SendHeadAsync(server, method, path, headers);
        }
        catch
        {
            await held.DisposeAsync();
            throw;
        }

        held._trickle = held.TrickleAsync();
        return held;
    }

    /// <summary>Sends the rest of the body and returns the status code of the final answer.</summary>
    public async Task<HttpStatusCode> CompleteAsync()
    {
        await _stopTrickle.CancelAsync();
        await _trickle;
        var rest = new byte[BodyLength - _sent];
        _json.CopyTo(rest, 0);
        rest.AsSpan(_json.Length).Fill((byte)' ');
        await Stream.WriteAsync(rest);
        var statusLine = new byte["HTTP/1.1 200".Length];
        await Stream.ReadExactlyAsync(statusLine).AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        return (HttpStatusCode)int.Parse(Encoding.ASCII.GetString(statusLine)[9..]);
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        await _stopTrickle.CancelAsync();
        await _trickle;
        _connection.Dispose();
        _stopTrickle.Dispose();
    }

    private async Task SendHeadAsync(Uri server, string method, string path, IReadOnlyDictionary<string, string>? headers)
    {
        await _connection.ConnectAsync(server.Host, server.Port);
        var head = new StringBuilder()
            .Append($"{method} {path} HTTP/1.1\r\nHost: {server.Authority}\r\n")
            .Append($"Content-Type: application/json\r\nContent-Length: {BodyLength}\r\nExpect: 100-continue\r\n");
        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            head.Append($"{name}: {value}\r\n");
        }

        await Stream.WriteAsync(Encoding.ASCII.GetBytes(head.Append("\r\n").ToString()));
        var interim = new byte[Continue.Length];
        await Stream.ReadExactlyAsync(interim).AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        var answer = Encoding.ASCII.GetString(interim);
        Assert.True(answer == Continue, $"{method} {path} was not admitted and held; the server answered: {answer}");
    }

    private NetworkStream Stream => _connection.GetStream();

    private async Task TrickleAsync()
    {
        var spaces = Encoding.ASCII.GetBytes(new string(' ', TrickleBytes));
        using var ticks = new PeriodicTimer(TimeSpan.FromMilliseconds(125));
        try
        {
            while (await ticks.WaitForNextTickAsync(_stopTrickle.Token) && _sent + TrickleBytes + _json.Length < BodyLength)
            {
                await Stream.WriteAsync(spaces);
                _sent += TrickleBytes;
            }
        }
        catch (Exception stopped) when (stopped is OperationCanceledException or IOException)
        {
            // Completed, or the server closed the connection: the final answer tells which.
        }
    }
}
