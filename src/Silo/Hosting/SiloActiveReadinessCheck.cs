using Microsoft.Extensions.Diagnostics.HealthChecks;
using Orleans.Runtime;

namespace Doorbuster.Silo.Hosting;

/// <summary>Ready while this silo is an active member of the cluster (not joining, not shutting down).</summary>
public sealed class SiloActiveReadinessCheck(ISiloStatusOracle oracle) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(oracle.CurrentStatus == SiloStatus.Active
            ? HealthCheckResult.Healthy("The silo is an active cluster member.")
            : HealthCheckResult.Unhealthy($"The silo is {oracle.CurrentStatus}."));
}
