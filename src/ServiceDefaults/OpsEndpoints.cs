namespace Doorbuster.ServiceDefaults;

/// <summary>The HTTP operations surface of a silo (and of the Api): probes and metrics.</summary>
public static class OpsEndpoints
{
    /// <summary>The port a silo's (and the Api's) HTTP endpoints listen on inside a container.</summary>
    public const int ContainerHttpPort = 8080;

    public const string LivenessPath = "/health/live";
    public const string ReadinessPath = "/health/ready";
    public const string MetricsPath = "/metrics";
}
