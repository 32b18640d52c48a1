using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;

namespace Doorbuster.Tests.Infrastructure;

/// <summary>
/// Records what one in-process host counts on an instrument, as it is counted: only the meters of that host's
/// <see cref="IMeterFactory"/>, so other hosts in the test process do not blur the numbers.
/// </summary>
public sealed class MeterRecorder : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentQueue<IReadOnlyDictionary<string, string?>> _measurements = new();

    public MeterRecorder(IServiceProvider hostServices, string instrumentName)
    {
        var meterFactory = hostServices.GetRequiredService<IMeterFactory>();
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Name == instrumentName && ReferenceEquals(instrument.Meter.Scope, meterFactory))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            var labels = new Dictionary<string, string?>(StringComparer.Ordinal);
            foreach (var tag in tags)
            {
                labels[tag.Key] = tag.Value?.ToString();
            }

            for (var i = 0; i < value; i++)
            {
                _measurements.Enqueue(labels);
            }
        });
        _listener.Start();
    }

    /// <summary>How many were counted with every one of <paramref name="labels"/>.</summary>
    public int Count(params (string Name, string Value)[] labels) =>
        _measurements.Count(measured => labels.All(label => measured.TryGetValue(label.Name, out var value) && value == label.Value));

    /// <summary>Every counted label set, for failure messages.</summary>
    public override string ToString() =>
        string.Join("; ", _measurements.Select(measured => string.Join(",", measured.Select(label => $"{label.Key}={label.Value}"))));

    public void Dispose() => _listener.Dispose();
}
