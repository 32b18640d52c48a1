using Orleans.Core.Internal;
using Orleans.Runtime;

namespace Doorbuster.Tests.Infrastructure;

/// <summary>
/// Whether a grain has an activation, asked of every silo's catalog. Not the grain directory: the
/// management grain answers a directory lookup from its silo's cache when it can, which keeps naming an
/// activation long after it is gone.
/// </summary>
public static class Activations
{
    public static async Task<bool> ExistAsync(IGrainFactory grains, IAddressable grain)
    {
        var id = grain.GetGrainId();
        var activations = await grains.GetGrain<IManagementGrain>(0).GetDetailedGrainStatistics();
        return activations.Any(activation => activation.GrainId == id);
    }

    /// <summary>
    /// Takes a grain's activation away, so that the next call meets a new one that starts from Redis: asks the
    /// activation to go, then watches until no silo has it. Asking again too soon would itself bring it back (a
    /// call to a grain without an activation makes one), and under load a deactivation takes longer than any
    /// fixed pause; a timer or reminder of the grain may also bring it back in between.
    /// </summary>
    public static Task DeactivateAsync(IGrainFactory grains, IAddressable grain) =>
        Eventually.ReturnsAsync(
            async () =>
            {
                await grain.Cast<IGrainManagementExtension>().DeactivateOnIdle();
                var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(3);
                while (await ExistAsync(grains, grain))
                {
                    if (DateTime.UtcNow > deadline)
                    {
                        return false;
                    }

                    await Task.Delay(20);
                }

                return true;
            },
            gone => gone, TimeSpan.FromSeconds(30), $"the activation of {grain.GetGrainId()} to be gone");
}
