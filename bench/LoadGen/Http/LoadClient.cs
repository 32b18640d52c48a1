using System.Diagnostics;
using System.Net;
using Doorbuster.LoadGen.Load;

namespace Doorbuster.LoadGen.Http;

/// <summary>
/// The one <see cref="HttpClient"/> of a run, with the bookkeeping every request needs: a timeout that is reported
/// as its own category instead of an exception, the synthetic client address, and the latency recorded from the
/// start the operation hands in. Measured requests are never retried (a failure is a measurement); setup
/// requests are (<see cref="SendSetupAsync"/>).
/// </summary>
public sealed class LoadClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly TimeSpan _timeout;
    private readonly string? _adminKey;
    private readonly string[] _clientAddresses;
    private int _setupClient;

    /// <summary>How many times a setup request shed with 429 or 503 is sent before setup gives up.</summary>
    private const int SetupAttempts = 10;

    public LoadClient(Uri baseUrl, int maxConnections, TimeSpan timeout, string? adminKey, int clients)
    {
        var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = maxConnections,
            // Recycled now and then so a load balancer in front (AKS) can spread long runs over new backends.
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
            ConnectTimeout = timeout,
            UseCookies = false,
            UseProxy = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
        };
        _http = new HttpClient(handler) { BaseAddress = baseUrl, Timeout = System.Threading.Timeout.InfiniteTimeSpan };
        _timeout = timeout;
        _adminKey = adminKey;
        _clientAddresses = [.. Enumerable.Range(0, clients).Select(SyntheticAddress)];
    }

    public bool HasAdminKey => _adminKey is not null;

    public int ClientCount => _clientAddresses.Length;

    /// <summary>
    /// Sends a request. With <paramref name="operation"/> the outcome is recorded under <paramref name="kind"/>, its
    /// latency counted from <see cref="OperationContext.NextRequestStart"/>; without it (setup) nothing is recorded.
    /// </summary>
    public async Task<HttpOutcome> SendAsync(
        HttpRequestMessage request, string kind, OperationContext? operation, bool admin, bool readBody, CancellationToken cancellationToken)
    {
        if (admin && _adminKey is not null)
        {
            request.Headers.TryAddWithoutValidation("X-Api-Key", _adminKey);
        }

        if (operation is null)
        {
            return await SendSetupAsync(request, readBody, cancellationToken);
        }

        if (operation.ClientIndex is int client && _clientAddresses.Length > 0)
        {
            request.Headers.TryAddWithoutValidation("X-Forwarded-For", _clientAddresses[client % _clientAddresses.Length]);
        }

        var start = operation.NextRequestStart();
        var outcome = await SendCoreAsync(request, readBody, cancellationToken);
        operation.Record(kind, outcome, start);
        return outcome;
    }

    /// <summary>
    /// Setup is not measured, so it behaves as a polite client: its requests are spread over the synthetic
    /// client addresses (a server with per-client rate limits sees many shoppers, not one), and a 429 or 503 is
    /// retried after its Retry-After, a few times, before setup gives up.
    /// </summary>
    private async Task<HttpOutcome> SendSetupAsync(HttpRequestMessage request, bool readBody, CancellationToken cancellationToken)
    {
        var body = request.Content is null ? null : await request.Content.ReadAsByteArrayAsync(cancellationToken);
        var contentHeaders = request.Content?.Headers.ToList() ?? [];
        var headers = request.Headers.ToList();
        var (method, uri) = (request.Method, request.RequestUri);
        request.Dispose();
        for (var attempt = 1; ; attempt++)
        {
            var retry = new HttpRequestMessage(method, uri);
            foreach (var (name, values) in headers)
            {
                retry.Headers.TryAddWithoutValidation(name, values);
            }

            if (body is not null)
            {
                retry.Content = new ByteArrayContent(body);
                foreach (var (name, values) in contentHeaders)
                {
                    retry.Content.Headers.TryAddWithoutValidation(name, values);
                }
            }

            if (_clientAddresses.Length > 0)
            {
                var client = (int)((uint)Interlocked.Increment(ref _setupClient) % (uint)_clientAddresses.Length);
                retry.Headers.TryAddWithoutValidation("X-Forwarded-For", _clientAddresses[client]);
            }

            var outcome = await SendCoreAsync(retry, readBody, cancellationToken);
            if (outcome.Status is not (429 or 503) || attempt == SetupAttempts)
            {
                return outcome;
            }

            await Task.Delay(outcome.RetryAfter ?? TimeSpan.FromMilliseconds(500), cancellationToken);
        }
    }

    private async Task<HttpOutcome> SendCoreAsync(HttpRequestMessage request, bool readBody, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_timeout);
        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, timeout.Token);
            var body = readBody ? await response.Content.ReadAsByteArrayAsync(timeout.Token) : null;
            return new HttpOutcome((int)response.StatusCode, Failure.None, body, RetryAfter(response));
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new HttpOutcome(0, Failure.Timeout, null, null);
        }
        catch (OperationCanceledException)
        {
            return new HttpOutcome(0, Failure.Canceled, null, null);
        }
        catch (HttpRequestException e)
        {
            return new HttpOutcome(0, Failure.NetworkError, null, null, e.HttpRequestError.ToString());
        }
        finally
        {
            request.Dispose();
        }
    }

    private static TimeSpan? RetryAfter(HttpResponseMessage response) =>
        response.Headers.RetryAfter switch
        {
            { Delta: { } delta } => delta,
            { Date: { } date } => date - DateTimeOffset.UtcNow,
            _ => null,
        };

    // RFC 2544 reserves 198.18.0.0/15 for benchmarks, so these are never anyone's real clients; numbered from 1
    // so that none is the network address 198.18.0.0.
    private static string SyntheticAddress(int index) =>
        $"198.{18 + ((index + 1) >> 16)}.{((index + 1) >> 8) & 0xFF}.{(index + 1) & 0xFF}";

    public void Dispose() => _http.Dispose();
}
