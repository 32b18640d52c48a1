namespace Doorbuster.Persistence;

public static class PersistentStateExtensions
{
    /// <summary>
    /// Writes the state; when the write fails the activation is dropped, so that a change Redis may not hold
    /// is not served by later calls: the next activation re-reads what Redis has. The caller gets a
    /// <see cref="StoreUnavailableException"/> that says whether the change may have been applied.
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
            throw StoreFailures.Classify(exception);
        }
    }
}
