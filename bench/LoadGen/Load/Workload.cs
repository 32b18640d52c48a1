using Doorbuster.LoadGen.Http;

namespace Doorbuster.LoadGen.Load;

/// <summary>What one operation of a scenario does: one or a few requests, recorded through the context.</summary>
public abstract class Workload
{
    /// <summary>True when the workload can run no more operations (its prepared carts are used up): the phase ends early.</summary>
    public virtual bool IsExhausted => false;

    /// <summary>Runs one operation and returns the outcome that decides it (for a chain, the first failure or the last answer).</summary>
    public abstract Task<HttpOutcome> RunAsync(OperationContext operation, CancellationToken cancellationToken);
}
