using System.ComponentModel.DataAnnotations;
using System.Globalization;
using Doorbuster.ServiceDefaults;
using Doorbuster.Silo.Hosting;

namespace Doorbuster.Deployment.Tests;

/// <summary>The silo's Kubernetes manifests agree with what the silo host does.</summary>
public sealed class SiloManifestTests
{
    private const string Silo = "silo";

    [Fact]
    public void SiloContainerPortsAreThePortsTheSiloListensOn()
    {
        foreach (var container in KubernetesManifests.Containers(Silo))
        {
            var environment = container.Environment;
            var ports = container.Container.Get("ports").Items().ToDictionary(
                port => port.Scalar("name") ?? "",
                port => int.Parse(port.Scalar("containerPort")!, CultureInfo.InvariantCulture));
            if (ports.Count == 0)
            {
                continue; // a patch that does not touch the ports
            }

            var siloPort = environment.TryGetValue("Orleans__SiloPort", out var siloEntry)
                ? int.Parse(siloEntry.Scalar("value")!, CultureInfo.InvariantCulture)
                : SiloHostingOptions.DefaultSiloPort;
            var gatewayPort = environment.TryGetValue("Orleans__GatewayPort", out var gatewayEntry)
                ? int.Parse(gatewayEntry.Scalar("value")!, CultureInfo.InvariantCulture)
                : SiloHostingOptions.DefaultGatewayPort;

            Assert.True(ports.GetValueOrDefault("silo") == SiloHostingOptions.DefaultSiloPort,
                $"{container}: port 'silo' must be {SiloHostingOptions.DefaultSiloPort}");
            Assert.True(ports.GetValueOrDefault("gateway") == SiloHostingOptions.DefaultGatewayPort,
                $"{container}: port 'gateway' must be {SiloHostingOptions.DefaultGatewayPort}");
            Assert.True(ports["silo"] == siloPort, $"{container}: port 'silo' differs from Orleans__SiloPort");
            Assert.True(ports["gateway"] == gatewayPort, $"{container}: port 'gateway' differs from Orleans__GatewayPort");
            Assert.True(ports.GetValueOrDefault("http") == OpsEndpoints.ContainerHttpPort,
                $"{container}: port 'http' must be {OpsEndpoints.ContainerHttpPort}");
        }
    }

    [Fact]
    public void TerminationGracePeriodOutlastsTheSiloShutdownTimeout()
    {
        var deployments = KubernetesManifests.All.Where(manifest => manifest.Kind == "Deployment" && manifest.Name == Silo).ToList();
        Assert.Contains(deployments, deployment => deployment.IsBase && deployment.Root.At("spec.template.spec.terminationGracePeriodSeconds") is not null);
        foreach (var deployment in deployments)
        {
            var grace = deployment.Root.Scalar("spec.template.spec.terminationGracePeriodSeconds");
            if (grace is null)
            {
                continue;
            }

            Assert.True(int.Parse(grace, CultureInfo.InvariantCulture) > SiloHostingOptions.ShutdownTimeout.TotalSeconds,
                $"{deployment}: terminationGracePeriodSeconds {grace} must exceed the silo's {SiloHostingOptions.ShutdownTimeout.TotalSeconds} s shutdown timeout");
        }
    }

    [Fact]
    public void SiloAdvertisesItsOwnPodAddressAndName()
    {
        var environment = KubernetesManifests.BaseContainer(Silo).Environment;

        Assert.Equal("status.podIP", environment.GetValueOrDefault("Orleans__AdvertisedIPAddress").Scalar("valueFrom.fieldRef.fieldPath"));
        Assert.Equal("metadata.name", environment.GetValueOrDefault("Orleans__SiloName").Scalar("valueFrom.fieldRef.fieldPath"));
    }

    [Fact]
    public void RollingUpdatesNeverStopASiloBeforeItsReplacementIsReady()
    {
        var deployment = KubernetesManifests.Base("Deployment", Silo);

        Assert.Equal("RollingUpdate", deployment.Root.Scalar("spec.strategy.type"));
        Assert.Contains(deployment.Root.Scalar("spec.strategy.rollingUpdate.maxUnavailable"), new[] { "0", "0%" });
    }

    [Fact]
    public void SiloPodLabelsNameTheOrleansServiceAndClusterOfTheConfiguration()
    {
        var labels = KubernetesManifests.Base("Deployment", Silo).Root.At("spec.template.metadata.labels").ScalarEntries();
        var config = KubernetesManifests.ConfigLiterals();

        Assert.Equal(config.GetValueOrDefault("Orleans__ServiceId"), labels.GetValueOrDefault("orleans/serviceId"));
        Assert.Equal(config.GetValueOrDefault("Orleans__ClusterId"), labels.GetValueOrDefault("orleans/clusterId"));
    }

    [Fact]
    public void ConfiguredClusterIdentityPassesTheSiloOptionsValidation()
    {
        var config = KubernetesManifests.ConfigLiterals();
        var options = new SiloHostingOptions
        {
            ClusterId = config.GetValueOrDefault("Orleans__ClusterId") ?? "",
            ServiceId = config.GetValueOrDefault("Orleans__ServiceId") ?? "",
        };
        var errors = new List<ValidationResult>();

        var valid = Validator.TryValidateObject(options, new ValidationContext(options), errors, validateAllProperties: true);

        Assert.True(valid, string.Join("; ", errors.Select(error => error.ErrorMessage)));
    }

    [Fact]
    public void EverySiloEnvironmentVariableIsOneTheSiloReads()
    {
        foreach (var container in KubernetesManifests.Containers(Silo))
        {
            foreach (var name in container.Environment.Keys)
            {
                Assert.True(KnownSettings.IsRead(KnownSettings.Silo, name), $"{container}: the silo reads no setting {name}");
            }

            Assert.True(container.Container.Get("envFrom") is null,
                $"{container}: envFrom hides which settings the silo gets; list them under env");
        }
    }
}
