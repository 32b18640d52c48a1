using YamlDotNet.RepresentationModel;

namespace Doorbuster.Deployment.Tests;

/// <summary>One Kubernetes object (or a kustomize patch of one) from a file under <c>k8s/</c>.</summary>
internal sealed record Manifest(string File, YamlMappingNode Root)
{
    public string Kind => Root.Scalar("kind") ?? "";

    public string Name => Root.Scalar("metadata.name") ?? "";

    public bool IsBase => File.StartsWith("k8s/base/", StringComparison.Ordinal);

    public override string ToString() => $"{Kind} {Name} in {File}";
}

/// <summary>A container of a workload as one manifest (the base or a patch) declares it.</summary>
internal sealed record ContainerManifest(Manifest Manifest, YamlMappingNode Container)
{
    public YamlNode? PodSpec => Manifest.Root.At("spec.template.spec");

    /// <summary>Environment entries by variable name.</summary>
    public IReadOnlyDictionary<string, YamlMappingNode> Environment =>
        Container.Get("env").Items().OfType<YamlMappingNode>()
            .ToDictionary(entry => entry.Scalar("name") ?? "", entry => entry);

    public override string ToString() => $"container {Container.Scalar("name")} of {Manifest}";
}

/// <summary>Every manifest under <c>k8s/</c>: the base, its overlays' patches and extra objects.</summary>
internal static class KubernetesManifests
{
    public static readonly IReadOnlyList<Manifest> All = Load();

    /// <summary>The base object of a kind and name; fails when it is missing or ambiguous.</summary>
    public static Manifest Base(string kind, string name)
    {
        var matches = All.Where(manifest => manifest.IsBase && manifest.Kind == kind && manifest.Name == name).ToList();
        Assert.True(matches.Count == 1, $"expected exactly one {kind} {name} in k8s/base, found {matches.Count}");
        return matches[0];
    }

    /// <summary>The container named like its Deployment, in the base and in every overlay patch that touches it.</summary>
    public static IReadOnlyList<ContainerManifest> Containers(string deployment) =>
        All.Where(manifest => manifest.Kind == "Deployment" && manifest.Name == deployment)
            .SelectMany(manifest => manifest.Root.At("spec.template.spec.containers").Items().OfType<YamlMappingNode>()
                .Where(container => container.Scalar("name") == deployment)
                .Select(container => new ContainerManifest(manifest, container)))
            .ToList();

    public static ContainerManifest BaseContainer(string deployment)
    {
        var container = Containers(deployment).SingleOrDefault(candidate => candidate.Manifest.IsBase);
        Assert.True(container is not null, $"k8s/base has no Deployment {deployment} with a container {deployment}");
        return container;
    }

    /// <summary>The key=value literals of the base's generated ConfigMap <c>doorbuster-config</c>.</summary>
    public static IReadOnlyDictionary<string, string> ConfigLiterals(string configMap = "doorbuster-config")
    {
        var kustomization = Yaml.LoadDocuments(RepositoryRoot.Combine("k8s/base/kustomization.yaml")).Single();
        var generator = kustomization.Get("configMapGenerator").Items()
            .SingleOrDefault(item => item.Scalar("name") == configMap);
        Assert.True(generator is not null, $"k8s/base/kustomization.yaml generates no ConfigMap {configMap}");
        return generator.Get("literals").Strings()
            .Select(literal => literal.Split('=', 2))
            .ToDictionary(parts => parts[0], parts => parts.Length > 1 ? parts[1] : "");
    }

    /// <summary>The number a port reference (a number or a port name) stands for in the base container.</summary>
    public static int ResolvePort(string deployment, string? port)
    {
        Assert.False(string.IsNullOrEmpty(port), $"{deployment}: a port reference is empty");
        if (int.TryParse(port, out var number))
        {
            return number;
        }

        var declared = BaseContainer(deployment).Container.Get("ports").Items()
            .FirstOrDefault(candidate => candidate.Scalar("name") == port);
        Assert.True(declared is not null, $"{deployment}: no container port is named {port}");
        return int.Parse(declared.Scalar("containerPort")!, System.Globalization.CultureInfo.InvariantCulture);
    }

    private static List<Manifest> Load()
    {
        var directory = RepositoryRoot.Combine("k8s");
        Assert.True(Directory.Exists(directory), $"no k8s folder at {directory}");
        return Directory.EnumerateFiles(directory, "*.yaml", SearchOption.AllDirectories)
            .Order(StringComparer.Ordinal)
            .SelectMany(path => Yaml.LoadDocuments(path).Select(root => new Manifest(RepositoryRoot.Relative(path), root)))
            .Where(manifest => manifest.Kind is not ("Kustomization" or "Component"))
            .ToList();
    }
}
