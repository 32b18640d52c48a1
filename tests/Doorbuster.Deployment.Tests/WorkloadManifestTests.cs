using System.Globalization;
using Doorbuster.ServiceDefaults;

namespace Doorbuster.Deployment.Tests;

/// <summary>What the silo and Api manifests share: probes, metrics, configuration and secrets.</summary>
public sealed class WorkloadManifestTests
{
    public static TheoryData<string> Workloads => new() { "silo", "api" };

    [Theory]
    [MemberData(nameof(Workloads))]
    public void ProbesCallTheOpsEndpointsOnTheContainerHttpPort(string workload)
    {
        var container = KubernetesManifests.BaseContainer(workload).Container;
        var expected = new Dictionary<string, string>
        {
            ["startupProbe"] = OpsEndpoints.LivenessPath,
            ["livenessProbe"] = OpsEndpoints.LivenessPath,
            // An outage of Redis or the cluster is shared by every Api pod and answered by each (reads from memory,
            // 503 with Retry-After): readiness on it would empty the Service and leave the ingress's bare 503s.
            ["readinessProbe"] = workload == "api" ? OpsEndpoints.LivenessPath : OpsEndpoints.ReadinessPath,
        };

        foreach (var (probe, path) in expected)
        {
            var httpGet = container.Get(probe).Get("httpGet");
            Assert.True(httpGet is not null, $"{workload}: {probe} must be an httpGet probe");
            Assert.Equal(path, httpGet.Scalar("path"));
            Assert.Equal(OpsEndpoints.ContainerHttpPort, KubernetesManifests.ResolvePort(workload, httpGet.Scalar("port")));
        }
    }

    [Theory]
    [MemberData(nameof(Workloads))]
    public void PodsTellPrometheusWhereTheirMetricsAre(string workload)
    {
        var annotations = KubernetesManifests.Base("Deployment", workload).Root.At("spec.template.metadata.annotations").ScalarEntries();

        Assert.Equal("true", annotations.GetValueOrDefault("prometheus.io/scrape"));
        Assert.Equal(OpsEndpoints.ContainerHttpPort.ToString(CultureInfo.InvariantCulture), annotations.GetValueOrDefault("prometheus.io/port"));
        Assert.Equal(OpsEndpoints.MetricsPath, annotations.GetValueOrDefault("prometheus.io/path"));
    }

    [Theory]
    [MemberData(nameof(Workloads))]
    public void SecretsComeFromTheSecretNeverFromPlainValues(string workload)
    {
        var environment = KubernetesManifests.BaseContainer(workload).Environment;

        string[] secrets = workload == "api"
            ? ["Admin__ApiKey", "ConnectionStrings__Redis", "Carts__SigningKey"]
            : ["Admin__ApiKey", "ConnectionStrings__Redis"];
        foreach (var name in secrets)
        {
            Assert.True(environment.TryGetValue(name, out var entry), $"{workload}: {name} is not set");
            Assert.True(entry.Get("value") is null, $"{workload}: {name} must not be a plain value");
            Assert.Equal("doorbuster-secrets", entry.Scalar("valueFrom.secretKeyRef.name"));
        }
    }

    [Theory]
    [MemberData(nameof(Workloads))]
    public void EveryConfigMapAndSecretKeyTheWorkloadReadsExists(string workload)
    {
        var config = KubernetesManifests.ConfigLiterals();
        var secret = KubernetesManifests.Base("Secret", "doorbuster-secrets").Root.Get("stringData").ScalarEntries();

        foreach (var (name, entry) in KubernetesManifests.BaseContainer(workload).Environment)
        {
            if (entry.At("valueFrom.configMapKeyRef") is { } configRef)
            {
                Assert.Equal("doorbuster-config", configRef.Scalar("name"));
                Assert.True(config.ContainsKey(configRef.Scalar("key") ?? ""), $"{workload}: {name} reads a key the ConfigMap lacks");
            }

            if (entry.At("valueFrom.secretKeyRef") is { } secretRef && secretRef.Scalar("optional") != "true")
            {
                Assert.True(secret.ContainsKey(secretRef.Scalar("key") ?? ""), $"{workload}: {name} reads a key the Secret lacks");
            }
        }
    }

    [Fact]
    public void EveryApiEnvironmentVariableIsOneTheApiReads()
    {
        foreach (var container in KubernetesManifests.Containers("api"))
        {
            foreach (var name in container.Environment.Keys)
            {
                Assert.True(KnownSettings.IsRead(KnownSettings.Api, name), $"{container}: the Api reads no setting {name}");
            }
        }
    }

    [Fact]
    public void BehindTheAksIngressTheApiTrustsTheForwardedForOfTheIngressControllersPods()
    {
        // Without it, every shopper would share the ingress pods' rate buckets (docs/admission.md).
        var aks = KubernetesManifests.Containers("api").SingleOrDefault(container => container.Manifest.File == "k8s/overlays/aks/api.yaml");
        Assert.True(aks is not null, "k8s/overlays/aks/api.yaml patches no container api");
        Assert.True(aks.Environment.TryGetValue("Admission__TrustedProxies", out var trusted), $"{aks} sets no Admission__TrustedProxies");
        Assert.True(
            Api.FrontDoor.ClientAddresses.TryParseTrustedProxies(trusted.Scalar("value"), out _, out var networks) && networks.Count > 0,
            $"{aks}: Admission__TrustedProxies must name the ingress controller's pod range, not '{trusted.Scalar("value")}'");
    }

    [Fact]
    public void ApiServiceForwardsToTheContainerHttpPort()
    {
        var port = KubernetesManifests.Base("Service", "api").Root.Get("spec").Get("ports").Items().Single();

        Assert.Equal("80", port.Scalar("port"));
        Assert.Equal(OpsEndpoints.ContainerHttpPort, KubernetesManifests.ResolvePort("api", port.Scalar("targetPort")));
    }

    [Fact]
    public void RedisKeepsAnAppendOnlyFileFlushedEverySecondOnEveryNode()
    {
        var script = ((YamlDotNet.RepresentationModel.YamlScalarNode)KubernetesManifests.Base("ConfigMap", "redis-scripts").Root.Get("data").Get("redis.sh")!).Value!;
        var arguments = script.Split([' ', '\n', '\\'], StringSplitOptions.RemoveEmptyEntries).ToList();

        AssertAppendOnlyEverySecond(arguments, "k8s/base redis-scripts redis.sh");
        Assert.Equal("3", KubernetesManifests.Base("StatefulSet", "redis").Root.Get("spec").Scalar("replicas"));
        Assert.Equal("3", KubernetesManifests.Base("StatefulSet", "redis-sentinel").Root.Get("spec").Scalar("replicas"));
    }

    [Fact]
    public void TheSecretsConnectionStringNamesEverySentinel()
    {
        var connection = KubernetesManifests.Base("Secret", "doorbuster-secrets").Root.Get("stringData").Scalar("ConnectionStrings__Redis")!;

        Assert.Contains("serviceName=doorbuster", connection, StringComparison.Ordinal);
        Assert.All(Enumerable.Range(0, 3), i => Assert.Contains($"redis-sentinel-{i}.redis-sentinel:26379", connection, StringComparison.Ordinal));
    }

    internal static void AssertAppendOnlyEverySecond(IReadOnlyList<string> arguments, string where)
    {
        string? After(string flag)
        {
            var index = arguments.ToList().IndexOf(flag);
            return index >= 0 && index + 1 < arguments.Count ? arguments[index + 1] : null;
        }

        Assert.True(After("--appendonly") == "yes", $"{where}: --appendonly must be yes");
        Assert.True(After("--appendfsync") == "everysec", $"{where}: --appendfsync must be everysec");
        Assert.True(After("--maxmemory-policy") is null or "noeviction", $"{where}: grain state must never be evicted");
    }
}
