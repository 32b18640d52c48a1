using Doorbuster.ServiceDefaults.Admin;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Doorbuster.ServiceDefaults;

/// <summary>What every Doorbuster process has: telemetry, health probes, the metrics endpoint.</summary>
public static class ServiceDefaultsExtensions
{
    /// <summary>The tag of health checks that decide readiness (not liveness).</summary>
    public const string ReadyTag = "ready";

    /// <summary>Meters exported besides ASP.NET Core, runtime and process: the domain and Orleans.</summary>
    public static readonly string[] Meters = ["Doorbuster", "Microsoft.Orleans"];

    /// <summary>
    /// ASP.NET Core's meters that are exported: request duration and requests in flight (SLOs, dashboards),
    /// Kestrel's connections, admission's rate-limiting leases and queue (docs/admission.md) and unhandled
    /// exceptions. Not routing's match attempts nor the memory pool's counters, which OpenTelemetry's ASP.NET Core
    /// instrumentation adds too: they are recorded on every request and no panel or rule reads them, and on a
    /// hot product read the instrumentation's whole set cost 39 µs of Api CPU per request against 35 µs with
    /// these (bench/read-path.sh, docs/performance.md).
    /// </summary>
    public static readonly string[] AspNetCoreMeters =
    [
        "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "Microsoft.AspNetCore.RateLimiting", "Microsoft.AspNetCore.Diagnostics",
    ];

    /// <summary>Activity sources of Orleans grain calls, so that a request and its grain calls form one trace.</summary>
    public static readonly string[] ActivitySources = ["Microsoft.Orleans.Runtime", "Microsoft.Orleans.Application"];

    /// <summary>
    /// Log levels that hold wherever the process is started from: appsettings.json is read from the content
    /// root, which is the working directory, so `dotnet path/to/Doorbuster.Api.dll` from elsewhere would log every
    /// request, every grain call and every resilience attempt at Information — hundreds of megabytes a minute
    /// under load. Added as the lowest-precedence source: appsettings and the environment still override them.
    /// </summary>
    private static readonly Dictionary<string, string?> QuietLogging = new()
    {
        ["Logging:LogLevel:Default"] = "Information",
        ["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning",
        ["Logging:LogLevel:Orleans"] = "Warning",
        ["Logging:LogLevel:Polly"] = "Warning",
    };

    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        builder.Configuration.Sources.Insert(0, new MemoryConfigurationSource { InitialData = QuietLogging });
        builder.AddDoorbusterTelemetry();
        builder.Services.AddHealthChecks();
        builder.Services.AddOptions<AdminOptions>().BindConfiguration(AdminOptions.SectionName);
        return builder;
    }

    public static TBuilder AddDoorbusterTelemetry<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        var otlpEndpoint = builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"];
        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(builder.Environment.ApplicationName))
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(AspNetCoreMeters)
                    .AddRuntimeInstrumentation()
                    .AddProcessInstrumentation()
                    .AddMeter(Meters)
                    .AddPrometheusExporter();
            });

        // Traces leave the process only when a collector is configured, so only then are they recorded: an
        // activity per request, per grain call and per Redis command nobody collects is CPU for nothing.
        // Metrics are always scraped.
        if (!string.IsNullOrWhiteSpace(otlpEndpoint))
        {
            telemetry.WithTracing(tracing =>
            {
                tracing.AddAspNetCoreInstrumentation(options =>
                        options.Filter = context => !context.Request.Path.StartsWithSegments("/health")
                            && !context.Request.Path.StartsWithSegments(OpsEndpoints.MetricsPath))
                    .AddSource(ActivitySources)
                    // Traces the process's one Redis connection (registered by AddRedisConnection), if it has one.
                    .AddRedisInstrumentation();
            });
            telemetry.UseOtlpExporter();
        }

        return builder;
    }

    /// <summary>Maps <c>/health/live</c>, <c>/health/ready</c> and <c>/metrics</c>.</summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        app.MapHealthChecks(OpsEndpoints.LivenessPath, new HealthCheckOptions { Predicate = _ => false })
            .DisableHttpMetrics();
        app.MapHealthChecks(OpsEndpoints.ReadinessPath, new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains(ReadyTag),
        }).DisableHttpMetrics();
        app.MapPrometheusScrapingEndpoint(OpsEndpoints.MetricsPath).DisableHttpMetrics();
        return app;
    }
}
