namespace Doorbuster.LoadGen.Load;

public enum LoadMode
{
    /// <summary>Operations start at fixed intended times whatever the server does (constant arrival rate).</summary>
    Open,

    /// <summary>A fixed number of workers, each starting its next operation when the last one answered.</summary>
    Closed,

    /// <summary>Every operation prepared up front and released at the same moment (the flash sale).</summary>
    Burst,
}
