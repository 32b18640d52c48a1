using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Doorbuster.LoadGen.Reporting;

/// <summary>Writes <c>&lt;scenario&gt;-&lt;timestamp&gt;.json</c> and <c>.md</c> into the report folder.</summary>
public static class ReportFiles
{
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static IReadOnlyList<string> Write(RunReport report, string directory)
    {
        Directory.CreateDirectory(directory);
        var stem = Path.Combine(directory, $"{report.Scenario}-{report.StartedAt.UtcDateTime.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture)}");
        File.WriteAllText(stem + ".json", JsonSerializer.Serialize(report, Json), Utf8);
        File.WriteAllText(stem + ".md", MarkdownReport.Render(report), Utf8);
        return [stem + ".json", stem + ".md"];
    }

    public static RunReport? Read(string path) => JsonSerializer.Deserialize<RunReport>(File.ReadAllText(path), Json);
}
