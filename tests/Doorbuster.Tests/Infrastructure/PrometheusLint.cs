using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Doorbuster.Tests.Infrastructure;

/// <summary>
/// The rules of <c>promtool check metrics</c> (Prometheus' promlint) that a metric family can break —
/// help text, counter and histogram suffixes, snake case, base units, unabbreviated units — checked over a
/// text exposition in-process, so the test needs no promtool. Where promtool is installed (CI), its own
/// verdict is checked as well.
/// </summary>
public static partial class PrometheusLint
{
    private static readonly string[] NonBaseUnits =
        ["milliseconds", "microseconds", "nanoseconds", "minutes", "hours", "days", "weeks", "kilobytes", "megabytes", "gigabytes", "percent"];

    private static readonly string[] AbbreviatedUnits = ["ms", "us", "ns", "sec", "msec", "usec", "nsec", "kb", "mb", "gb", "pct"];

    /// <summary>The problems of every family whose name starts with <paramref name="prefix"/>, as "name: problem".</summary>
    public static IReadOnlyList<string> Problems(string exposition, string prefix)
    {
        var help = new Dictionary<string, string>(StringComparer.Ordinal);
        var types = new Dictionary<string, string>(StringComparer.Ordinal);
        var labels = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var line in exposition.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Length > 0))
        {
            if (line.StartsWith("# HELP ", StringComparison.Ordinal))
            {
                var parts = line[7..].Split(' ', 2);
                help[parts[0]] = parts.Length > 1 ? parts[1] : "";
            }
            else if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                var parts = line[7..].Split(' ', 2);
                types[parts[0]] = parts.Length > 1 ? parts[1] : "untyped";
            }
            else if (!line.StartsWith('#') && Sample().Match(line) is { Success: true } sample)
            {
                var family = FamilyOf(sample.Groups["name"].Value, types);
                var names = labels.TryGetValue(family, out var set) ? set : labels[family] = new HashSet<string>(StringComparer.Ordinal);
                foreach (Match label in LabelName().Matches(sample.Groups["labels"].Value))
                {
                    names.Add(label.Groups[1].Value);
                }
            }
        }

        var problems = new List<string>();
        foreach (var (name, type) in types.Where(t => t.Key.StartsWith(prefix, StringComparison.Ordinal)))
        {
            void Problem(string text) => problems.Add($"{name}: {text}");
            if (string.IsNullOrWhiteSpace(help.GetValueOrDefault(name)))
            {
                Problem("no help text");
            }

            if (type == "counter" && !name.EndsWith("_total", StringComparison.Ordinal))
            {
                Problem("counter metrics should have \"_total\" suffix");
            }

            if (type != "counter" && name.EndsWith("_total", StringComparison.Ordinal))
            {
                Problem("non-counter metrics should not have \"_total\" suffix");
            }

            if (type is not ("histogram" or "summary") && (name.EndsWith("_bucket", StringComparison.Ordinal) || name.EndsWith("_count", StringComparison.Ordinal) || name.EndsWith("_sum", StringComparison.Ordinal)))
            {
                Problem("non-histogram and non-summary metrics should not have \"_bucket\", \"_count\" or \"_sum\" suffix");
            }

            if (name.Any(char.IsUpper) || (labels.GetValueOrDefault(name) ?? []).Any(label => label.Any(char.IsUpper)))
            {
                Problem("metric and label names should be written in 'snake_case' not 'camelCase'");
            }

            var words = name.Split('_');
            foreach (var unit in NonBaseUnits.Where(words.Contains))
            {
                Problem($"use base unit instead of \"{unit}\"");
            }

            foreach (var unit in AbbreviatedUnits.Where(words.Contains))
            {
                Problem($"metric names should not contain abbreviated units (\"{unit}\")");
            }

            if (words.Contains(type) && type != "untyped")
            {
                Problem($"metric name should not include type '{type}'");
            }
        }

        return problems;
    }

    /// <summary>promtool's problems with families starting with <paramref name="prefix"/>; <c>null</c> when promtool is not installed.</summary>
    public static async Task<IReadOnlyList<string>?> PromtoolProblemsAsync(string exposition, string prefix)
    {
        var binary = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Select(directory => Path.Combine(directory, "promtool"))
            .FirstOrDefault(File.Exists);
        if (binary is null)
        {
            return null;
        }

        var start = new ProcessStartInfo(binary, "check metrics")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var promtool = Process.Start(start)!;
        await promtool.StandardInput.WriteAsync(exposition);
        promtool.StandardInput.Close();
        var output = await promtool.StandardOutput.ReadToEndAsync() + await promtool.StandardError.ReadToEndAsync();
        await promtool.WaitForExitAsync();
        Assert.False(output.Contains("error while linting", StringComparison.Ordinal), $"promtool could not parse the exposition: {output}");
        return output.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith(prefix, StringComparison.Ordinal)).ToList();
    }

    /// <summary>The family a sample belongs to: a histogram's <c>_bucket</c>, <c>_count</c> and <c>_sum</c> series are its own.</summary>
    private static string FamilyOf(string sample, Dictionary<string, string> types)
    {
        foreach (var suffix in (string[])["_bucket", "_count", "_sum"])
        {
            if (sample.EndsWith(suffix, StringComparison.Ordinal) && types.ContainsKey(sample[..^suffix.Length]))
            {
                return sample[..^suffix.Length];
            }
        }

        return sample;
    }

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>.*)\})?\s")]
    private static partial Regex Sample();

    [GeneratedRegex(@"([a-zA-Z_][a-zA-Z0-9_]*)=""")]
    private static partial Regex LabelName();
}
