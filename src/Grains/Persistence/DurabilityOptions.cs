namespace Doorbuster.Persistence;

/// <summary>The kinds of write that can wait for a replica before they are acknowledged.</summary>
[Flags]
public enum ReplicatedWrites
{
    None = 0,

    /// <summary>Every stock change: restocks, holds, their release and their sale.</summary>
    Stock = 1,

    /// <summary>Orders: placed (with the cart they were placed from), paid, cancelled, expired.</summary>
    Orders = 2,

    /// <summary>Cart changes before checkout.</summary>
    Carts = 4,

    /// <summary>Flash sales: their definition and end, places handed out, admissions, tickets used and given back.</summary>
    Sales = 8,
}

/// <summary>
/// What an acknowledgement means (configuration section <c>Durability</c>). Redis replicates asynchronously:
/// a primary that dies right after answering can take the write with it when a replica that never got it is
/// promoted. With <see cref="ReplicasToAcknowledge"/> above zero, the writes named in <see cref="Writes"/>
/// are acknowledged only once that many replicas hold them (Redis' <c>WAIT</c>); when they do not within
/// <see cref="ReplicaTimeout"/>, the request answers 503 with <c>changeApplied: "unknown"</c> and the grain
/// goes back to what Redis holds. Zero (the default, right for a single Redis or Garnet) waits for nothing.
/// </summary>
public sealed class DurabilityOptions
{
    public const string SectionName = "Durability";

    /// <summary>Replicas that must hold a write before it is acknowledged (<c>Durability__ReplicasToAcknowledge</c>).</summary>
    public int ReplicasToAcknowledge { get; set; }

    /// <summary>The writes that wait (<c>Durability__Writes</c>, e.g. <c>Stock,Orders,Sales</c>).</summary>
    public ReplicatedWrites Writes { get; set; } = ReplicatedWrites.Stock | ReplicatedWrites.Orders | ReplicatedWrites.Sales;

    /// <summary>How long a write waits for its replicas before it is answered as unknown (<c>Durability__ReplicaTimeout</c>).</summary>
    public TimeSpan ReplicaTimeout { get; set; } = TimeSpan.FromSeconds(1);
}
