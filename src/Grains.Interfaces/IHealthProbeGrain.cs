using Orleans.Concurrency;

namespace Doorbuster;

/// <summary>A stateless grain that answers at once: a call to it proves a gateway and a silo are serving.</summary>
[Alias("Doorbuster.IHealthProbeGrain")]
public interface IHealthProbeGrain : IGrainWithIntegerKey
{
    [ReadOnly, Alias("Ping")]
    Task PingAsync();
}
