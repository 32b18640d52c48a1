namespace Doorbuster.LoadGen.Scenarios;

/// <summary>A named load test: sets up what it needs through the admin routes, runs its phases, checks its own rules.</summary>
public abstract class Scenario(ScenarioContext context)
{
    protected ScenarioContext Context { get; } = context;

    public abstract Task<ScenarioResult> RunAsync(CancellationToken cancellationToken);
}
