using Orleans.Configuration;

namespace Doorbuster.Silo.Hosting;

/// <summary>
/// How soon the cluster declares a crashed silo dead, and so how long the grains that lived on it answer 503
/// before they activate elsewhere. Orleans' defaults (a 5 s probe, three missed probes) took 12–13 s after a
/// SIGKILL; these make it under 5 s, measured by SiloFailureDetectionProcessTests, which also shows that ten
/// times the load the cluster can serve declares no healthy silo dead. What keeps a faster detector from
/// false deaths is Orleans' own: the probe timeout adapts to the measured round trips (between
/// <see cref="ClusterMembershipOptions.MinProbeTimeout"/> and <see cref="ClusterMembershipOptions.MaxProbeTimeout"/>)
/// and stretches while the probing silo itself is degraded, the last probe before a suspicion goes through
/// another silo (an indirect probe), a connection that is carrying messages counts as alive, and a death
/// needs the votes of two silos. Every value can still be set through <c>Orleans__Membership__*</c>.
/// </summary>
public static class FailureDetection
{
    public static void ApplyDefaults(ClusterMembershipOptions options)
    {
        // Probe each silo about every second (the initial timeout; Orleans adapts it between 0.5 and 4 s).
        options.ProbeTimeout = TimeSpan.FromSeconds(1);

        // Suspect after two missed probes, the second of them indirect; two suspicions declare the death.
        options.NumMissedProbesLimit = 2;
        options.NumVotesForDeathDeclaration = 2;

        // Write "I am alive" to the membership table every 5 s (Orleans: 30 s). A silo counts as stale once it has
        // missed NumMissedTableIAmAliveLimit writes (Orleans: 3, kept), and a starting silo waits for every active
        // silo of the table to answer or be declared dead, which it may do alone only for stale ones. So when every
        // silo went down at once, the first to start again waited 90 s for the old ones to go stale (the
        // store-failover test's restart took over 90 s); now 15 s. The cost: one small Redis write per silo every 5 s.
        options.IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(5);
    }
}
