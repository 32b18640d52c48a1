using Doorbuster.Tests.Infrastructure;

namespace Doorbuster.Tests.Hosting;

/// <summary>
/// A setting that is present but unusable fails the start of the real process, with a message that names the
/// variable the operator has to fix, instead of a host that runs on a guess.
/// </summary>
public sealed class MisconfiguredStartTests
{
    private static readonly TimeSpan StartPatience = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData("")]
    [InlineData("  ")]
    public async Task AnApiWhoseRedisConnectionStringIsSetButBlankFailsItsStartNamingTheVariable(string blank)
    {
        // Arrange: what a Secret filled from an unset shell variable gives a pod. In memory, so that an Api that
        // wrongly takes it for embedded mode writes nothing to this machine's application data.
        await using var api = DoorbusterProcess.Start("Api", "api-blank-redis", new Dictionary<string, string>
        {
            ["ConnectionStrings__Redis"] = blank,
            ["Embedded__InMemory"] = "true",
            ["Orleans__SiloPort"] = FreePorts.Next().ToString(),
            ["Orleans__GatewayPort"] = FreePorts.Next().ToString(),
        });

        // Act and assert
        await AssertFailsItsStartSayingAsync(api, "ConnectionStrings__Redis is set but empty");
    }

    [Fact]
    public async Task ASiloWhoseRedisConnectionStringIsSetButBlankFailsItsStartNamingTheVariable()
    {
        // Arrange
        await using var silo = DoorbusterProcess.Start("Silo", "silo-blank-redis", new Dictionary<string, string>
        {
            ["ConnectionStrings__Redis"] = "",
        });

        // Act and assert: the same refusal as the Api's, not the one for a connection string that is absent.
        await AssertFailsItsStartSayingAsync(silo, "ConnectionStrings__Redis is set but empty");
    }

    [Fact]
    public async Task ASiloWhoseAdvertisedAddressIsNotAnIPAddressFailsItsStartNamingTheVariable()
    {
        // Arrange: a host name where an address belongs. No Redis is needed: the start fails before it connects.
        await using var silo = DoorbusterProcess.Start("Silo", "silo-bad-address", new Dictionary<string, string>
        {
            ["ConnectionStrings__Redis"] = "127.0.0.1:1,abortConnect=false",
            ["Orleans__AdvertisedIPAddress"] = "silo-0.silo",
        });

        // Act and assert
        await AssertFailsItsStartSayingAsync(silo, "Orleans__AdvertisedIPAddress is 'silo-0.silo'");
    }

    /// <summary>The process ends by itself, failing, and its log says <paramref name="expected"/>.</summary>
    private static async Task AssertFailsItsStartSayingAsync(DoorbusterProcess process, string expected)
    {
        var exitCode = await process.ExitCodeAsync(StartPatience);

        Assert.True(exitCode is not null and not 0, $"The process did not fail its start (exit code {exitCode?.ToString() ?? "none: still running"}):{Environment.NewLine}{process.RecentLog}");
        Assert.Contains(expected, process.Log, StringComparison.Ordinal);
    }
}
