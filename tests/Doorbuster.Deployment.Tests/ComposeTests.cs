using System.Globalization;
using System.Text.RegularExpressions;
using Doorbuster.ServiceDefaults;
using Doorbuster.Silo.Hosting;
using YamlDotNet.RepresentationModel;

namespace Doorbuster.Deployment.Tests;

/// <summary>docker-compose.yml agrees with what the processes do.</summary>
public sealed partial class ComposeTests
{
    private static readonly YamlMappingNode s_compose =
        Yaml.LoadDocuments(RepositoryRoot.Combine("docker-compose.yml")).Single();

    private static YamlNode Service(string name)
    {
        var service = s_compose.Get("services").Get(name);
        Assert.True(service is not null, $"docker-compose.yml has no service {name}");
        return service;
    }

    [Fact]
    public void EverySiloEnvironmentVariableIsOneTheSiloReads()
    {
        foreach (var name in Service("silo").Get("environment").ScalarEntries().Keys)
        {
            Assert.True(KnownSettings.IsRead(KnownSettings.Silo, name), $"docker-compose silo: the silo reads no setting {name}");
        }
    }

    [Fact]
    public void EveryApiEnvironmentVariableIsOneTheApiReads()
    {
        foreach (var name in Service("api").Get("environment").ScalarEntries().Keys)
        {
            Assert.True(KnownSettings.IsRead(KnownSettings.Api, name), $"docker-compose api: the Api reads no setting {name}");
        }
    }

    [Fact]
    public void SiloReplicasEachAdvertiseTheirOwnAddress()
    {
        var silo = Service("silo");

        Assert.True(int.Parse(silo.Scalar("deploy.replicas") ?? "1", CultureInfo.InvariantCulture) >= 2, "compose runs at least two silos");
        // Replicas share their environment: a fixed address would be every replica's address.
        Assert.DoesNotContain("Orleans__AdvertisedIPAddress", silo.Get("environment").ScalarEntries().Keys);
    }

    [Fact]
    public void SiloStopGracePeriodOutlastsItsShutdownTimeout()
    {
        var grace = ParseDuration(Service("silo").Scalar("stop_grace_period") ?? "10s");

        Assert.True(grace > SiloHostingOptions.ShutdownTimeout, $"stop_grace_period {grace} must exceed {SiloHostingOptions.ShutdownTimeout}");
    }

    [Fact]
    public void SiloHealthCheckAsksForReadinessOnTheContainerHttpPort()
    {
        var test = string.Join(" ", Service("silo").Get("healthcheck").Get("test").Strings());

        Assert.Contains($"/dev/tcp/127.0.0.1/{OpsEndpoints.ContainerHttpPort}", test, StringComparison.Ordinal);
        Assert.Contains($"GET {OpsEndpoints.ReadinessPath} ", test, StringComparison.Ordinal);
    }

    [Fact]
    public void ApiIsPublishedFromTheContainerHttpPort()
    {
        var ports = Service("api").Get("ports").Strings().ToList();

        Assert.Contains(ports, port => port.EndsWith($":{OpsEndpoints.ContainerHttpPort}", StringComparison.Ordinal));
    }

    [Fact]
    public void EveryPublishedPortIsOnLoopbackUnlessTheOperatorSaysOtherwise()
    {
        // The stack's admin key and Grafana password have well-known defaults: published on every interface, they
        // would be open to the network of whoever runs `docker compose up` on a laptop.
        var services = (YamlMappingNode)s_compose.Get("services")!;
        foreach (var (name, service) in services.Children)
        {
            foreach (var port in service.Get("ports").Strings())
            {
                Assert.True(
                    port.StartsWith("127.0.0.1:", StringComparison.Ordinal) || port.StartsWith("${PUBLISH_ADDRESS:-127.0.0.1}:", StringComparison.Ordinal),
                    $"docker-compose {name}: port '{port}' is published beyond loopback");
            }
        }
    }

    [Theory]
    [InlineData("redis-1")]
    [InlineData("redis-2")]
    [InlineData("redis-3")]
    public void EveryRedisNodeKeepsAnAppendOnlyFileFlushedEverySecond(string node)
    {
        var command = Service(node).Get("command").Strings().ToList();

        WorkloadManifestTests.AssertAppendOnlyEverySecond(command, $"docker-compose {node}");
    }

    [Fact]
    public void TheOrleansProcessesConnectThroughTheThreeSentinelsThatWatchTheSamePrimary()
    {
        foreach (var process in new[] { "silo", "api" })
        {
            var connection = Service(process).Get("environment").Scalar("ConnectionStrings__Redis")!;
            Assert.Contains("serviceName=doorbuster", connection, StringComparison.Ordinal);
            Assert.All(new[] { "sentinel-1:26379", "sentinel-2:26379", "sentinel-3:26379" }, sentinel => Assert.Contains(sentinel, connection, StringComparison.Ordinal));
        }

        foreach (var sentinel in new[] { "sentinel-1", "sentinel-2", "sentinel-3" })
        {
            Assert.Contains("sentinel monitor doorbuster redis-1 6379 2", string.Join(" ", Service(sentinel).Get("command").Strings()), StringComparison.Ordinal);
        }

        Assert.Equal(["--replicaof", "redis-1", "6379"], Service("redis-2").Get("command").Strings().TakeLast(3));
        Assert.Equal(["--replicaof", "redis-1", "6379"], Service("redis-3").Get("command").Strings().TakeLast(3));
    }

    /// <summary>A compose duration such as <c>60s</c> or <c>1m30s</c>.</summary>
    private static TimeSpan ParseDuration(string text)
    {
        var parts = DurationPart().Matches(text);
        Assert.True(parts.Count > 0 && string.Concat(parts.Select(part => part.Value)) == text, $"not a compose duration: {text}");
        return parts.Aggregate(TimeSpan.Zero, (total, part) =>
        {
            var value = double.Parse(part.Groups[1].Value, CultureInfo.InvariantCulture);
            return total + part.Groups[2].Value switch
            {
                "h" => TimeSpan.FromHours(value),
                "m" => TimeSpan.FromMinutes(value),
                "s" => TimeSpan.FromSeconds(value),
                "ms" => TimeSpan.FromMilliseconds(value),
                _ => TimeSpan.FromMicroseconds(value),
            };
        });
    }

    [GeneratedRegex(@"(\d+(?:\.\d+)?)(h|ms|m|s|us)")]
    private static partial Regex DurationPart();
}
