using System.Collections.Concurrent;
using System.Net;

namespace Doorbuster.Tests.Infrastructure;

/// <summary>
/// A minimal OTLP/HTTP (protobuf) trace collector on a loopback port: it accepts export requests and keeps
/// the spans' service, instrumentation scope, trace id and name, decoded with a small protobuf reader.
/// </summary>
public sealed class OtlpTraceReceiver : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Task _loop;

    public OtlpTraceReceiver()
    {
        Port = FreePorts.Next();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _loop = Task.Run(ReceiveAsync);
    }

    public int Port { get; }

    public string Endpoint => $"http://127.0.0.1:{Port}";

    public ConcurrentQueue<ReceivedSpan> Spans { get; } = new();

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        _ = _loop;
    }

    private async Task ReceiveAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception) when (!_listener.IsListening)
            {
                return;
            }
            catch (HttpListenerException)
            {
                return;
            }

            using var body = new MemoryStream();
            await context.Request.InputStream.CopyToAsync(body);
            if (context.Request.Url?.AbsolutePath.EndsWith("/v1/traces", StringComparison.Ordinal) == true)
            {
                foreach (var span in Decode(body.ToArray()))
                {
                    Spans.Enqueue(span);
                }
            }

            context.Response.StatusCode = 200;
            context.Response.ContentType = "application/x-protobuf";
            context.Response.Close();
        }
    }

    // ExportTraceServiceRequest{1: ResourceSpans{1: Resource{1: KeyValue}, 2: ScopeSpans{1: Scope{1: name}, 2: Span{1: trace_id, 5: name}}}}
    private static IEnumerable<ReceivedSpan> Decode(byte[] request)
    {
        foreach (var resourceSpans in Fields(request, 1))
        {
            var service = "";
            foreach (var resource in Fields(resourceSpans, 1))
            {
                foreach (var attribute in Fields(resource, 1))
                {
                    if (Text(Fields(attribute, 1).FirstOrDefault()) == "service.name")
                    {
                        service = Text(Fields(Fields(attribute, 2).FirstOrDefault() ?? [], 1).FirstOrDefault());
                    }
                }
            }

            foreach (var scopeSpans in Fields(resourceSpans, 2))
            {
                var scope = Text(Fields(Fields(scopeSpans, 1).FirstOrDefault() ?? [], 1).FirstOrDefault());
                foreach (var span in Fields(scopeSpans, 2))
                {
                    var traceId = Convert.ToHexString(Fields(span, 1).FirstOrDefault() ?? []).ToLowerInvariant();
                    yield return new ReceivedSpan(service, scope, traceId, Text(Fields(span, 5).FirstOrDefault()));
                }
            }
        }
    }

    private static string Text(byte[]? bytes) => bytes is null ? "" : System.Text.Encoding.UTF8.GetString(bytes);

    /// <summary>The length-delimited fields numbered <paramref name="number"/> of one protobuf message.</summary>
    private static List<byte[]> Fields(byte[] message, int number)
    {
        var found = new List<byte[]>();
        var position = 0;
        while (position < message.Length)
        {
            var tag = ReadVarint(message, ref position);
            var field = (int)(tag >> 3);
            switch ((int)(tag & 7))
            {
                case 0:
                    ReadVarint(message, ref position);
                    break;
                case 1:
                    position += 8;
                    break;
                case 2:
                    var length = (int)ReadVarint(message, ref position);
                    if (field == number)
                    {
                        found.Add(message[position..(position + length)]);
                    }

                    position += length;
                    break;
                case 5:
                    position += 4;
                    break;
                default:
                    throw new InvalidDataException($"Unsupported protobuf wire type in field {field}.");
            }
        }

        return found;
    }

    private static ulong ReadVarint(byte[] buffer, ref int position)
    {
        ulong value = 0;
        for (var shift = 0; ; shift += 7)
        {
            var next = buffer[position++];
            value |= (ulong)(next & 0x7F) << shift;
            if ((next & 0x80) == 0)
            {
                return value;
            }
        }
    }
}

public sealed record ReceivedSpan(string Service, string Scope, string TraceId, string Name);
