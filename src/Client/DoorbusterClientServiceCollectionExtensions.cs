using Doorbuster.Client;
using Doorbuster.Client.Http;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly;

namespace Microsoft.Extensions.DependencyInjection;

public static class DoorbusterClientServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="DoorbusterClient"/> as a typed <see cref="HttpClient"/> with its retry handler
    /// (Microsoft.Extensions.Http.Resilience): each attempt bounded by <see cref="DoorbusterClientOptions.AttemptTimeout"/>,
    /// 429 and 503 retried as <c>Retry-After</c> says with jitter, at most <see cref="DoorbusterClientOptions.MaxRetries"/>
    /// times. The returned builder takes further handlers.
    /// </summary>
    public static IHttpClientBuilder AddDoorbusterClient(this IServiceCollection services, Action<DoorbusterClientOptions> configure)
    {
        services.AddOptions<DoorbusterClientOptions>()
            .Configure(configure)
            .Validate(o => o.BaseAddress is { IsAbsoluteUri: true }, "DoorbusterClientOptions.BaseAddress must be the Api's absolute address.")
            .Validate(o => o.MaxRetries >= 0, "DoorbusterClientOptions.MaxRetries must not be negative (0: no retries).")
            .Validate(o => o.MaxRetryDelay > TimeSpan.Zero && o.MaxRetryDelay <= TimeSpan.FromDays(1), "DoorbusterClientOptions.MaxRetryDelay must be more than 0 and at most a day.")
            .Validate(o => o.AttemptTimeout >= TimeSpan.FromMilliseconds(10) && o.AttemptTimeout <= TimeSpan.FromDays(1), "DoorbusterClientOptions.AttemptTimeout must be 10 ms to a day.");

        var builder = services.AddHttpClient<DoorbusterClient>((provider, http) =>
            http.BaseAddress = UnderItsPath(provider.GetRequiredService<IOptions<DoorbusterClientOptions>>().Value.BaseAddress!));
        builder.AddResilienceHandler("doorbuster", (pipeline, context) =>
        {
            var options = context.ServiceProvider.GetRequiredService<IOptions<DoorbusterClientOptions>>().Value;
            // Polly's retry takes 1 attempt or more: no retries is no retry strategy.
            if (options.MaxRetries > 0)
            {
                pipeline.AddRetry(RetryPolicy.For(options));
            }

            pipeline.AddTimeout(options.AttemptTimeout);
        });
        return builder;
    }

    /// <summary>
    /// The address with a trailing slash: the client's paths are relative, and without one the last segment of an Api
    /// published under a path (<c>https://shop.example/doorbuster</c>) would be dropped.
    /// </summary>
    private static Uri UnderItsPath(Uri address) =>
        address.AbsolutePath.EndsWith('/') ? address : new UriBuilder(address) { Path = address.AbsolutePath + "/" }.Uri;
}
