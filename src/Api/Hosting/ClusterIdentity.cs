namespace Doorbuster.Api.Hosting;

/// <summary>The Orleans cluster identity the Api joins (<c>Orleans__ClusterId</c>, <c>Orleans__ServiceId</c>).</summary>
public static class ClusterIdentity
{
    public const string Default = "doorbuster";

    public static string ClusterId(IConfiguration configuration) => configuration["Orleans:ClusterId"] ?? Default;

    public static string ServiceId(IConfiguration configuration) => configuration["Orleans:ServiceId"] ?? Default;
}
