using Microsoft.AspNetCore.Diagnostics.HealthChecks;

namespace Doorbuster.Baseline.Hosting;

public static class HealthEndpoints
{
    /// <summary>The tag of the checks that decide readiness (not liveness).</summary>
    public const string ReadyTag = "ready";

    /// <summary><c>/health/live</c>: 200 while the process runs. <c>/health/ready</c>: 200 while every ready check passes.</summary>
    public static WebApplication MapHealthEndpoints(this WebApplication app)
    {
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = check => check.Tags.Contains(ReadyTag) });
        return app;
    }
}
