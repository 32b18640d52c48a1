using Microsoft.Extensions.Options;
using Orleans.Configuration;
using StackExchange.Redis;

namespace Doorbuster.Silo.Hosting;

/// <summary>
/// A graceful silo shutdown tells the cluster through the membership table in Redis that the silo is
/// leaving: Orleans keeps trying until the host's shutdown timeout (45 s) runs out, then retries each
/// further status update for up to <see cref="ClusterMembershipOptions.MaxJoinAttemptTime"/> (5 minutes) —
/// far past Kubernetes' grace period. So once the stop begins, each status update gets a few seconds
/// (joining is over; the option only bounds the retries now): if Redis goes away during the shutdown, the
/// silo still stops within its grace period. When Redis does not answer at the moment the stop begins,
/// there is nobody to tell at all: the shutdown timeout is cut to a few seconds too, so the silo stops at
/// once and the other silos declare it dead through their probes, as after a crash. Grain state is written
/// through, so nothing acknowledged is lost either way.
/// </summary>
/// <remarks>
/// Both options are read by the host and by Orleans when the stop happens, from the option objects this
/// adjusts; there is no other hook between SIGTERM and the start of the shutdown clock.
/// </remarks>
public sealed class ShutdownWithoutRedis(
    IHostApplicationLifetime lifetime,
    IOptions<HostOptions> host,
    IOptions<ClusterMembershipOptions> membership,
    IConnectionMultiplexer redis,
    ILogger<ShutdownWithoutRedis> logger) : IHostedService
{
    /// <summary>The shutdown timeout when Redis is unreachable as the stop begins.</summary>
    public static readonly TimeSpan ShutdownTimeoutWithoutRedis = TimeSpan.FromSeconds(5);

    /// <summary>How long each membership status update of a stopping silo is retried.</summary>
    public static readonly TimeSpan StatusUpdateBudgetWhileStopping = TimeSpan.FromSeconds(5);

    private static readonly TimeSpan PingTimeout = TimeSpan.FromSeconds(1);

    public Task StartAsync(CancellationToken cancellationToken)
    {
        // Stopping callbacks run before the host starts its shutdown clock.
        lifetime.ApplicationStopping.Register(OnStopping);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private void OnStopping()
    {
        membership.Value.MaxJoinAttemptTime = StatusUpdateBudgetWhileStopping;
        try
        {
            // The primary: a replica's answer says nothing about whether the membership table can be written.
            if (!redis.GetDatabase().PingAsync(CommandFlags.DemandMaster).Wait(PingTimeout))
            {
                throw new TimeoutException($"The Redis primary did not answer a PING within {PingTimeout}.");
            }
        }
        catch (Exception exception)
        {
            logger.LogWarning(
                exception,
                "Redis does not answer as the silo stops: there is no membership table to say goodbye to, so the shutdown timeout is cut to {Timeout}",
                ShutdownTimeoutWithoutRedis);
            host.Value.ShutdownTimeout = ShutdownTimeoutWithoutRedis;
        }
    }
}
