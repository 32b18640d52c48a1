using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Doorbuster.Deployment.Tests;

/// <summary>Reading YAML documents and walking them without ceremony.</summary>
internal static class Yaml
{
    /// <summary>The mapping documents of a (multi-document) YAML file, with merge keys (<c>&lt;&lt;: *anchor</c>) applied.</summary>
    public static IReadOnlyList<YamlMappingNode> LoadDocuments(string path)
    {
        using var reader = new StreamReader(path);
        var stream = new YamlStream();
        stream.Load(new MergingParser(new Parser(reader)));
        return stream.Documents.Select(document => document.RootNode).OfType<YamlMappingNode>().ToList();
    }

    public static YamlNode? Get(this YamlNode? node, string key) =>
        node is YamlMappingNode mapping && mapping.Children.TryGetValue(new YamlScalarNode(key), out var value) ? value : null;

    /// <summary>The node at a dotted path of mapping keys, e.g. <c>spec.template.spec</c>.</summary>
    public static YamlNode? At(this YamlNode? node, string path) =>
        path.Split('.').Aggregate(node, (current, key) => current.Get(key));

    public static string? Scalar(this YamlNode? node, string path) => (node.At(path) as YamlScalarNode)?.Value;

    public static IEnumerable<YamlNode> Items(this YamlNode? node) =>
        node is YamlSequenceNode sequence ? sequence.Children : [];

    public static IEnumerable<string> Strings(this YamlNode? node) =>
        node.Items().OfType<YamlScalarNode>().Select(scalar => scalar.Value ?? "");

    /// <summary>The entries of a mapping as strings (scalars only).</summary>
    public static IReadOnlyDictionary<string, string> ScalarEntries(this YamlNode? node) =>
        node is YamlMappingNode mapping
            ? mapping.Children
                .Where(pair => pair.Key is YamlScalarNode && pair.Value is YamlScalarNode)
                .ToDictionary(pair => ((YamlScalarNode)pair.Key).Value ?? "", pair => ((YamlScalarNode)pair.Value).Value ?? "")
            : new Dictionary<string, string>();
}
