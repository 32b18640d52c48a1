using System.Globalization;
using System.Text.RegularExpressions;
using Doorbuster.ServiceDefaults;
using Doorbuster.Silo.Hosting;

namespace Doorbuster.Deployment.Tests;

/// <summary>The images expose, probe and run what the code serves.</summary>
public sealed class DockerfileTests
{
    public static TheoryData<string> Dockerfiles => new() { "src/Silo/Dockerfile", "src/Api/Dockerfile" };

    /// <summary>The instructions of the final stage, continuation lines joined, comments dropped.</summary>
    private static List<(string Keyword, string Arguments)> FinalStage(string dockerfile)
    {
        var text = File.ReadAllText(RepositoryRoot.Combine(dockerfile)).Replace("\\\n", " ", StringComparison.Ordinal);
        var instructions = text.Split('\n')
            .Select(line => line.Trim())
            .Where(line => line.Length > 0 && !line.StartsWith('#'))
            .Select(line => line.Split(' ', 2))
            .Select(parts => (Keyword: parts[0].ToUpperInvariant(), Arguments: parts.Length > 1 ? parts[1].Trim() : ""))
            .ToList();
        var lastFrom = instructions.FindLastIndex(instruction => instruction.Keyword == "FROM");
        Assert.True(lastFrom >= 0, $"{dockerfile}: no FROM");
        return instructions[lastFrom..];
    }

    private static IEnumerable<int> ExposedPorts(string dockerfile) =>
        FinalStage(dockerfile).Where(instruction => instruction.Keyword == "EXPOSE")
            .SelectMany(instruction => instruction.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Select(port => int.Parse(port.Split('/')[0], CultureInfo.InvariantCulture));

    [Fact]
    public void SiloImageExposesTheHttpSiloAndGatewayPorts()
    {
        var exposed = ExposedPorts("src/Silo/Dockerfile").ToList();

        Assert.Contains(OpsEndpoints.ContainerHttpPort, exposed);
        Assert.Contains(SiloHostingOptions.DefaultSiloPort, exposed);
        Assert.Contains(SiloHostingOptions.DefaultGatewayPort, exposed);
    }

    [Fact]
    public void SiloImageRunsTheSiloAssembly()
    {
        var assembly = typeof(SiloHostingOptions).Assembly.GetName().Name + ".dll";
        var entryPoint = FinalStage("src/Silo/Dockerfile").Single(instruction => instruction.Keyword == "ENTRYPOINT").Arguments;

        Assert.Equal($"[\"dotnet\", \"{assembly}\"]", entryPoint);
    }

    [Theory]
    [MemberData(nameof(Dockerfiles))]
    public void ImageServesHttpOnTheContainerHttpPortAndChecksLiveness(string dockerfile)
    {
        var stage = FinalStage(dockerfile);
        var healthCheck = stage.Single(instruction => instruction.Keyword == "HEALTHCHECK").Arguments;

        Assert.Contains($"ASPNETCORE_HTTP_PORTS={OpsEndpoints.ContainerHttpPort}", stage.Where(i => i.Keyword == "ENV").Select(i => i.Arguments));
        Assert.Contains(OpsEndpoints.ContainerHttpPort, ExposedPorts(dockerfile));
        Assert.Contains($"/dev/tcp/127.0.0.1/{OpsEndpoints.ContainerHttpPort}", healthCheck, StringComparison.Ordinal);
        Assert.Contains($"GET {OpsEndpoints.LivenessPath} ", healthCheck, StringComparison.Ordinal);
    }

    /// <summary>
    /// A pod limited to one CPU otherwise runs unoptimized code for its first 25-40 s under load: the runtime's
    /// tiering delay, which it reads from the environment only (docs/performance.md, "Fast from the first seconds").
    /// </summary>
    [Theory]
    [MemberData(nameof(Dockerfiles))]
    public void ImageTiersUpWithoutTheRuntimesDelay(string dockerfile)
    {
        var environment = FinalStage(dockerfile).Where(instruction => instruction.Keyword == "ENV").Select(instruction => instruction.Arguments);

        Assert.Contains("DOTNET_TC_CallCountingDelayMs=0", environment);
    }

    [Theory]
    [MemberData(nameof(Dockerfiles))]
    public void ImageRunsAsTheNonRootAppUser(string dockerfile)
    {
        var user = FinalStage(dockerfile).Last(instruction => instruction.Keyword == "USER").Arguments;

        Assert.Matches(new Regex(@"^(\$APP_UID|\$\{APP_UID\}|app|1654)$"), user);
    }
}
