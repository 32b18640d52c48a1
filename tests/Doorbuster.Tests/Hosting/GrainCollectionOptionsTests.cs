using Doorbuster.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Orleans.Configuration;

namespace Doorbuster.Tests.Hosting;

/// <summary>
/// How often a silo collects idle activations: every activation whose idle age ends within one quantum goes in one
/// sweep, so the quantum sets the size of the sweep (docs/performance.md, "Idle carts collected a few at a time").
/// </summary>
public sealed class GrainCollectionOptionsTests
{
    [Fact]
    public void ASiloCollectsIdleActivationsEveryFiveSecondsUnlessConfiguredOtherwise()
    {
        // Arrange
        using var byDefault = SiloHost(quantum: null);
        using var configured = SiloHost(quantum: "00:00:30");

        // Act
        var defaultQuantum = byDefault.Services.GetRequiredService<IOptions<GrainCollectionOptions>>().Value.CollectionQuantum;
        var configuredQuantum = configured.Services.GetRequiredService<IOptions<GrainCollectionOptions>>().Value.CollectionQuantum;

        // Assert
        Assert.Equal(TimeSpan.FromSeconds(5), defaultQuantum);
        Assert.Equal(TimeSpan.FromSeconds(30), configuredQuantum);
    }

    [Theory]
    [InlineData("00:00:00")]
    [InlineData("00:02:01")]
    public void AQuantumOfNothingOrLongerThanTheCartsCollectionAgeIsRefusedWithItsSettingNamed(string quantum)
    {
        // Arrange
        using var host = SiloHost(quantum);

        // Act
        var failure = Assert.Throws<OptionsValidationException>(() => host.Services.GetRequiredService<IOptions<GrainCollectionOptions>>().Value);

        // Assert
        Assert.Contains("GrainCollection:CollectionQuantum", failure.Message, StringComparison.Ordinal);
    }

    /// <summary>A silo host with the grains' registrations, built and not started: its options are what a silo would run with.</summary>
    private static IHost SiloHost(string? quantum)
    {
        var builder = Host.CreateApplicationBuilder();
        if (quantum is not null)
        {
            builder.Configuration.AddInMemoryCollection([new($"{GrainsSiloBuilderExtensions.GrainCollectionSection}:CollectionQuantum", quantum)]);
        }

        builder.UseOrleans(silo => silo.UseLocalhostClustering().AddDoorbusterGrains());
        return builder.Build();
    }
}
