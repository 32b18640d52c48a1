using Orleans.Concurrency;

namespace Doorbuster;

[StatelessWorker]
public sealed class HealthProbeGrain : Grain, IHealthProbeGrain
{
    public Task PingAsync() => Task.CompletedTask;
}
