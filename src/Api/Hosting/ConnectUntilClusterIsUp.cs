namespace Doorbuster.Api.Hosting;

/// <summary>
/// Keeps the Orleans client trying to reach a gateway at start-up, so that the Api and the silos can be
/// started in any order (docker compose, Kubernetes); the start-up probe covers the wait.
/// </summary>
public sealed class ConnectUntilClusterIsUp(ILogger<ConnectUntilClusterIsUp> logger) : IClientConnectionRetryFilter
{
    private int _attempt;

    public async Task<bool> ShouldRetryConnectionAttempt(Exception exception, CancellationToken cancellationToken)
    {
        _attempt++;
        logger.LogWarning(exception, "No Orleans gateway reachable yet (attempt {Attempt}); retrying in 2 s", _attempt);
        await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
        return true;
    }
}
