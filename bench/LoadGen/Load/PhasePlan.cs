namespace Doorbuster.LoadGen.Load;

/// <summary>How to drive one phase: the mode, its rate or worker count, and its warm-up and measured time.</summary>
public sealed record PhasePlan(
    string Name, LoadMode Mode, double? Rate, int Connections, int MaxInFlight, TimeSpan Warmup, TimeSpan Duration)
{
    public string ModeName => Mode switch
    {
        LoadMode.Open => "open-loop",
        LoadMode.Closed => "closed-loop",
        _ => "burst",
    };
}
