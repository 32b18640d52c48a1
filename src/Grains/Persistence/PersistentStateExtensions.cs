namespace Doorbuster.Persistence;

public static class PersistentStateExtensions
{
    /// <summary>
    /// Writes the state; when the write fails the activation is discarded, so that the change that was
    /// not stored is not seen by later calls either: the next activation reloads what was persisted.
    /// </summary>
    public static Task WriteOrDeactivateAsync<TState>(this IGrainBase grain, IPersistentState<TState> state) =>
        StoreOrDeactivateAsync(grain, state.WriteStateAsync);

    /// <summary>Clears the stored state, with the same failure rule as <see cref="WriteOrDeactivateAsync{TState}"/>.</summary>
    public static Task ClearOrDeactivateAsync<TState>(this IGrainBase grain, IPersistentState<TState> state) =>
        StoreOrDeactivateAsync(grain, state.ClearStateAsync);

    private static async Task StoreOrDeactivateAsync(IGrainBase grain, Func<Task> store)
    {
        try
        {
            await store();
        }
        catch (Exception exception)
        {
            grain.DeactivateOnIdle();
            throw new StoreUnavailableException("The change could not be stored; it was not applied.", exception);
        }
    }
}
