using System.Text.RegularExpressions;
using Doorbuster.Tests.Infrastructure;

namespace Doorbuster.Tests.Api;

/// <summary>A route of a table in <c>docs/http-api.md</c>: its method, its path without the query, and whether it is marked <b>admin</b>.</summary>
public sealed record ContractRoute(string Method, string Path, bool IsAdmin)
{
    public override string ToString() => $"{Method} {Path}";
}

/// <summary>
/// Reads the routes of the contract from the first column of its Markdown tables, written as
/// <c>`METHOD /path?query`</c> and optionally followed by <c>**admin**</c>.
/// </summary>
public static partial class ContractRoutes
{
    public static string DocumentPath { get; } = Path.Combine(RepositoryLayout.Root, "docs", "http-api.md");

    public static IReadOnlyList<ContractRoute> Read() =>
        [.. File.ReadLines(DocumentPath)
            .Select(line => RouteCell().Match(line))
            .Where(match => match.Success)
            .Select(match => new ContractRoute(match.Groups["method"].Value, match.Groups["path"].Value, match.Groups["admin"].Success))];

    [GeneratedRegex(@"^\|\s*`(?<method>GET|POST|PUT|PATCH|DELETE) (?<path>/[^`?\s]*)(\?[^`]*)?`\s*(?<admin>\*\*admin\*\*)?\s*\|", RegexOptions.CultureInvariant)]
    private static partial Regex RouteCell();
}
